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
  var DELIVERY_CHANNEL = "Meld fra om bekymring for et barn";
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

  var YES_NO = { yes: "Ja", no: "Nei", unsure: "Usikker", unknown: "Vet ikke" };
  var TOPICS = {
    "violence": "Vold mot barnet",
    "domestic-violence": "Vold mellom voksne i hjemmet",
    "sexual-abuse": "Seksuelle overgrep",
    "neglect": "Barnet får ikke mat, klær, stell eller tilsyn",
    "parents-substances": "Foreldrene ruser seg",
    "parents-mental-health": "Foreldrene har psykiske problemer",
    "child-behaviour": "Barnets egen atferd eller rus",
    "honour": "Tvangsekteskap, kjønnslemlestelse eller æresrelatert vold",
    "trafficking": "Menneskehandel",
    "other": "Noe annet",
    "unknown": "Melderen vet ikke"
  };
  var SOURCES = {
    "seen-heard": "Melderen har sett eller hørt det selv",
    "child-told": "Barnet har fortalt det til melderen",
    "others-told": "Andre har fortalt det til melderen",
    "other": "Annet"
  };
  var FREQUENCIES = {
    once: "Én gang", several: "Flere ganger", long: "Over lang tid", unknown: "Melderen vet ikke"
  };
  var RELATIONS = {
    "parent": "Forelder",
    "family": "Familie",
    "neighbour": "Nabo",
    "family-friend": "Venn av familien",
    "friends-parent": "Forelder til en venn av barnet",
    "other": "Annet"
  };
  var FOUND_BY = {
    postal_code: "Kommunen ble funnet fra postnummeret der barnet bor.",
    chosen_from_list: "Melderen valgte kommunen der barnet bor fra en liste.",
    where_the_child_was: "Melderen vet ikke hvor barnet bor. Kommunen er der barnet var da " +
      "melderen ble bekymret.",
    reporter_municipality: "Verken hvor barnet bor eller hvor det var, er kjent. Meldingen " +
      "gikk derfor til melderens egen kommune."
  };
  var LANGUAGES = {
    nb: "norsk bokmål", nn: "norsk nynorsk", se: "nordsamisk", en: "engelsk",
    pl: "polsk", lt: "litauisk", uk: "ukrainsk", ar: "arabisk", so: "somali",
    ti: "tigrinja", ur: "urdu"
  };
  var CHILD_LABELS = {
    name: "Navn",
    approximate_age: "Antatt alder (år)",
    national_id: "Fødselsnummer",
    birth_date: "Fødselsdato",
    unborn: "Ikke født ennå",
    address: "Adresse",
    found_at: "Der barnet kan treffes",
    description: "Beskrivelse av barnet",
    relation: "Melderens forhold til barnet",
    relation_other: "Melderens forhold til barnet (fritekst)",
    told: "Barnet vet om meldingen",
    why_not_told: "Hvorfor barnet ikke vet om meldingen"
  };
  var EXTRAS_HEADING = "Opplysninger fra skjemaet som ikke har eget felt i KS-formatet:";

  /* The report cannot be expressed in the format; `message` is Python's, word for word. */
  function CannotExport(message) {
    this.message = message;
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
        INSTEAD);
    }
    return pyStr(value);
  }

  function told(answer, what) {
    if (answer !== "yes" && answer !== "no") {
      throw new CannotExport(FORMAT + " requires a yes or no for " + what + ", and this report " +
        "has none. " + INSTEAD);
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
        " is not a time, and " + FORMAT + " requires one. " + INSTEAD);
    }
    if (moment.naive) {
      throw new CannotExport("This report's submission time " + pyRepr(submittedAt) +
        " has no time zone, so it cannot be given in Norwegian time. " + INSTEAD);
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
      parts.push("språk: " + pyStr(language));
    }
    return parts.join(", ") || null;
  }

  function history(concern) {
    var background = get(concern, "background");
    var parts = [truthy(background) ? background : ""];
    if (truthy(get(concern, "measures"))) {
      parts.push("Hva melderen har gjort for å hjelpe barnet: " + pyStr(concern.measures));
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
      extras.push("VIKTIG: Melderen har gitt navnet sitt, men vil ikke at familien skal få " +
        "vite hvem som meldte.");
    }
    var danger = get(report, "child_in_danger_now");
    if (truthy(danger)) {
      extras.push("Er et barn i fare akkurat nå? Melderen svarte: " +
        pyStr(label(YES_NO, danger, danger)));
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
      lines.push("Navnet er ikke kjent.");
    }
    if (!truthy(get(child, "address"))) {
      lines.push("Adressen er ikke kjent.");
    }
    Object.keys(child).forEach(function (key) {
      var value = child[key];
      if (mapped.indexOf(key) !== -1 || value === null || value === false || value === "") {
        return;
      }
      if (key === "unborn") {
        lines.push("Barnet er ikke født ennå.");
      } else if (key === "birth_date") {
        lines.push("Fødselsdato: " + norwegianDate(value));
      } else if (key === "told" || key === "relation") {
        lines.push(CHILD_LABELS[key] + ": " + labelled(value, key === "told" ? YES_NO : RELATIONS));
      } else {
        lines.push(label(CHILD_LABELS, key, key) + ": " + pyStr(value));
      }
    });
    if (!lines.length) {
      return [];
    }
    var name = truthy(get(child, "name")) ? " (" + pyStr(child.name) + ")" : "";
    return ["Barn " + index + name + ":"].concat(lines.map(function (text) {
      return "  " + text;
    }));
  }

  function guardianText(guardian) {
    var phone = truthy(get(guardian, "phone")) ? " (tlf. " + pyStr(guardian.phone) + ")" : "";
    var name = get(guardian, "name");
    return (truthy(name) ? pyStr(name) : "") + phone;
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
        extras.push("Foreldre eller foresatte: " + guardians.map(guardianText).join("; "));
      }
      if (truthy(get(parents, "told"))) {
        extras.push("Foreldrene vet om meldingen: " + labelled(parents.told, YES_NO));
      }
      if (truthy(get(parents, "why_not_told"))) {
        extras.push("Hvorfor foreldrene ikke vet om meldingen: " + pyStr(parents.why_not_told));
      }
    }
    if (truthy(get(parents, "lives_with"))) {
      extras.push("Hvem barnet bor med: " + pyStr(parents.lives_with));
    }
    return extras;
  }

  function concernExtras(concern, mapped) {
    var extras = [];
    if (truthy(get(concern, "topics"))) {
      extras.push("Bekymringen gjelder: " + labelled(concern.topics, TOPICS));
    }
    if (truthy(get(concern, "sources"))) {
      extras.push("Hvordan melderen vet dette: " + labelled(concern.sources, SOURCES));
    }
    if (truthy(get(concern, "frequency"))) {
      extras.push("Hvor ofte: " + labelled(concern.frequency, FREQUENCIES));
    }
    if (truthy(get(concern, "since"))) {
      extras.push("Melderen ble bekymret: " + pyStr(concern.since));
    }
    if (truthy(get(concern, "child_views"))) {
      extras.push("Hva barnet mener eller ønsker: " + pyStr(concern.child_views));
    }
    [
      ["background", "Bakgrunn og historikk"],
      ["measures", "Hva melderen har gjort for å hjelpe barnet"],
      ["other_agencies", "Andre hjelpeinstanser"],
      ["other_views", "Andre synspunkter"]
    ].forEach(function (pair) {
      if (mapped.indexOf(pair[0]) === -1 && truthy(get(concern, pair[0]))) {
        extras.push(pair[1] + ": " + pyStr(concern[pair[0]]));
      }
    });
    return extras;
  }

  function interpreterExtras(report) {
    var text = interpreterText(getMapping(report, "interpreter"));
    return text ? ["Behov for tolk: " + text] : [];
  }

  function closingExtras(report) {
    var location = getMapping(report, "location");
    var extras = [];
    var foundBy = get(location, "found_by");
    var postalCode = get(location, "postal_code");
    if (foundBy === "postal_code" && truthy(postalCode)) {
      extras.push("Kommunen ble funnet fra postnummeret der barnet bor: " + pyStr(postalCode) +
        ".");
    } else {
      if (truthy(foundBy)) {
        extras.push(pyStr(label(FOUND_BY, foundBy, "Kommunen ble funnet slik: " +
          pyStr(foundBy))));
      }
      if (truthy(postalCode)) {
        extras.push("Postnummer oppgitt av melderen: " + pyStr(postalCode));
      }
    }
    var language = get(report, "language");
    if (truthy(language)) {
      extras.push("Skjemaet ble fylt ut på " + pyStr(label(LANGUAGES, language, language)) + ".");
    }
    return extras;
  }

  /* --- the two documents ------------------------------------------------------------------- */

  function head(report) {
    var location = getMapping(report, "location");
    var number = get(location, "municipality_number");
    if (typeof number !== "string" || !MUNICIPALITY_NUMBER.test(number)) {
      throw new CannotExport("This report has no municipality number, which " + FORMAT +
        " requires. " + INSTEAD);
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
      extras.push("Melderens telefonnummer: " + pyStr(phone));
    }
    if (truthy(get(reporter, "email"))) {
      extras.push("Melderens e-post: " + pyStr(reporter.email));
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
        "would make it someone else's. " + INSTEAD);
    }
    var phone = required(get(reporter, "phone"), "the reporter's phone number");
    if (!PHONE_PATTERN.test(phone)) {
      throw new CannotExport("The reporter's phone number " + pyRepr(phone) + " does not fit " +
        FORMAT + "'s phone pattern. " + INSTEAD);
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
        "and this report has none. " + INSTEAD);
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
        return "Flere foreldre eller foresatte: " + guardianText(guardian);
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

  /* The `privat` or `offentlig` v2 document for a decrypted report, or CannotExport. */
  function toFiksV2(report) {
    if (!isMapping(report) || get(report, "schema") !== REPORT_SCHEMA) {
      throw new CannotExport("Only a " + REPORT_SCHEMA + " report can be exported to " + FORMAT +
        ".");
    }
    var kind = get(report, "reporter_type");
    if (kind === "child") {
      throw new CannotExport("A report from a child about themselves cannot be exported to " +
        FORMAT + ": the format has no such case (it requires an adult reporter's name). " +
        INSTEAD);
    }
    if (kind === "private" && (truthy(get(report, "anonymous")) ||
                               get(report, "anonymity") === "anonymous")) {
      throw new CannotExport("An anonymous report cannot be exported to " + FORMAT + ": the " +
        "format requires the reporter's name. " + INSTEAD);
    }
    if (kind !== "private" && kind !== "professional") {
      throw new CannotExport("A report from a reporter of type " + pyRepr(kind) + " cannot be " +
        "exported to " + FORMAT + ". " + INSTEAD);
    }
    var children = get(report, "children");
    if (!truthy(children)) {
      throw new CannotExport("A report about no child cannot be exported to " + FORMAT + ". " +
        INSTEAD);
    }
    if (!Array.isArray(children)) {
      throw new CannotExport("A report about no child cannot be exported to " + FORMAT + ". " +
        INSTEAD);  // Python would fail here too, less politely
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
    /* For tests: {text} of the file, or {refused} with the message. */
    tryExport: function (report) {
      try {
        return { text: fileText(toFiksV2(report)) };
      } catch (error) {
        if (error instanceof CannotExport) {
          return { refused: error.message };
        }
        throw error;
      }
    }
  };
})();
