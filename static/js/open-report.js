/* Opening a sealed report in the browser, with libsodium's WebAssembly build (static/vendor/).
 *
 * The same formats and steps as sealing.py and `flask inbox open`:
 *   key file (concern-keyfile/1): Argon2id (crypto_pwhash, ALG_ARGON2ID13, the opslimit and
 *     memlimit stored in the file) derives a secretbox key that opens the private key;
 *   envelope file (concern-envelope/1): fetched from the download route, its `sealed` value is
 *     a sealed box (crypto_box_seal) of the padded report;
 *   padding: trailing zeros, then one 0x80 marker, removed exactly as sealing.unpad does.
 *
 * The key file and the passphrase never leave this page: they are read here, used here, and
 * the only request made is the GET of the envelope. The report is shown with DOM calls and
 * textContent only; nothing from it is ever parsed as HTML.
 */
(function () {
  "use strict";

  var KEYFILE_FORMAT = "concern-keyfile/1";
  var ENVELOPE_FORMAT = "concern-envelope/1";
  var PAD_MARKER = 0x80;
  var MAX_KEY_FILE_BYTES = 64 * 1024;
  var MIN_PASSPHRASE_LENGTH = 8;

  /* An expected failure; `code` names the message (data-msg-<code>) the page shows. */
  function OpenError(code) {
    this.code = code;
  }

  function loadSodium() {
    if (typeof window.sodium !== "object" || window.sodium === null) {
      return Promise.reject(new OpenError("no-webassembly"));
    }
    return window.sodium.ready.then(function () {
      return window.sodium;
    });
  }

  function fromBase64(sodium, text, code) {
    if (typeof text !== "string" || text === "") {
      throw new OpenError(code);
    }
    try {
      return sodium.from_base64(text, sodium.base64_variants.ORIGINAL);
    } catch (error) {
      throw new OpenError(code);
    }
  }

  function toBase64(sodium, bytes) {
    return sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL);
  }

  /* sealing.key_id: the first 16 hex digits of the public key's SHA-256. */
  function keyId(sodium, publicKey) {
    return sodium.to_hex(sodium.crypto_hash_sha256(publicKey)).slice(0, 16);
  }

  function utf8(text) {
    return new TextEncoder().encode(text);
  }

  function positiveInteger(value) {
    var number = typeof value === "string" && /^[0-9]+$/.test(value) ? Number(value) : value;
    return typeof number === "number" && Number.isSafeInteger(number) && number > 0 ? number : null;
  }

  function deriveKey(sodium, passphrase, salt, opslimit, memlimit) {
    return sodium.crypto_pwhash(
      sodium.crypto_secretbox_KEYBYTES, utf8(passphrase), salt, opslimit, memlimit,
      sodium.crypto_pwhash_ALG_ARGON2ID13
    );
  }

  /* sealing.read_key_file: {publicKey, privateKey, keyId}, or OpenError. */
  function readKeyFile(sodium, text, passphrase) {
    var document;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new OpenError("not-key-file");
    }
    if (typeof document !== "object" || document === null || document.format !== KEYFILE_FORMAT) {
      throw new OpenError("not-key-file");
    }
    var kdf = document.kdf;
    if (typeof kdf !== "object" || kdf === null) {
      throw new OpenError("damaged-key-file");
    }
    var opslimit = positiveInteger(kdf.opslimit);
    var memlimit = positiveInteger(kdf.memlimit);
    if (opslimit === null || memlimit === null) {
      throw new OpenError("damaged-key-file");
    }
    var salt = fromBase64(sodium, kdf.salt, "damaged-key-file");
    var nonce = fromBase64(sodium, document.nonce, "damaged-key-file");
    var encrypted = fromBase64(sodium, document.encrypted_private_key, "damaged-key-file");
    if (salt.length !== sodium.crypto_pwhash_SALTBYTES ||
        nonce.length !== sodium.crypto_secretbox_NONCEBYTES) {
      throw new OpenError("damaged-key-file");
    }
    var key;
    try {
      key = deriveKey(sodium, passphrase, salt, opslimit, memlimit);
    } catch (error) {
      throw new OpenError("damaged-key-file");  // limits libsodium refuses
    }
    var privateKey;
    try {
      privateKey = sodium.crypto_secretbox_open_easy(encrypted, nonce, key);
    } catch (error) {
      throw new OpenError("wrong-passphrase");
    } finally {
      sodium.memzero(key);
    }
    if (privateKey.length !== sodium.crypto_box_SECRETKEYBYTES) {
      sodium.memzero(privateKey);
      throw new OpenError("damaged-key-file");
    }
    var publicKey = sodium.crypto_scalarmult_base(privateKey);
    if (toBase64(sodium, publicKey) !== document.public_key) {
      sodium.memzero(privateKey);
      throw new OpenError("damaged-key-file");  // its keys do not belong together
    }
    return { publicKey: publicKey, privateKey: privateKey, keyId: keyId(sodium, publicKey) };
  }

  /* sealing.unpad: strip trailing zeros, then the one 0x80 marker that must be there. */
  function unpad(padded) {
    var end = padded.length;
    while (end > 0 && padded[end - 1] === 0) {
      end -= 1;
    }
    if (end === 0 || padded[end - 1] !== PAD_MARKER) {
      throw new OpenError("cannot-open");
    }
    return padded.subarray(0, end - 1);
  }

  /* The envelope's report as {report, json}, or OpenError. */
  function openEnvelope(sodium, envelope, pair) {
    if (typeof envelope !== "object" || envelope === null || envelope.format !== ENVELOPE_FORMAT) {
      throw new OpenError("fetch-failed");
    }
    if (envelope.key_id !== pair.keyId) {
      throw new OpenError("wrong-key");
    }
    var sealed = fromBase64(sodium, envelope.sealed, "cannot-open");
    var padded;
    try {
      padded = sodium.crypto_box_seal_open(sealed, pair.publicKey, pair.privateKey);
    } catch (error) {
      throw new OpenError("cannot-open");
    }
    var report;
    try {
      report = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(unpad(padded)));
    } catch (error) {
      if (error instanceof OpenError) {
        throw error;
      }
      throw new OpenError("cannot-open");  // not UTF-8 JSON
    } finally {
      sodium.memzero(padded);
    }
    return report;
  }

  /* Python's json.dumps(..., indent=2): JSON.stringify's layout, non-ASCII as \uXXXX. */
  function pythonJson(value) {
    return JSON.stringify(value, null, 2).replace(/[\u0080-\uffff]/g, function (character) {
      return "\\u" + ("0000" + character.charCodeAt(0).toString(16)).slice(-4);
    });
  }

  /* sealing.write_key_file, in the browser: a new key pair under `passphrase`, as the text of a
   * concern-keyfile/1 file that sealing.read_key_file and `flask inbox open` read. Options:
   * label, opslimit, memlimit (default: Argon2id MODERATE, as `flask keys generate`). */
  function makeKeyFile(passphrase, options) {
    options = options || {};
    return loadSodium().then(function (sodium) {
      if (typeof passphrase !== "string" || Array.from(passphrase).length < MIN_PASSPHRASE_LENGTH) {
        throw new Error("the passphrase must be at least " + MIN_PASSPHRASE_LENGTH + " characters");
      }
      var opslimit = options.opslimit || sodium.crypto_pwhash_OPSLIMIT_MODERATE;
      var memlimit = options.memlimit || sodium.crypto_pwhash_MEMLIMIT_MODERATE;
      var pair = sodium.crypto_box_keypair();
      var salt = sodium.randombytes_buf(sodium.crypto_pwhash_SALTBYTES);
      var nonce = sodium.randombytes_buf(sodium.crypto_secretbox_NONCEBYTES);
      var key = deriveKey(sodium, passphrase, salt, opslimit, memlimit);
      var encrypted = sodium.crypto_secretbox_easy(pair.privateKey, nonce, key);
      sodium.memzero(key);
      sodium.memzero(pair.privateKey);
      var document = {
        format: KEYFILE_FORMAT,
        label: options.label || "",
        key_id: keyId(sodium, pair.publicKey),
        public_key: toBase64(sodium, pair.publicKey),
        kdf: {
          algorithm: "argon2id13",
          salt: toBase64(sodium, salt),
          opslimit: opslimit,
          memlimit: memlimit
        },
        nonce: toBase64(sodium, nonce),
        encrypted_private_key: toBase64(sodium, encrypted)
      };
      return pythonJson(document) + "\n";
    });
  }

  /* --- showing the report: report-outline.js's outline as the page --------------------- */

  function element(name, className, text) {
    var node = document.createElement(name);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  /* What the reporter typed, in its own direction (<bdi>), with the characters that would
   * hide or rearrange it shown as markers ("⟨U+202E⟩"); our own words as text. */
  function appendParts(node, parts) {
    parts.forEach(function (part) {
      if (!part.typed) {
        node.appendChild(document.createTextNode(part.text));
        return;
      }
      var typed = element("bdi", "typed");
      window.ConcernReportOutline.reveal(part.text.replace(/\r\n/g, "\n")).forEach(
        function (piece) {
          if (piece.hidden) {
            typed.appendChild(element("span", "hidden-character", piece.text));
          } else {
            typed.appendChild(document.createTextNode(piece.text));
          }
        });
      node.appendChild(typed);
    });
    return node;
  }

  function rowsList(rows) {
    var list = element("dl", "summary-list");
    rows.forEach(function (row) {
      var item = element("div", "summary-row");
      item.appendChild(element("dt", "", row.label));
      var value = element("dd", "summary-value");
      if (row.lines.length === 1) {
        appendParts(value, row.lines[0]);
      } else {
        var lines = element("ul", "value-list");
        row.lines.forEach(function (line) {
          lines.appendChild(appendParts(element("li"), line));
        });
        value.appendChild(lines);
      }
      item.appendChild(value);
      list.appendChild(item);
    });
    return list;
  }

  var sectionCount = 0;

  function section(className, heading) {
    sectionCount += 1;
    var node = element("section", className);
    var title = element("h3", "", heading);
    title.id = "report-section-" + sectionCount;
    node.setAttribute("aria-labelledby", title.id);
    node.appendChild(title);
    return node;
  }

  /* The outline into the page: notices and the summary at the top, then every answer, then
   * what was not answered. Everything with textContent; nothing is parsed as HTML. */
  function render(shape, top, details, reference) {
    var title = element("p", "print-title", shape.title + " ");
    title.appendChild(element("span", "", reference)).dir = "ltr";
    top.appendChild(title);
    if (shape.notices) {
      var notices = section("report-notices", shape.notices.heading);
      var list = element("ul", "notice-list");
      shape.notices.items.forEach(function (notice) {
        list.appendChild(appendParts(element("li", "notice notice-" + notice.kind),
                                     notice.parts));
      });
      notices.appendChild(list);
      top.appendChild(notices);
    }
    var summary = section("report-summary", shape.summary.heading);
    summary.appendChild(rowsList(shape.summary.rows));
    top.appendChild(summary);
    shape.sections.forEach(function (part) {
      var node = section("report-section", part.heading);
      node.appendChild(rowsList(part.rows));
      details.appendChild(node);
    });
    if (shape.unanswered) {
      var unanswered = section("report-unanswered", shape.unanswered.heading);
      var groups = element("ul", "value-list");
      shape.unanswered.groups.forEach(function (group) {
        groups.appendChild(element("li", "", group.heading + ": " + group.items.join("; ")));
      });
      unanswered.appendChild(groups);
      details.appendChild(unanswered);
    }
  }

  /* The printed pages' margins (static/style.css, @page): the reference and "Side 1 av 2" on
   * every page. Custom properties set through the CSSOM, which the policy allows. */
  function setPrintMargins(shape, reference) {
    var style = document.documentElement.style;
    if (shape === null) {
      ["--print-reference", "--print-page-before", "--print-page-between",
       "--print-page-after"].forEach(function (name) {
        style.removeProperty(name);
      });
      return;
    }
    var words = shape.print_page.split(/\{pages?\}/);
    style.setProperty("--print-reference", cssString(shape.title + " " + reference));
    style.setProperty("--print-page-before", cssString(words[0] || ""));
    style.setProperty("--print-page-between", cssString(words[1] || ""));
    style.setProperty("--print-page-after", cssString(words[2] || ""));
  }

  function cssString(text) {
    return "\"" + text.replace(/[\\"]/g, "\\$&").replace(/[\n\r\f]/g, " ") + "\"";
  }

  /* --- the page ----------------------------------------------------------------------------- */

  function nextFrame() {
    // Argon2id holds the page for a second or so: let the status message paint first.
    return new Promise(function (resolve) {
      window.setTimeout(resolve, 50);
    });
  }

  function readFile(file) {
    if (file.size > MAX_KEY_FILE_BYTES) {
      return Promise.reject(new OpenError("not-key-file"));
    }
    return file.text().catch(function () {
      throw new OpenError("not-key-file");
    });
  }

  function fetchEnvelope(url) {
    return fetch(url, {
      method: "GET",
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      // Signed out meanwhile: the download redirects to the sign-in page.
      if (!response.ok || response.redirected) {
        throw new OpenError("fetch-failed");
      }
      return response.json().catch(function () {
        throw new OpenError("fetch-failed");
      });
    }, function () {
      throw new OpenError("fetch-failed");
    });
  }

  /* "no-file" → "NoFile": the dataset name of data-…-no-file. */
  function camel(code) {
    return code.replace(/(^|-)([a-z])/g, function (match, dash, letter) {
      return letter.toUpperCase();
    });
  }

  /* static/report-labels.json; a failure shows when the team member opens a report. */
  function fetchLabels(url) {
    var fetched = fetch(url, { method: "GET", credentials: "same-origin" }).then(
      function (response) {
        if (!response.ok) {
          throw new OpenError("fetch-failed");
        }
        return response.json();
      }).catch(function () {
      throw new OpenError("fetch-failed");
    });
    fetched.catch(function () {});  // handled when opening; not an unhandled rejection now
    return fetched;
  }

  function setUp(root) {
    var data = root.dataset;
    var fileInput = document.getElementById("key-file");
    var passphraseInput = document.getElementById("key-passphrase");
    var openButton = document.getElementById("open-button");
    var status = document.getElementById("open-status");
    var errorBox = document.getElementById("open-error");
    var errorMessage = document.getElementById("open-error-message");
    var keySection = document.getElementById("open-key");
    var opened = document.getElementById("opened-report");
    var heading = document.getElementById("opened-report-heading");
    var top = document.getElementById("report-top");
    var container = document.getElementById("report-document");
    var fiksButton = document.getElementById("fiks-button");
    var fiksRefused = document.getElementById("fiks-refused");
    var fiksRefusedMessage = document.getElementById("fiks-refused-message");
    var openedJson = null;
    var fiksText = null;
    var busy = false;
    // Fetched while the team member picks the key file (again at opening, if that failed):
    // the same table of words fiks_export.py and report_outline.py read.
    var labels = fetchLabels(data.labelsUrl);

    function labelsTable() {
      labels = labels.catch(function () {
        return fetchLabels(data.labelsUrl);
      });
      return labels;
    }

    function message(code) {
      return data["msg" + camel(code)] || data.msgCannotOpen;
    }

    function showError(code, focus) {
      errorMessage.textContent = message(code);
      errorBox.hidden = false;
      status.textContent = "";
      errorBox.focus();
      if (focus) {
        focus.focus();
      }
    }

    function clearError() {
      errorBox.hidden = true;
      errorMessage.textContent = "";
    }

    function open() {
      if (busy) {
        return;
      }
      clearError();
      var file = fileInput.files && fileInput.files[0];
      if (!file) {
        showError("no-file", fileInput);
        return;
      }
      var passphrase = passphraseInput.value;
      if (!passphrase) {
        showError("no-passphrase", passphraseInput);
        return;
      }
      busy = true;
      openButton.disabled = true;
      status.textContent = data.msgWorking;
      var sodium;
      var pair = null;
      var table;
      Promise.all([loadSodium(), readFile(file), labelsTable()])
        .then(function (loaded) {
          sodium = loaded[0];
          table = loaded[2];
          return nextFrame().then(function () {
            pair = readKeyFile(sodium, loaded[1], passphrase);
            passphrase = null;
            passphraseInput.value = "";
            // Checked before the download, so a wrong key file costs no download.
            if (pair.keyId !== data.keyId) {
              throw new OpenError("wrong-key");
            }
            return fetchEnvelope(data.downloadUrl);
          });
        })
        .then(function (envelope) {
          var report = openEnvelope(sodium, envelope, pair);
          openedJson = JSON.stringify(report, null, 2) + "\n";
          showFiksExport(report, table);
          show(report, table);
          keySection.hidden = true;
          opened.hidden = false;
          status.textContent = data.msgOpened;
          heading.focus();
        })
        .catch(function (error) {
          if (error instanceof OpenError) {
            var retype = error.code === "wrong-passphrase";
            if (retype) {
              passphraseInput.value = "";
            }
            showError(error.code, retype ? passphraseInput : null);
          } else {
            showError("cannot-open", null);
          }
        })
        .then(function () {
          if (pair && sodium) {
            sodium.memzero(pair.privateKey);
          }
          pair = null;
          busy = false;
          openButton.disabled = false;
        });
    }

    /* The report written out in the report's language (nb, nn or en), with the envelope's
     * times as the list shows them. */
    function show(report, table) {
      var shape = window.ConcernReportOutline.outline(
        report, table, data.reportLanguage, data.received, data.reviewBy);
      top.replaceChildren();
      container.replaceChildren();
      top.lang = container.lang = data.reportLanguage;
      top.dir = container.dir = "ltr";
      render(shape, top, container, data.reference);
      setPrintMargins(shape, data.reference);
    }

    /* The KS button when the format can hold the report; otherwise why not, in its place and
     * in the inbox's language (the English message, should a reason have no words here). */
    function showFiksExport(report, table) {
      var outcome;
      try {
        outcome = window.ConcernFiksExport.tryExport(report, table);
      } catch (error) {
        outcome = { refused: data.msgFiksFailed, reason: "failed" };  // our fault, not the report's
      }
      fiksText = outcome.text || null;
      fiksButton.hidden = fiksText === null;
      var reason = outcome.reason ? data["fiksRefused" + camel(outcome.reason)] : null;
      fiksRefusedMessage.textContent = reason || outcome.refused || "";
      if (reason || !outcome.refused || outcome.reason === "failed") {
        fiksRefusedMessage.removeAttribute("lang");
      } else {
        fiksRefusedMessage.lang = "en";
      }
      fiksRefused.hidden = !outcome.refused;
    }

    function save() {
      saveFile(openedJson, ".json");
    }

    function saveFiks() {
      saveFile(fiksText, ".fiks-v2.json");
    }

    function saveFile(text, suffix) {
      if (text === null) {
        return;
      }
      var blob = new Blob([text], { type: "application/json" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      // The names `flask inbox open` writes: the validated reference, nothing from the report.
      link.download = data.reference + suffix;
      document.body.appendChild(link);
      link.click();
      link.remove();
      window.setTimeout(function () {
        URL.revokeObjectURL(link.href);
      }, 1000);
    }

    function close() {
      openedJson = null;
      fiksText = null;
      fiksButton.hidden = true;
      fiksRefused.hidden = true;
      fiksRefusedMessage.textContent = "";
      top.replaceChildren();
      container.replaceChildren();
      setPrintMargins(null, null);
      opened.hidden = true;
      keySection.hidden = false;
      status.textContent = "";
      fileInput.value = "";
      fileInput.focus();
    }

    openButton.addEventListener("click", open);
    passphraseInput.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        open();
      }
    });
    document.getElementById("print-button").addEventListener("click", function () {
      window.print();
    });
    document.getElementById("save-button").addEventListener("click", save);
    fiksButton.addEventListener("click", saveFiks);
    document.getElementById("close-button").addEventListener("click", close);
    document.getElementById("without-javascript").hidden = true;
    root.hidden = false;
  }

  window.ConcernReport = {
    makeKeyFile: makeKeyFile,
    unpad: unpad,
    openWithKeyFile: function (keyFileText, passphrase, envelope) {
      // For tests and tools: the whole opening, without the page.
      return loadSodium().then(function (sodium) {
        var pair = readKeyFile(sodium, keyFileText, passphrase);
        try {
          return openEnvelope(sodium, envelope, pair);
        } finally {
          sodium.memzero(pair.privateKey);
        }
      }).catch(function (error) {
        throw new Error(error instanceof OpenError ? error.code : String(error));
      });
    }
  };

  var root = document.getElementById("open-report");
  if (root) {
    setUp(root);
  }
})();
