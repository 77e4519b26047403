(function () {
  "use strict";
  var me = document.currentScript, file = me.dataset.file, version = me.dataset.version;
  var es = null;
  function newer(a, b) {  // versions are "server start.build count"
    var x = a.split("."), y = b.split(".");
    return x[0] !== y[0] || Number(x[1]) > Number(y[1]);
  }
  function overlay(problems) {
    var box = document.getElementById("newsgen-overlay");
    if (box) { box.remove(); }
    if (!problems.length) { return; }
    box = document.createElement("div");
    box.id = "newsgen-overlay";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
      "background:rgba(40,0,0,.94);color:#fff;font:15px/1.5 monospace;padding:2em;" +
      "white-space:pre-wrap";
    var title = document.createElement("h2");
    title.textContent = "newsgen: the build failed; this is the last good build";
    box.appendChild(title);
    problems.forEach(function (p) {
      var item = document.createElement("p"), where = document.createElement("strong");
      item.className = "newsgen-problem";
      where.textContent = p.path + (p.line ? ":" + p.line : "");
      item.append(where, document.createTextNode(": " + p.message +
        (p.hint ? "\nhint: " + p.hint : "")));
      box.appendChild(item);
    });
    document.body.appendChild(box);
  }
  function swapStyles(token) {
    document.querySelectorAll('link[rel~="stylesheet"]').forEach(function (old) {
      var url = new URL(old.href);
      if (url.origin !== location.origin) { return; }
      url.searchParams.set("newsgen", token);
      var fresh = old.cloneNode();
      fresh.href = url.href;
      fresh.onload = fresh.onerror = function () { old.remove(); };
      old.after(fresh);
    });
  }
  // A page may follow files it does not include but reads (the search page follows its
  // index): data-newsgen-follows="pagefind/" on any element lists path prefixes.
  var follows = [].concat.apply([], [].map.call(document.querySelectorAll("[data-newsgen-follows]"),
    function (el) { return el.dataset.newsgenFollows.split(/\s+/).filter(Boolean); }));
  function shown(files) {
    return files.indexOf(file) >= 0 || files.some(function (f) {
      return follows.some(function (prefix) { return f.indexOf(prefix) === 0; });
    });
  }
  var on = {
    hello: function (d) {
      window.__newsgenOpen = true;
      if (d.problems.length) { overlay(d.problems); }
      else if (newer(d.version, version)) { location.reload(); }
    },
    problems: function (d) { overlay(d.problems); },
    css: function (d) { version = d.version; swapStyles(d.version); },
    reload: function (d) {
      if (d.navigate && d.navigate !== location.pathname) { location.assign(d.navigate); return; }
      if (!d.files || !file || shown(d.files)) { location.reload(); return; }
      version = d.version;
    }
  };
  function connect() {
    es = new EventSource(me.dataset.events);
    Object.keys(on).forEach(function (type) {
      es.addEventListener(type, function (e) { on[type](JSON.parse(e.data)); });
    });
  }
  if (window.SharedWorker) {
    // A browser opens at most six connections to one server and each stream holds one,
    // so every tab of the browser shares one stream through a worker.
    var worker = new SharedWorker(me.dataset.worker);
    worker.port.onmessage = function (m) { on[m.data.type](m.data.data); };
    addEventListener("pagehide", function () { worker.port.postMessage("bye"); });
  } else {
    // Without workers, tabs in the background let their stream go and catch up when shown.
    document.addEventListener("visibilitychange", function () {
      if (document.hidden && es) { es.close(); es = null; window.__newsgenOpen = false; }
      else if (!document.hidden && !es) { connect(); }
    });
    if (!document.hidden) { connect(); }
  }
})();
