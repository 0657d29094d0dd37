/* The KS Fiks bekymringsmelding v2 export in the browser: inbox/fiks_export.py, line for line,
 * so a report opened on this page saves the same document `flask inbox open --fiks` writes
 * (tests/browser/test_inbox_in_chromium.py compares the two byte for byte).
 *
 * Where Python and JavaScript differ, this file does what Python does: truthiness (an empty
 * list or object counts as nothing), str() and repr() of values in messages and free text,
 * str.splitlines() and str.strip() with Python's whitespace, the regular expressions' Unicode
 * \d and \s and their `$` that also matches before a final newline, datetime.fromisoformat()
 * for the submission time. Keep the two files in step: a change to one is a change to both.
 *
 * No DOM here: toFiksV2(report) returns the document or throws CannotExport, and fileText()
 * lays it out as the command-line tool writes it.
 */
(function () {
  "use strict";

  var REPORT_SCHEMA = "concern-report/1";
  var FORMAT = "KS Fiks v2";
  var INSTEAD = "Use the concern-report/1 JSON instead.";
  var NO_DISTRICT = "00";
  var DISTRICT_NUMBER = /^[0-9]{6}$/;

  // Python's str.isspace() characters, for \s and strip(); and str.splitlines()'s line ends.
  var PY_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029" +
    "\\u202f\\u205f\\u3000";
  var STRIP = new RegExp("^[" + PY_SPACE + "]+|[" + PY_SPACE + "]+$", "gu");
  var LINE_BREAK = /\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]/u;
  // Python's `$` also matches before one final newline, hence the `\n?`.
  var PHONE_PATTERN = /^[+]?[0-9]+(?:[- ][0-9]+)*\n?$/u;
  var EMAIL_PATTERN = new RegExp(
    "^[A-Za-zæøåÆØÅ0-9_-]+(?:\\.[A-Za-zæøåÆØÅ0-9_-]+)*@[A-Za-zæøåÆØÅ0-9-]+" +
    "(?:\\.[A-Za-zæøåÆØÅ0-9-]+)*(?:\\.[A-Za-z]{2,})\\n?$", "u");
  var ADDRESS_WITH_POSTAL_CODE = new RegExp(
    "^(.+?),[" + PY_SPACE + "]*(\\p{Nd}{4})[" + PY_SPACE + "]+([^\\p{Nd}]+)\\n?$", "u");
  var MUNICIPALITY_NUMBER = /^\p{Nd}{4}$/u;

  /* Our answer values and labels in bokmål, from the table the page reads the report with
   * (static/report-labels.json, as fiks_export.py reads it); set by useTable() on each export. */
  var NB, KS, YES_NO, TOPICS, SOURCES, FREQUENCIES, RELATIONS, FOUND_BY, LANGUAGES, FIELDS;
  var CHILD_LABELS, EXTRAS_HEADING, DELIVERY_CHANNEL;
  var CHILD_KEYS = ["name", "approximate_age", "national_id", "birth_date", "unborn", "address",
    "found_at", "description", "relation", "relation_other", "told", "why_not_told"];

  function useTable(table) {
    NB = table.nb;
    KS = NB.ks;
    DELIVERY_CHANNEL = KS.delivery_channel;
    YES_NO = NB.values.answers;
    TOPICS = NB.values.topics;
    SOURCES = NB.values.sources;
    FREQUENCIES = NB.values.frequencies;
    RELATIONS = NB.values.relations;
    FOUND_BY = NB.values.found_by;
    LANGUAGES = NB.values.languages;
    FIELDS = NB.fields;
    CHILD_LABELS = {};
    CHILD_KEYS.forEach(function (key) {
      CHILD_LABELS[key] = FIELDS["children." + key];
    });
    EXTRAS_HEADING = KS.extras_heading;
  }

  /* report_labels.fill: each {name} replaced; what is filled in is never read as a template. */
  function fill(template, values) {
    return template.replace(/\{([a-z_]+)\}/g, function (match, name) {
      return values[name];
    });
  }

  /* The report cannot be expressed in the format; `message` is Python's, word for word, and
   * `reason` names it for the page, which says it in the reader's language. */
  function CannotExport(message, reason) {
    this.message = message;
    this.reason = reason;
  }
  CannotExport.prototype.toString = function () {
    return this.message;
  };

  /* --- Python's view of values ------------------------------------------------------------- */

  function isMapping(value) {
    return typeof value === "object" && value !== null && !Array.isArray(value);
  }

  function truthy(value) {
    if (Array.isArray(value)) {
      return value.length > 0;
    }
    if (isMapping(value)) {
      return Object.keys(value).length > 0;
    }
    return Boolean(value);
  }

  /* `mapping.get(key)`: only the mapping's own keys (never "constructor" and friends). */
  function get(mapping, key) {
    if (isMapping(mapping) && Object.prototype.hasOwnProperty.call(mapping, key)) {
      return mapping[key];
    }
    return null;
  }

  /* `mapping.get(key) or {}` */
  function getMapping(mapping, key) {
    var value = get(mapping, key);
    return truthy(value) && isMapping(value) ? value : {};
  }

  /* `labels.get(key, fallback)` */
  function label(labels, key, fallback) {
    return typeof key === "string" && Object.prototype.hasOwnProperty.call(labels, key)
      ? labels[key] : fallback;
  }

  function pyRepr(value) {
    if (typeof value !== "string") {
      return pyStr(value);
    }
    var quote = value.indexOf("'") !== -1 && value.indexOf("\"") === -1 ? "\"" : "'";
    var escapes = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
    var out = "";
    Array.from(value).forEach(function (character) {
      var code = character.codePointAt(0);
      if (character === quote || Object.prototype.hasOwnProperty.call(escapes, character)) {
        out += escapes[character] || "\\" + character;
      } else if (character !== " " && /[\p{C}\p{Z}]/u.test(character)) {
        // str.isprintable(): "Other" and "Separator" characters, but the space, are escaped.
        var hex = code.toString(16);
        out += code <= 0xff ? "\\x" + ("0" + hex).slice(-2)
          : code <= 0xffff ? "\\u" + ("000" + hex).slice(-4)
            : "\\U" + ("0000000" + hex).slice(-8);
      } else {
        out += character;
      }
    });
    return quote + out + quote;
  }

  function pyStr(value) {
    if (typeof value === "string") {
      return value;
    }
    if (value === null || value === undefined) {
      return "None";
    }
    if (value === true) {
      return "True";
    }
    if (value === false) {
      return "False";
    }
    if (Array.isArray(value)) {
      return "[" + value.map(pyRepr).join(", ") + "]";
    }
    if (isMapping(value)) {
      return "{" + Object.keys(value).map(function (key) {
        return pyRepr(key) + ": " + pyRepr(value[key]);
      }).join(", ") + "}";
    }
    return String(value);
  }

  function strip(text) {
    return text.replace(STRIP, "");
  }

  /* --- pieces (fiks_export.py's, in its order) --------------------------------------------- */

  function concernOf(report) {
    return getMapping(report, "concern");
  }

  function required(value, what) {
    if (!truthy(value)) {
      throw new CannotExport(FORMAT + " requires " + what + ", and this report has none. " +
        INSTEAD, "missing-reporter");
    }
    return pyStr(value);
  }

  function told(answer, what) {
    if (answer !== "yes" && answer !== "no") {
      throw new CannotExport(FORMAT + " requires a yes or no for " + what + ", and this report " +
        "has none. " + INSTEAD, "not-told");
    }
    return answer === "yes";
  }

  /* One line: the words stay, the breaks become spaces. */
  function line(text) {
    return pyStr(text).split(LINE_BREAK).map(strip).filter(Boolean).join(" ");
  }

  function daysIn(year, month) {
    return new Date(Date.UTC(year, month, 0)).getUTCDate();
  }

  /* datetime.fromisoformat() as Python 3.11 reads what we write (and the usual ISO 8601
   * variants): {utc: milliseconds} if aware, {naive: true} if not, null if not a time. */
  var ISO_TIME = new RegExp(
    "^(\\d{4})-?(\\d{2})-?(\\d{2})" +
    "(?:.(\\d{2})(?::?(\\d{2})(?::?(\\d{2})(?:[.,](\\d{1,6}))?)?)?" +
    "(Z|[+-]\\d{2}(?::?\\d{2}(?::?\\d{2}(?:\\.\\d{1,6})?)?)?)?)?$");

  function fromIsoFormat(text) {
    var found = ISO_TIME.exec(text);
    if (!found) {
      return null;
    }
    var year = Number(found[1]);
    var month = Number(found[2]);
    var day = Number(found[3]);
    var hour = Number(found[4] || 0);
    var minute = Number(found[5] || 0);
    var second = Number(found[6] || 0);
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) ||
        hour > 23 || minute > 59 || second > 59) {
      return null;
    }
    var zone = found[8];
    if (!zone) {
      return { naive: true };
    }
    var offset = 0;
    if (zone !== "Z") {
      var parts = /^([+-])(\d{2}):?(\d{2})?:?(\d{2})?/.exec(zone);
      offset = (Number(parts[2]) * 3600 + Number(parts[3] || 0) * 60 + Number(parts[4] || 0)) *
        (parts[1] === "-" ? -1 : 1);
      if (Math.abs(offset) >= 24 * 3600) {
        return null;
      }
    }
    var utc = Date.UTC(year, month - 1, day, hour, minute, second);
    if (year < 100) {
      var date = new Date(utc);
      date.setUTCFullYear(year);  // Date.UTC reads 0..99 as 1900..1999
      utc = date.getTime();
    }
    return { utc: utc - offset * 1000 };
  }

  var OSLO = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Oslo", hourCycle: "h23", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"
  });

  /* KS: local Norwegian time, to the second, written without a zone. */
  function localTime(submittedAt) {
    var moment = fromIsoFormat(pyStr(submittedAt));
    if (moment === null) {
      throw new CannotExport("This report's submission time " + pyRepr(submittedAt) +
        " is not a time, and " + FORMAT + " requires one. " + INSTEAD, "time");
    }
    if (moment.naive) {
      throw new CannotExport("This report's submission time " + pyRepr(submittedAt) +
        " has no time zone, so it cannot be given in Norwegian time. " + INSTEAD, "time");
    }
    var parts = {};
    OSLO.formatToParts(new Date(moment.utc)).forEach(function (part) {
      parts[part.type] = part.value;
    });
    return ("000" + parts.year).slice(-4) + "-" + parts.month + "-" + parts.day + "T" +
      parts.hour + ":" + parts.minute + ":" + parts.second;
  }

  function address(text, postalCode) {
    text = line(truthy(text) ? text : "");
    var found = ADDRESS_WITH_POSTAL_CODE.exec(text);
    if (found) {
      return { adresselinje1: strip(found[1]), postnummer: found[2], poststed: strip(found[3]) };
    }
    var result = { adresselinje1: text };
    if (truthy(postalCode)) {
      result.postnummer = postalCode;
    }
    return result;
  }

  function routingPostalCode(report, childCount) {
    var location = getMapping(report, "location");
    if (childCount === 1 && get(location, "found_by") === "postal_code") {
      return get(location, "postal_code");
    }
    return null;
  }

  function relationOf(child) {
    var relation = get(child, "relation");
    var other = get(child, "relation_other");
    var parts = [];
    if (truthy(relation) && !(relation === "other" && truthy(other))) {
      parts.push(pyStr(label(RELATIONS, relation, relation)));
    }
    if (truthy(other)) {
      parts.push(pyStr(other));
    }
    return parts.join(", ") || null;
  }

  function interpreterText(interpreter) {
    var needed = get(interpreter, "needed");
    var language = get(interpreter, "language");
    var parts = truthy(needed) ? [pyStr(label(YES_NO, needed, needed))] : [];
    if (truthy(language)) {
      parts.push(fill(KS.interpreter_language, { language: pyStr(language) }));
    }
    return parts.join(", ") || null;
  }

  function history(concern) {
    var background = get(concern, "background");
    var parts = [truthy(background) ? background : ""];
    if (truthy(get(concern, "measures"))) {
      parts.push(FIELDS["concern.measures"] + ": " + pyStr(concern.measures));
    }
    return parts.filter(truthy).map(pyStr).join("\n\n");
  }

  /* The reporter's own words first and unchanged, then what has no field of its own. */
  function withExtras(description, extras) {
    var parts = truthy(description) ? [pyStr(description)] : [];
    if (extras.length) {
      parts.push([EXTRAS_HEADING].concat(extras).join("\n"));
    }
    return parts.join("\n\n");
  }

  function labelled(values, labels) {
    var items = Array.isArray(values) ? values : [values];
    return items.map(function (item) {
      return pyStr(label(labels, item, pyStr(item)));
    }).join("; ");
  }

  function openingExtras(report) {
    var extras = [];
    if (get(report, "anonymity") === "confidential") {
      extras.push(fill(KS.important, { text: NB.notices.confidential }));
    }
    var danger = get(report, "child_in_danger_now");
    if (truthy(danger)) {
      extras.push(fill(KS.danger, { question: FIELDS.child_in_danger_now,
                                    answer: pyStr(label(YES_NO, danger, danger)) }));
    }
    return extras;
  }

  function norwegianDate(value) {
    var text = pyStr(value);
    var found = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
    if (found) {
      var year = Number(found[1]);
      var month = Number(found[2]);
      var day = Number(found[3]);
      if (year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month)) {
        return found[3] + "." + found[2] + "." + String(year);
      }
    }
    return text;
  }

  function childExtras(index, child, mapped) {
    var lines = [];
    if (!truthy(get(child, "name"))) {
      lines.push(KS.name_unknown);
    }
    if (!truthy(get(child, "address"))) {
      lines.push(KS.address_unknown);
    }
    Object.keys(child).forEach(function (key) {
      var value = child[key];
      if (mapped.indexOf(key) !== -1 || value === null || value === false || value === "") {
        return;
      }
      if (key === "unborn") {
        lines.push(NB.notices.unborn);
      } else if (key === "birth_date") {
        lines.push(CHILD_LABELS.birth_date + ": " + norwegianDate(value));
      } else if (key === "told" || key === "relation") {
        lines.push(CHILD_LABELS[key] + ": " + labelled(value, key === "told" ? YES_NO : RELATIONS));
      } else {
        lines.push(label(CHILD_LABELS, key, key) + ": " + pyStr(value));
      }
    });
    if (!lines.length) {
      return [];
    }
    var heading = truthy(get(child, "name"))
      ? fill(KS.child_named, { number: String(index), name: pyStr(child.name) })
      : fill(KS.child, { number: String(index) });
    return [heading].concat(lines.map(function (text) {
      return "  " + text;
    }));
  }

  function guardianText(guardian) {
    var name = get(guardian, "name");
    name = truthy(name) ? pyStr(name) : "";
    if (truthy(get(guardian, "phone"))) {
      return fill(KS.guardian_phone, { name: name, phone: pyStr(guardian.phone) });
    }
    return name;
  }

  function guardiansOf(parents) {
    var guardians = get(parents, "guardians");
    return truthy(guardians) && Array.isArray(guardians) ? guardians : [];
  }

  function parentExtras(parents, mapped) {
    var extras = [];
    if (!mapped) {
      var guardians = guardiansOf(parents);
      if (guardians.length) {
        extras.push(FIELDS["parents.guardians"] + ": " + guardians.map(guardianText).join("; "));
      }
      if (truthy(get(parents, "told"))) {
        extras.push(FIELDS["parents.told"] + ": " + labelled(parents.told, YES_NO));
      }
      if (truthy(get(parents, "why_not_told"))) {
        extras.push(FIELDS["parents.why_not_told"] + ": " + pyStr(parents.why_not_told));
      }
    }
    if (truthy(get(parents, "lives_with"))) {
      extras.push(FIELDS["parents.lives_with"] + ": " + pyStr(parents.lives_with));
    }
    return extras;
  }

  function concernExtras(concern, mapped) {
    var extras = [];
    if (truthy(get(concern, "topics"))) {
      extras.push(FIELDS["concern.topics"] + ": " + labelled(concern.topics, TOPICS));
    }
    if (truthy(get(concern, "sources"))) {
      extras.push(FIELDS["concern.sources"] + ": " + labelled(concern.sources, SOURCES));
    }
    if (truthy(get(concern, "frequency"))) {
      extras.push(FIELDS["concern.frequency"] + ": " + labelled(concern.frequency, FREQUENCIES));
    }
    if (truthy(get(concern, "since"))) {
      extras.push(FIELDS["concern.since"] + ": " + pyStr(concern.since));
    }
    if (truthy(get(concern, "child_views"))) {
      extras.push(FIELDS["concern.child_views"] + ": " + pyStr(concern.child_views));
    }
    ["background", "measures", "other_agencies", "other_views"].forEach(function (key) {
      if (mapped.indexOf(key) === -1 && truthy(get(concern, key))) {
        extras.push(FIELDS["concern." + key] + ": " + pyStr(concern[key]));
      }
    });
    return extras;
  }

  function interpreterExtras(report) {
    var text = interpreterText(getMapping(report, "interpreter"));
    return text ? [FIELDS["interpreter.needed"] + ": " + text] : [];
  }

  function closingExtras(report) {
    var location = getMapping(report, "location");
    var extras = [];
    var foundBy = get(location, "found_by");
    var postalCode = get(location, "postal_code");
    if (foundBy === "postal_code" && truthy(postalCode)) {
      extras.push(fill(KS.found_by_postal_code, { postal_code: pyStr(postalCode) }));
    } else {
      if (truthy(foundBy)) {
        extras.push(pyStr(label(FOUND_BY, foundBy, null) ||
          fill(KS.found_by_other, { found_by: pyStr(foundBy) })));
      }
      if (truthy(postalCode)) {
        extras.push(KS.postal_code + ": " + pyStr(postalCode));
      }
    }
    var language = get(report, "language");
    if (truthy(language)) {
      extras.push(fill(KS.language, { language: pyStr(label(LANGUAGES, language, language)) }));
    }
    return extras;
  }

  /* --- the two documents ------------------------------------------------------------------- */

  function head(report) {
    var location = getMapping(report, "location");
    var number = get(location, "municipality_number");
    if (typeof number !== "string" || !MUNICIPALITY_NUMBER.test(number)) {
      throw new CannotExport("This report has no municipality number, which " + FORMAT +
        " requires. " + INSTEAD, "no-municipality");
    }
    var name = get(location, "municipality_name");
    return {
      kommunenummer: number,
      kommunenavn: line(truthy(name) ? name : ""),
      bydelsnummer: district(get(location, "district"), number),
      bydelsnavn: ""
    };
  }

  function district(value, municipalityNumber) {
    if (typeof value === "string" && DISTRICT_NUMBER.test(value) &&
        value.slice(0, 4) === municipalityNumber && value.slice(4) !== NO_DISTRICT) {
      return value.slice(4);
    }
    return NO_DISTRICT;
  }

  function tail(report) {
    return { sendingstidspunkt: localTime(get(report, "submitted_at")),
             leveringskanal: DELIVERY_CHANNEL };
  }

  function assign(target) {
    Array.prototype.slice.call(arguments, 1).forEach(function (source) {
      Object.keys(source).forEach(function (key) {
        target[key] = source[key];
      });
    });
    return target;
  }

  function privateDocument(report) {
    var reporter = getMapping(report, "reporter");
    var children = report.children;
    var melder = { personnavn: required(get(reporter, "name"), "the reporter's name") };
    var phone = get(reporter, "phone");
    if (truthy(phone) && PHONE_PATTERN.test(pyStr(phone))) {
      melder.telefonnummer = phone;
    }
    var barn = [];
    var childLines = [];
    children.forEach(function (child, position) {
      var name = get(child, "name");
      var entry = { personnavn: truthy(name) ? name : "" };
      var age = get(child, "approximate_age");
      if (age !== null && age !== undefined) {
        entry.antattAlder = pyStr(age);
      }
      var relation = relationOf(child);
      if (relation) {
        entry.relasjon = relation;
      }
      entry.adresse = address(get(child, "address"), routingPostalCode(report, children.length));
      barn.push(entry);
      childLines = childLines.concat(childExtras(position + 1, child, [
        "name", "approximate_age", "relation", "relation_other", "address"]));
    });
    var extras = [].concat(
      openingExtras(report),
      concernExtras(concernOf(report), []),
      childLines,
      parentExtras(getMapping(report, "parents"), false),
      interpreterExtras(report)
    );
    if (truthy(phone) && !("telefonnummer" in melder)) {
      extras.push(KS.reporter_phone + ": " + pyStr(phone));
    }
    if (truthy(get(reporter, "email"))) {
      extras.push(KS.reporter_email + ": " + pyStr(reporter.email));
    }
    if (truthy(get(reporter, "safe_contact"))) {
      extras.push(FIELDS["reporter.safe_contact"] + ": " + pyStr(reporter.safe_contact));
    }
    var document = assign({}, head(report));
    document.privatMelder = melder;
    document.privatBarn = barn;
    document.melding = withExtras(get(concernOf(report), "description"),
                                  extras.concat(closingExtras(report)));
    return assign(document, tail(report));
  }

  function professionalDocument(report) {
    var reporter = getMapping(report, "reporter");
    var concern = concernOf(report);
    var parents = getMapping(report, "parents");
    var children = report.children;
    var email = required(get(reporter, "email"), "the reporter's e-mail address");
    if (!EMAIL_PATTERN.test(email)) {
      throw new CannotExport("The reporter's e-mail address " + pyRepr(email) + " does not fit " +
        FORMAT + "'s e-mail pattern (letters, digits, '.', '-' and '_' only), and changing it " +
        "would make it someone else's. " + INSTEAD, "email-pattern");
    }
    var phone = required(get(reporter, "phone"), "the reporter's phone number");
    if (!PHONE_PATTERN.test(phone)) {
      throw new CannotExport("The reporter's phone number " + pyRepr(phone) + " does not fit " +
        FORMAT + "'s phone pattern. " + INSTEAD, "phone-pattern");
    }
    var workplace = { navn: line(required(get(reporter, "workplace"),
                                          "the reporter's workplace")) };
    if (truthy(get(reporter, "organisation_number"))) {
      workplace.orgnr = line(reporter.organisation_number);
    }
    workplace.adresse = address(required(get(reporter, "workplace_address"),
                                         "the workplace's address"), null);
    var melder = {};
    melder.personnavn = line(required(get(reporter, "name"), "the reporter's name"));
    melder.rolle = line(required(get(reporter, "role"), "the reporter's role"));
    melder.telefonnummer = phone;
    melder.epost = email;
    melder.virksomhet = workplace;
    var barn = [];
    var childLines = [];
    children.forEach(function (child, position) {
      var index = position + 1;
      var nationalId = get(child, "national_id");
      var name = get(child, "name");
      var entry = {};
      entry.fnr = truthy(nationalId) ? nationalId : "";
      entry.ufoedt = get(child, "unborn") === true;
      entry.personnavn = line(truthy(name) ? name : "");
      entry.adresse = address(get(child, "address"), routingPostalCode(report, children.length));
      entry.orientert = told(get(child, "told"), "whether child " + index + " was told");
      if (truthy(get(child, "why_not_told"))) {
        entry.orientertGrunn = line(child.why_not_told);
      }
      barn.push(entry);
      childLines = childLines.concat(childExtras(index, child, [
        "national_id", "unborn", "name", "address", "told", "why_not_told"]));
    });
    var guardians = guardiansOf(parents);
    if (!guardians.length) {
      throw new CannotExport(FORMAT + " requires the name of at least one parent or guardian, " +
        "and this report has none. " + INSTEAD, "no-guardian");
    }
    var parentsTold = told(get(parents, "told"), "whether the parents were told");
    var foresatte = guardians.slice(0, 2).map(function (guardian) {
      var name = get(guardian, "name");
      var person = { personnavn: line(truthy(name) ? name : "") };
      if (truthy(get(guardian, "phone"))) {
        person.telefonnummer = line(guardian.phone);
      }
      person.orientert = parentsTold;
      if (truthy(get(parents, "why_not_told"))) {
        person.orientertGrunn = line(parents.why_not_told);
      }
      return person;
    });
    var extras = [].concat(
      openingExtras(report),
      concernExtras(concern, ["background", "measures", "other_agencies", "other_views"]),
      childLines,
      parentExtras(parents, true),
      guardians.slice(2).map(function (guardian) {
        return KS.more_guardians + ": " + guardianText(guardian);
      }),
      closingExtras(report)
    );
    var document = assign({}, head(report));
    document.offentligMelder = melder;
    document.offentligBarn = barn;
    document.foresatte = foresatte;
    var interpreter = interpreterText(getMapping(report, "interpreter"));
    if (interpreter) {
      document.behovForTolk = interpreter;
    }
    if (truthy(get(concern, "other_agencies"))) {
      document.andreHjelpeinstanser = concern.other_agencies;
    }
    var melding = {
      melding: withExtras(get(concern, "description"), extras),
      historie: history(concern)
    };
    if (truthy(get(concern, "other_views"))) {
      melding.andreSynspunkter = concern.other_views;
    }
    document.melding = melding;
    return assign(document, tail(report));
  }

  /* The `privat` or `offentlig` v2 document for a decrypted report, or CannotExport; `table`
   * is static/report-labels.json. */
  function toFiksV2(report, table) {
    useTable(table);
    if (!isMapping(report) || get(report, "schema") !== REPORT_SCHEMA) {
      throw new CannotExport("Only a " + REPORT_SCHEMA + " report can be exported to " + FORMAT +
        ".", "not-a-report");
    }
    var kind = get(report, "reporter_type");
    if (kind === "child") {
      throw new CannotExport("A report from a child about themselves cannot be exported to " +
        FORMAT + ": the format has no such case (it requires an adult reporter's name). " +
        INSTEAD, "child");
    }
    if (kind === "private" && (truthy(get(report, "anonymous")) ||
                               get(report, "anonymity") === "anonymous")) {
      throw new CannotExport("An anonymous report cannot be exported to " + FORMAT + ": the " +
        "format requires the reporter's name. " + INSTEAD, "anonymous");
    }
    if (kind !== "private" && kind !== "professional") {
      throw new CannotExport("A report from a reporter of type " + pyRepr(kind) + " cannot be " +
        "exported to " + FORMAT + ". " + INSTEAD, "reporter-type");
    }
    var children = get(report, "children");
    if (!truthy(children)) {
      throw new CannotExport("A report about no child cannot be exported to " + FORMAT + ". " +
        INSTEAD, "no-child");
    }
    if (!Array.isArray(children)) {
      throw new CannotExport("A report about no child cannot be exported to " + FORMAT + ". " +
        INSTEAD, "no-child");  // Python would fail here too, less politely
    }
    return kind === "private" ? privateDocument(report) : professionalDocument(report);
  }

  /* The file `flask inbox open --fiks` writes: json.dumps(..., ensure_ascii=False, indent=2)
   * and a newline, which is JSON.stringify's layout for these documents. */
  function fileText(document) {
    return JSON.stringify(document, null, 2) + "\n";
  }

  window.ConcernFiksExport = {
    toFiksV2: toFiksV2,
    fileText: fileText,
    CannotExport: CannotExport,
    /* {text} of the file, or {refused, reason}: the message and the name of its reason. */
    tryExport: function (report, table) {
      try {
        return { text: fileText(toFiksV2(report, table)) };
      } catch (error) {
        if (error instanceof CannotExport) {
          return { refused: error.message, reason: error.reason };
        }
        throw error;
      }
    }
  };
})();
