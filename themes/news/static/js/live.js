/* Live coverage: while a live story's page is open, fetch its live.json (written beside
   the page by every build) and put new entries at the top. No server is needed: the
   static host serves the file the last build wrote. When the file says the coverage
   ended, the LIVE badge goes, the page says when it ended and polling stops.
   Without this script the page still shows every entry of the build it came from. */
(function () {
  "use strict";
  var section = document.querySelector("section.live[data-live-src]");
  if (!section || !window.fetch) return;
  var every = Math.max(5, parseInt(section.getAttribute("data-live-every"), 10) || 30) * 1000;
  var list = section.querySelector(".live-entries");
  var status = section.querySelector(".live-status");
  var timer = null;

  function entryElement(entry) {
    var el = document.createElement("article");
    el.className = "live-entry live-entry-new";
    el.id = entry.id;
    var heading = document.createElement("h3");
    var link = document.createElement("a");
    link.className = "entry-time";
    link.href = "#" + entry.id;
    var time = document.createElement("time");
    time.setAttribute("datetime", entry.time);
    time.setAttribute("data-clock", "");
    time.textContent = entry.time_text;
    link.appendChild(time);
    heading.appendChild(link);
    heading.appendChild(document.createTextNode(" " + entry.title));
    el.appendChild(heading);
    var body = document.createElement("div");
    body.innerHTML = entry.html; // the build's own HTML, as the page itself carries it
    while (body.firstChild) el.appendChild(body.firstChild);
    return el;
  }

  function apply(data) {
    var added = 0;
    for (var i = data.entries.length - 1; i >= 0; i--) { // oldest new entry first
      var entry = data.entries[i];
      if (document.getElementById(entry.id)) continue;
      list.insertBefore(entryElement(entry), list.firstChild);
      added++;
    }
    if (added && status) status.textContent = section.getAttribute("data-new-text") || "";
    if (!data.open) {
      document.querySelectorAll(".story-header .badge-live").forEach(function (b) { b.remove(); });
      if (status) status.textContent = data.ended_text || "";
      section.removeAttribute("data-live-src");
      stop();
    }
  }

  function poll() {
    fetch(section.getAttribute("data-live-src"), { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) apply(data); })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  function start() { if (timer === null) timer = setInterval(poll, every); }
  function stop() { if (timer !== null) { clearInterval(timer); timer = null; } }

  document.addEventListener("visibilitychange", function () {
    if (!section.hasAttribute("data-live-src")) return;
    if (document.hidden) { stop(); } else { poll(); start(); }
  });
  poll();
  start();
})();
