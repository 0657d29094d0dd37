/* The character counter: under each field with a limit (data-limit), how many characters are
 * left, or how many too many, as the reporter types. The visible line changes at once; a
 * visually hidden polite live region says it once typing pauses, so a screen reader is not
 * interrupted at every key. Without JavaScript the hint already states the limit and the error
 * says how many to remove. The words come from the page (data-left, data-over), in its
 * language; the number is formatted for that language and kept left to right. */
(function () {
  "use strict";

  var PAUSE_MS = 1000;
  var language = document.documentElement.lang || "nb";
  var format;
  try {
    format = new Intl.NumberFormat(language).format;
  } catch (error) {
    format = String;
  }

  /* Characters as the server counts them (Python's len: code points, not UTF-16 units). */
  function length(text) {
    return Array.from(text.replace(/\r\n/g, "\n")).length;
  }

  function setUp(field) {
    var limit = parseInt(field.getAttribute("data-limit"), 10);
    var line = document.getElementById(field.getAttribute("data-count"));
    var live = document.getElementById(field.getAttribute("data-count") + "-live");
    if (!limit || !line || !live) {
      return;
    }
    var timer = null;

    function text() {
      var left = limit - length(field.value);
      var words = left >= 0 ? line.getAttribute("data-left") : line.getAttribute("data-over");
      return [words, format(Math.abs(left)), left < 0];
    }

    function show() {
      var found = text();
      line.textContent = "";
      line.appendChild(document.createTextNode(found[0] + " "));
      var number = document.createElement("bdi");
      number.setAttribute("dir", "ltr");
      number.textContent = found[1];
      line.appendChild(number);
      line.classList.toggle("character-count-over", found[2]);
      return found[0] + " " + found[1];
    }

    show();
    line.hidden = false;
    field.addEventListener("input", function () {
      var said = show();
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        live.textContent = said;
      }, PAUSE_MS);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-limit]"), setUp);
})();
