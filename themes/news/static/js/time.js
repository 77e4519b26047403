/* Relative times for recent stories ("3 hours ago", "hace 1 día").
   The HTML already carries the absolute, localised date, so without this script the
   page reads fully; the absolute date stays available in the element's title.
   Intl.RelativeTimeFormat gives correct plurals in the page's language. */
(function () {
  "use strict";
  var RECENT = 7 * 86400; // older dates read better as calendar dates
  var UNITS = [["day", 86400], ["hour", 3600], ["minute", 60]];

  function formatter(lang, numeric) {
    try {
      return new Intl.RelativeTimeFormat(lang || undefined, { numeric: numeric });
    } catch (e) { // an unknown language tag: fall back to the browser's language
      return new Intl.RelativeTimeFormat(undefined, { numeric: numeric });
    }
  }

  function relative(seconds, lang) {
    for (var i = 0; i < UNITS.length; i++) {
      var count = Math.floor(seconds / UNITS[i][1]);
      if (count >= 1) {
        // "always" keeps "1 day ago" rather than "yesterday", which is ambiguous near midnight
        return formatter(lang, "always").format(-count, UNITS[i][0]);
      }
    }
    return formatter(lang, "auto").format(0, "second"); // "now"
  }

  function update() {
    var now = Date.now();
    // A live entry's time is a clock time ("14:05"), which readers of live coverage
    // scan for: it stays as it is.
    var times = document.querySelectorAll("time[datetime]:not([data-clock])");
    for (var i = 0; i < times.length; i++) {
      var el = times[i];
      var seconds = (now - Date.parse(el.getAttribute("datetime"))) / 1000;
      if (!(seconds >= 0 && seconds < RECENT)) continue; // unparsable, future or old
      if (!el.title) el.title = el.textContent;
      var scope = el.closest("[lang]");
      el.textContent = relative(seconds, scope ? scope.getAttribute("lang") : "");
    }
  }

  if (!("RelativeTimeFormat" in Intl)) return;
  update();
  setInterval(update, 60000); // a front page is often left open all morning
})();
