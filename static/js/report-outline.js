/* An opened report as the intake team reads it: inbox/report_outline.py, line for line, so the
 * page shows what `flask inbox open` writes (tests/browser/test_open_in_browser.py compares the
 * two on many reports). Notices first, a ten-second summary, every answer under its label from
 * static/report-labels.json, the unanswered questions once at the end.
 *
 * No DOM here: outline(report, table, language, received, reviewBy) returns plain data, and
 * reveal(text) splits typed text around the characters that would hide or rearrange it.
 * Keep the two files in step: a change to one is a change to both.
 */
(function () {
  "use strict";

  var PRIVATE = "private";
  var PROFESSIONAL = "professional";
  var CHILD = "child";
  var LANGUAGES = ["nb", "nn", "en"];
  var KNOWN = {
    "": ["schema", "submitted_at", "language", "reporter_type", "anonymity",
      "child_in_danger_now", "location", "children", "parents", "concern", "interpreter",
      "reporter", "anonymous"],
    location: ["municipality_number", "municipality_name", "postal_code", "found_by",
      "district", "district_name"],
    children: ["name", "approximate_age", "national_id", "birth_date", "unborn", "address",
      "found_at", "description", "relation", "relation_other", "told", "why_not_told",
      "is_the_reporter"],
    parents: ["guardians", "lives_with", "told", "why_not_told"],
    guardians: ["name", "phone"],
    concern: ["topics", "description", "sources", "frequency", "since", "background",
      "measures", "other_agencies", "other_views", "child_views"],
    interpreter: ["needed", "language"],
    reporter: ["name", "role", "workplace", "workplace_address", "organisation_number",
      "phone", "email", "safe_contact"]
  };
  var REPORTER_FIELDS = {
    "private": ["name", "phone", "email"],
    "professional": ["name", "role", "workplace", "workplace_address", "organisation_number",
      "phone", "email"],
    "child": ["safe_contact"]
  };
  var PLACEHOLDER = /\{([a-z_]+)\}/g;
  var TIME = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})$/;
  var DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
  var NATIONAL_ID = /^([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{3})[0-9]{2}$/;
  var DISTRICT = /^[0-9]{6}$/;

  /* --- values ------------------------------------------------------------------------------ */

  function has(mapping, key) {
    return Object.prototype.hasOwnProperty.call(mapping, key);
  }

  function isMapping(value) {
    return typeof value === "object" && value !== null && !Array.isArray(value);
  }

  function get(mapping, key) {
    return isMapping(mapping) && has(mapping, key) ? mapping[key] : null;
  }

  function blank(value) {
    return value === null || value === undefined || value === "" ||
      (Array.isArray(value) && value.length === 0) ||
      (isMapping(value) && Object.keys(value).length === 0);
  }

  function plain(value) {
    if (typeof value === "string") {
      return value;
    }
    if (typeof value === "number") {
      return String(value);
    }
    return JSON.stringify(value === undefined ? null : value);
  }

  function part(text, typed) {
    return { text: text, typed: Boolean(typed) };
  }

  function tidy(parts) {
    var line = [];
    parts.forEach(function (piece) {
      if (piece.text === "") {
        return;
      }
      var last = line[line.length - 1];
      if (last && !piece.typed && !last.typed) {
        line[line.length - 1] = part(last.text + piece.text);
      } else {
        line.push(piece);
      }
    });
    return line;
  }

  function fill(template, values) {
    var parts = [];
    var position = 0;
    template.replace(PLACEHOLDER, function (match, name, offset) {
      parts.push(part(template.slice(position, offset)));
      var value = values[name];
      parts = parts.concat(typeof value === "string" ? [part(value)] : value);
      position = offset + match.length;
      return match;
    });
    parts.push(part(template.slice(position)));
    return tidy(parts);
  }

  function join(lines, separator) {
    var parts = [];
    lines.forEach(function (line, index) {
      if (index) {
        parts.push(part(separator));
      }
      parts = parts.concat(line);
    });
    return tidy(parts);
  }

  function typed(value) {
    return tidy([part(plain(value), typeof value === "string")]);
  }

  function coded(labels, value) {
    if (typeof value === "string" && has(labels, value)) {
      return [part(labels[value])];
    }
    return typed(value);
  }

  function codes(value) {
    if (Array.isArray(value)) {
      return value.filter(function (item) {
        return !blank(item);
      });
    }
    return blank(value) ? [] : [value];
  }

  function sameLine(one, other) {
    return JSON.stringify(one) === JSON.stringify(other);
  }

  /* --- times and dates --------------------------------------------------------------------- */

  var DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

  function daysIn(year, month) {
    var leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  }

  /* {year, month, day} if it is a day of the calendar (years 1 to 9999), else null. */
  function validDate(year, month, day) {
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 ||
        day > daysIn(year, month)) {
      return null;
    }
    return { year: year, month: month, day: day };
  }

  var OSLO = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Oslo", hourCycle: "h23", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit"
  });

  /* Milliseconds since 1970 of an ISO 8601 time with a zone; null for anything else. */
  function moment(value) {
    var found = typeof value === "string" ? TIME.exec(value) : null;
    if (!found) {
      return null;
    }
    var year = Number(found[1]);
    var month = Number(found[2]);
    var day = Number(found[3]);
    var hour = Number(found[4]);
    var minute = Number(found[5]);
    var second = Number(found[6] || 0);
    if (year < 1900 || year > 2999 || validDate(year, month, day) === null || hour > 23 ||
        minute > 59 || second > 59) {
      return null;
    }
    var zone = found[7];
    var offset = zone === "Z" ? 0 : (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) *
      (zone.charAt(0) === "-" ? -1 : 1);
    return Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60000;
  }

  function osloParts(time) {
    var parts = {};
    OSLO.formatToParts(new Date(time)).forEach(function (piece) {
      parts[piece.type] = piece.value;
    });
    return parts;
  }

  function oslo(time) {
    var parts = osloParts(time);
    return parts.day + "." + parts.month + "." + parts.year + " " + parts.hour + ":" +
      parts.minute;
  }

  function osloDate(time) {
    var parts = osloParts(time);
    return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day) };
  }

  function birthDate(child) {
    var given = get(child, "birth_date");
    var found = typeof given === "string" ? DATE.exec(given) : null;
    if (found) {
      return validDate(Number(found[1]), Number(found[2]), Number(found[3]));
    }
    var number = get(child, "national_id");
    found = typeof number === "string" ? NATIONAL_ID.exec(number) : null;
    if (!found) {
      return null;
    }
    var day = Number(found[1]);
    var month = Number(found[2]);
    var year = Number(found[3]);
    var individual = Number(found[4]);
    if (day > 40) {
      day -= 40;  // a D-number
    }
    var century;
    if (individual < 500) {
      century = 1900;
    } else if (year < 40) {
      century = 2000;
    } else if (individual < 750 && year >= 54) {
      century = 1800;
    } else if (individual >= 900) {
      century = 1900;
    } else {
      return null;
    }
    return validDate(century + year, month, day);
  }

  function before(one, other) {
    return one.year !== other.year ? one.year < other.year
      : one.month !== other.month ? one.month < other.month : one.day < other.day;
  }

  function age(born, on) {
    if (on === null || before(on, born)) {
      return null;
    }
    var birthdayToCome = on.month < born.month || (on.month === born.month && on.day < born.day);
    return on.year - born.year - (birthdayToCome ? 1 : 0);
  }

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) {
      text = "0" + text;
    }
    return text;
  }

  function norwegianDate(value) {
    return pad(value.day, 2) + "." + pad(value.month, 2) + "." + pad(value.year, 4);
  }

  /* --- the outline ------------------------------------------------------------------------- */

  function Section(outline, heading) {
    this.outline = outline;
    this.heading = heading;
    this.rows = [];
    this.missingLabels = [];
  }

  Section.prototype.row = function (key, lines) {
    this.rows.push({ label: this.outline.label(key), lines: lines });
  };

  Section.prototype.missing = function (key) {
    this.missingLabels.push(this.outline.label(key));
  };

  Section.prototype.answer = function (key, value, asked) {
    if (!blank(value)) {
      this.row(key, [typed(value)]);
    } else if (asked) {
      this.missing(key);
    }
  };

  Section.prototype.coded = function (key, labels, value, asked) {
    if (!blank(value)) {
      this.row(key, [coded(labels, value)]);
    } else if (asked) {
      this.missing(key);
    }
  };

  Section.prototype.listed = function (key, labels, value, asked) {
    var items = codes(value);
    if (items.length) {
      this.row(key, items.map(function (item) {
        return coded(labels, item);
      }));
    } else if (asked) {
      this.missing(key);
    }
  };

  Section.prototype.others = function (kind, mapping, path) {
    if (!isMapping(mapping)) {
      return;
    }
    var self = this;
    Object.keys(mapping).sort().forEach(function (key) {
      var value = mapping[key];
      if (KNOWN[kind].indexOf(key) === -1 && !blank(value)) {
        self.outline.strays.push([path ? path + "." + key : key, value]);
      }
    });
  };

  Section.prototype.other = function (path, value) {
    this.rows.push({ label: path, lines: [typed(value)] });
  };

  Section.prototype.done = function () {
    if (this.missingLabels.length) {
      this.outline.unanswered.push({ heading: this.heading, items: this.missingLabels });
    }
    return { heading: this.heading, rows: this.rows };
  };

  function Outline(report, table, language, received, reviewBy) {
    this.w = table[LANGUAGES.indexOf(language) === -1 ? "nb" : language];
    this.original = report;
    this.report = isMapping(report) ? report : {};
    this.strays = [];
    this.kind = get(this.report, "reporter_type");
    this.received = received;
    this.reviewBy = reviewBy;
    this.values = this.w.values;
    this.submitted = moment(get(this.report, "submitted_at"));
    this.today = this.submitted === null ? null : osloDate(this.submitted);
    var children = get(this.report, "children");
    this.children = Array.isArray(children) ? children.filter(isMapping) : [];
    this.unanswered = [];
  }

  Outline.prototype.label = function (key) {
    var fields = this.w.fields;
    if (this.kind === CHILD && has(fields, key + "@child")) {
      return fields[key + "@child"];
    }
    return fields[key];
  };

  Outline.prototype.section = function (heading) {
    return new Section(this, heading);
  };

  Outline.prototype.build = function () {
    var sections = this.childSections().concat([
      this.parentsSection(), this.concernSection(), this.interpreterSection(),
      this.reporterSection(), this.aboutSection(), this.otherSection()]);
    var notices = this.notices();
    return {
      title: this.w.title,
      print_page: this.w.print_page,
      notices: notices.length ? { heading: this.w.headings.notices, items: notices } : null,
      summary: { heading: this.w.headings.summary, rows: this.summary() },
      sections: sections.filter(function (section) {
        return section.rows.length > 0;
      }),
      unanswered: this.unanswered.length
        ? { heading: this.w.headings.unanswered, groups: this.unanswered } : null
    };
  };

  /* --- notices ----------------------------------------------------------------------------- */

  Outline.prototype.notices = function () {
    var said = this.w.notices;
    var report = this.report;
    var found = [];

    function notice(kind, line) {
      found.push({ kind: kind, parts: line });
    }

    if (get(report, "anonymity") === "confidential") {
      notice("identity", [part(said.confidential)]);
    }
    if (get(report, "anonymous") === true || get(report, "anonymity") === "anonymous") {
      notice("identity", [part(said.anonymous)]);
    }
    var danger = get(report, "child_in_danger_now");
    if (danger === "yes" || danger === "unsure") {
      notice("danger", [part(said["danger_" + danger])]);
    }
    if (this.kind === CHILD) {
      notice("info", [part(said.child_reporter)]);
    }
    var interpreter = get(report, "interpreter");
    if (get(interpreter, "needed") === "yes") {
      var language = get(interpreter, "language");
      notice("info", !blank(language) ? fill(said.interpreter, { language: typed(language) })
        : [part(said.interpreter_no_language)]);
    }
    var many = this.children.length !== 1;
    this.children.forEach(function (child, index) {
      if (get(child, "unborn") === true) {
        notice("info", !many ? [part(said.unborn)]
          : fill(said.unborn_numbered, { number: String(index + 1) }));
      }
    });
    var location = get(report, "location");
    if (get(location, "found_by") === "reporter_municipality") {
      notice("info", [part(said.reporter_municipality)]);
    }
    if (isMapping(location) && has(location, "district") && location.district === null) {
      notice("info", [part(said.district_unknown)]);
    }
    return found;
  };

  /* --- the summary ------------------------------------------------------------------------- */

  Outline.prototype.summary = function () {
    var self = this;
    var labels = this.w.summary;
    var phrases = this.w.phrases;
    var report = this.report;
    var rows = [];

    function row(label, lines) {
      lines = lines.filter(function (line) {
        return line.length > 0;
      });
      if (lines.length) {
        rows.push({ label: label, lines: lines });
      }
    }

    var reporter = get(report, "reporter");
    var name = get(reporter, "name");
    var kindWords = !blank(this.kind) ? coded(this.values.reporter_types, this.kind) : [];
    var anonymous = get(report, "anonymous") === true || get(report, "anonymity") === "anonymous";
    var who;
    if (!kindWords.length) {
      who = [];
    } else if (this.kind === PRIVATE && anonymous) {
      who = fill(phrases.reporter_anonymous, { type: kindWords });
    } else if ((this.kind === PRIVATE || this.kind === PROFESSIONAL) && !blank(name)) {
      var template = get(report, "anonymity") === "confidential" ? "reporter_confidential"
        : "reporter_named";
      who = fill(phrases[template], { type: kindWords, name: typed(name) });
    } else {
      who = kindWords;
    }
    row(labels.reporter, [who]);
    if (this.kind === PROFESSIONAL) {
      row(labels.role, [join(["role", "workplace"].filter(function (key) {
        return !blank(get(reporter, key));
      }).map(function (key) {
        return typed(get(reporter, key));
      }), ", ")]);
    }
    if (this.kind === PRIVATE) {
      var relations = [];
      this.children.forEach(function (child) {
        var relation = self.relation(child);
        if (relation.length && !relations.some(function (seen) {
          return sameLine(seen, relation);
        })) {
          relations.push(relation);
        }
      });
      row(labels.relation, relations);
    }
    row(labels[this.children.length === 1 ? "children_one" : "children_many"],
        this.children.map(function (child) {
          return self.childLine(child);
        }));
    var concern = get(report, "concern");
    row(this.label("concern.topics"), codes(get(concern, "topics")).map(function (topic) {
      return coded(self.values.topics, topic);
    }));
    var frequency = get(concern, "frequency");
    if (!blank(frequency)) {
      row(this.label("concern.frequency"), [coded(this.values.frequencies, frequency)]);
    }
    var since = get(concern, "since");
    if (!blank(since)) {
      row(this.label("concern.since"), [typed(since)]);
    }
    row(labels.place, this.place());
    if (this.received) {
      row(labels.received, [[part(this.received)]]);
    }
    if (this.reviewBy) {
      row(labels.review_by, [[part(this.reviewBy)]]);
    }
    return rows;
  };

  Outline.prototype.relation = function (child) {
    var relation = get(child, "relation");
    var other = get(child, "relation_other");
    if (relation === "other" && !blank(other)) {
      return typed(other);
    }
    return !blank(relation) ? coded(this.values.relations, relation) : [];
  };

  Outline.prototype.childLine = function (child) {
    var phrases = this.w.phrases;
    var name = get(child, "name");
    var parts = [!blank(name) ? typed(name) : [part(phrases.child_unnamed)]];
    var born = birthDate(child);
    var approximate = get(child, "approximate_age");
    if (get(child, "unborn") === true) {
      parts.push([part(phrases.unborn)]);
    } else if (born !== null) {
      var years = age(born, this.today);
      parts.push(years === null ? fill(phrases.born, { date: norwegianDate(born) })
        : fill(phrases.born_age, { date: norwegianDate(born), age: String(years) }));
    } else if (!blank(approximate)) {
      parts.push(fill(this.kind === CHILD ? phrases.age : phrases.age_estimated,
                      { age: typed(approximate) }));
    }
    return join(parts, ", ");
  };

  Outline.prototype.place = function () {
    var phrases = this.w.phrases;
    var location = get(this.report, "location");
    var name = get(location, "municipality_name");
    var number = get(location, "municipality_number");
    var pieces = [];
    if (!blank(name) && !blank(number)) {
      pieces.push(fill(phrases.municipality, { name: typed(name), number: typed(number) }));
    } else if (!blank(name) || !blank(number)) {
      pieces.push(typed(!blank(name) ? name : number));
    }
    var district = get(location, "district");
    if (!blank(district)) {
      pieces.push(fill(phrases.district,
                       { district: districtLine(district, get(location, "district_name")) }));
    }
    var postalCode = get(location, "postal_code");
    if (!blank(postalCode)) {
      pieces.push(fill(phrases.postal_code, { postal_code: typed(postalCode) }));
    }
    var lines = [join(pieces, ", ")];
    var foundBy = get(location, "found_by");
    if (!blank(foundBy) && foundBy !== "postal_code") {
      lines.push(coded(this.values.found_by, foundBy));
    }
    return lines;
  };

  /* A district by its name and its own two digits, as KS numbers it ("Gamle Oslo (01)" for
     "030101"); by the two digits alone when the report has no name for it. */
  function districtLine(value, name) {
    if (typeof value === "string" && DISTRICT.test(value)) {
      if (typeof name === "string" && name.trim()) {
        return tidy(typed(name).concat([part(" ("), part(value.slice(4), true), part(")")]));
      }
      return [part(value.slice(4), true)];
    }
    return typed(value);
  }

  /* --- the sections ------------------------------------------------------------------------ */

  Outline.prototype.childSections = function () {
    var self = this;
    var headings = this.w.headings;
    var values = this.values;
    var kind = this.kind;
    return this.children.map(function (child, index) {
      var number = index + 1;
      var heading;
      if (kind === CHILD) {
        heading = headings.child_self;
      } else if (self.children.length === 1) {
        heading = headings.child;
      } else {
        heading = headings.child_numbered.split("{number}").join(String(number));
      }
      var section = self.section(heading);
      var name = get(child, "name");
      if (blank(name) && kind === PRIVATE && has(child, "name")) {
        section.row("children.name", [[part(values.not_known)]]);
      } else {
        section.answer("children.name", name, kind === CHILD || kind === PROFESSIONAL);
      }
      var unborn = get(child, "unborn") === true;
      section.answer("children.approximate_age", get(child, "approximate_age"),
                     (kind === PRIVATE || kind === CHILD) && !unborn);
      var identified = unborn || ["national_id", "birth_date"].some(function (key) {
        return !blank(get(child, key));
      });
      section.answer("children.national_id", get(child, "national_id"),
                     kind === PROFESSIONAL && !identified);
      var birth = get(child, "birth_date");
      var foundDate = typeof birth === "string" ? DATE.exec(birth) : null;
      var born = foundDate
        ? validDate(Number(foundDate[1]), Number(foundDate[2]), Number(foundDate[3])) : null;
      if (born !== null) {
        section.row("children.birth_date", [[part(norwegianDate(born))]]);
      } else {
        section.answer("children.birth_date", birth, false);
      }
      if (unborn) {
        section.row("children.unborn", [[part(values.answers.yes)]]);
      } else if (!blank(get(child, "unborn")) && get(child, "unborn") !== false) {
        section.answer("children.unborn", get(child, "unborn"), false);
      }
      var address = get(child, "address");
      if (blank(address) && kind === PRIVATE && has(child, "address")) {
        section.row("children.address", [[part(values.not_known)]]);
      } else {
        section.answer("children.address", address, kind === PROFESSIONAL);
      }
      section.answer("children.found_at", get(child, "found_at"),
                     kind === PRIVATE || kind === PROFESSIONAL);
      section.answer("children.description", get(child, "description"), kind === PRIVATE);
      var relation = self.relation(child);
      if (relation.length) {
        section.row("children.relation", [relation]);
      } else {
        section.answer("children.relation", get(child, "relation"), kind === PRIVATE);
      }
      if (get(child, "relation") !== "other" || blank(get(child, "relation_other"))) {
        section.answer("children.relation_other", get(child, "relation_other"), false);
      }
      section.coded("children.told", values.answers, get(child, "told"), kind === PROFESSIONAL);
      section.answer("children.why_not_told", get(child, "why_not_told"),
                     get(child, "told") === "no");
      section.others("children", child, "children." + number);
      return section.done();
    });
  };

  Outline.prototype.parentsSection = function () {
    var parents = get(this.report, "parents");
    var phrases = this.w.phrases;
    var section = this.section(this.w.headings.parents);
    var guardians = get(parents, "guardians");
    var lines = [];
    (Array.isArray(guardians) ? guardians : []).forEach(function (guardian) {
      var name = get(guardian, "name");
      var phone = get(guardian, "phone");
      if (!isMapping(guardian)) {
        lines.push(typed(guardian));
      } else if (!blank(phone)) {
        lines.push(fill(phrases.guardian_phone, { name: typed(name !== null ? name : ""),
                                                  phone: typed(phone) }));
      } else if (!blank(name)) {
        lines.push(typed(name));
      }
    });
    if (!Array.isArray(guardians) && !blank(guardians)) {
      lines.push(typed(guardians));
    }
    if (lines.length) {
      section.row("parents.guardians", lines);
    } else if (this.kind === PROFESSIONAL) {
      section.missing("parents.guardians");
    }
    section.answer("parents.lives_with", get(parents, "lives_with"), this.kind === PRIVATE);
    section.coded("parents.told", this.values.answers, get(parents, "told"),
                  this.kind === PROFESSIONAL);
    section.answer("parents.why_not_told", get(parents, "why_not_told"),
                   get(parents, "told") === "no");
    if (Array.isArray(guardians)) {
      guardians.forEach(function (guardian, index) {
        if (isMapping(guardian)) {
          section.others("guardians", guardian, "parents.guardians." + (index + 1));
        }
      });
    }
    section.others("parents", parents, "parents");
    return section.done();
  };

  Outline.prototype.concernSection = function () {
    var concern = get(this.report, "concern");
    var kind = this.kind;
    var values = this.values;
    var everyone = kind === PRIVATE || kind === PROFESSIONAL || kind === CHILD;
    var section = this.section(this.w.headings.concern);
    section.listed("concern.topics", values.topics, get(concern, "topics"), everyone);
    section.answer("concern.description", get(concern, "description"), everyone);
    section.listed("concern.sources", values.sources, get(concern, "sources"),
                   kind === PRIVATE || kind === PROFESSIONAL);
    section.coded("concern.frequency", values.frequencies, get(concern, "frequency"), everyone);
    section.answer("concern.since", get(concern, "since"), everyone);
    ["background", "measures", "other_agencies", "other_views"].forEach(function (key) {
      section.answer("concern." + key, get(concern, key), kind === PROFESSIONAL);
    });
    section.answer("concern.child_views", get(concern, "child_views"), everyone);
    section.others("concern", concern, "concern");
    return section.done();
  };

  Outline.prototype.interpreterSection = function () {
    var interpreter = get(this.report, "interpreter");
    var section = this.section(this.w.headings.interpreter);
    var needed = get(interpreter, "needed");
    section.coded("interpreter.needed", this.values.answers, needed,
                  this.kind === PRIVATE || this.kind === PROFESSIONAL);
    section.answer("interpreter.language", get(interpreter, "language"), needed === "yes");
    section.others("interpreter", interpreter, "interpreter");
    return section.done();
  };

  Outline.prototype.reporterSection = function () {
    var report = this.report;
    var kind = this.kind;
    var section = this.section(this.w.headings.reporter);
    section.coded("reporter_type", this.values.reporter_types, kind, false);
    section.coded("anonymity", this.values.anonymity, get(report, "anonymity"), kind === PRIVATE);
    var reporter = get(report, "reporter");
    var asked = typeof kind === "string" && has(REPORTER_FIELDS, kind) && isMapping(reporter)
      ? REPORTER_FIELDS[kind] : [];
    KNOWN.reporter.forEach(function (key) {
      section.answer("reporter." + key, get(reporter, key), asked.indexOf(key) !== -1);
    });
    if (reporter !== null && reporter !== undefined && !isMapping(reporter)) {
      section.other("reporter", reporter);
    }
    section.others("reporter", reporter, "reporter");
    return section.done();
  };

  Outline.prototype.aboutSection = function () {
    var report = this.report;
    var values = this.values;
    var location = get(report, "location");
    var section = this.section(this.w.headings.about);
    section.coded("child_in_danger_now", values.answers, get(report, "child_in_danger_now"),
                  false);
    var name = get(location, "municipality_name");
    var number = get(location, "municipality_number");
    if (!blank(name) && !blank(number)) {
      section.row("location.municipality", [fill(this.w.phrases.municipality,
                                                 { name: typed(name), number: typed(number) })]);
    } else {
      section.answer("location.municipality", !blank(name) ? name : number, false);
    }
    if (isMapping(location) && has(location, "district")) {
      var district = location.district;
      section.row("location.district", [!blank(district)
        ? districtLine(district, get(location, "district_name"))
        : [part(values.district_unknown)]]);
    }
    section.answer("location.postal_code", get(location, "postal_code"), false);
    section.coded("location.found_by", values.found_by, get(location, "found_by"), false);
    if (this.submitted !== null) {
      section.row("submitted_at", [[part(oslo(this.submitted))]]);
    } else {
      section.answer("submitted_at", get(report, "submitted_at"), false);
    }
    section.coded("language", values.languages, get(report, "language"), false);
    section.others("location", location, "location");
    section.others("", report, "");
    return section.done();
  };

  Outline.prototype.otherSection = function () {
    var section = this.section(this.w.headings.other);
    if (!isMapping(this.original) && !blank(this.original)) {
      section.other(this.w.title, this.original);
    }
    this.strays.forEach(function (stray) {
      section.other(stray[0], stray[1]);
    });
    return section.done();
  };

  /* --- what typed text hides --------------------------------------------------------------- */

  var HIDDEN = [0x00AD, 0x034F, 0x061C, 0x180E, 0xFEFF];
  [[0x200B, 0x200F], [0x202A, 0x202E], [0x2060, 0x2064], [0x2066, 0x2069]].forEach(
    function (range) {
      for (var code = range[0]; code <= range[1]; code += 1) {
        HIDDEN.push(code);
      }
    });
  var ZWNJ = 0x200C;
  var ZWJ = 0x200D;
  var VARIATION_SELECTOR = 0xFE0F;
  var EMOJI = [[0x1F000, 0x1FAFF], [0x2600, 0x27BF]];
  var ARABIC_SCRIPT = [[0x0600, 0x06FF], [0x0750, 0x077F], [0x08A0, 0x08FF], [0xFB50, 0xFDFF],
    [0xFE70, 0xFEFC]];

  function within(code, ranges) {
    return code !== null && ranges.some(function (range) {
      return range[0] <= code && code <= range[1];
    });
  }

  function joinsAsWritten(previous, code, next) {
    if (code === ZWJ) {
      return (within(previous, EMOJI) || previous === VARIATION_SELECTOR) && within(next, EMOJI);
    }
    if (code === ZWNJ) {
      return within(previous, ARABIC_SCRIPT) && within(next, ARABIC_SCRIPT);
    }
    return false;
  }

  function hex(code) {
    var text = code.toString(16).toUpperCase();
    return text.length < 4 ? ("0000" + text).slice(-4) : text;
  }

  /* `text` as pieces {text, hidden}: each hidden character replaced by a visible marker such
   * as "⟨U+202E⟩" (hidden: true), the rest as it is. */
  function reveal(text) {
    var pieces = [];
    var codes = Array.from(text).map(function (character) {
      return character.codePointAt(0);
    });
    var plainText = "";
    codes.forEach(function (code, index) {
      var previous = index ? codes[index - 1] : null;
      var next = index + 1 < codes.length ? codes[index + 1] : null;
      if (HIDDEN.indexOf(code) !== -1 && !joinsAsWritten(previous, code, next)) {
        if (plainText) {
          pieces.push({ text: plainText, hidden: false });
          plainText = "";
        }
        pieces.push({ text: "⟨U+" + hex(code) + "⟩", hidden: true });
      } else {
        plainText += String.fromCodePoint(code);
      }
    });
    if (plainText) {
      pieces.push({ text: plainText, hidden: false });
    }
    return pieces;
  }

  window.ConcernReportOutline = {
    /* The report as the team reads it; `table` is static/report-labels.json, `language` nb,
     * nn or en (others read nb), `received` and `reviewBy` the envelope's times as shown. */
    outline: function (report, table, language, received, reviewBy) {
      return new Outline(report, table, language, received || null, reviewBy || null).build();
    },
    reveal: reveal,
    languageOf: function (inboxLanguage) {
      return LANGUAGES.indexOf(inboxLanguage) === -1 ? "nb" : inboxLanguage;
    }
  };
})();
