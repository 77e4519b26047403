"use strict";
var ports = [], es = null, state = null;
function tell(type, data) { ports.forEach(function (p) { p.postMessage({type: type, data: data}); }); }
function listen() {
  es = new EventSource("events");  // beside this script: /__newsgen/events
  ["hello", "problems", "css", "reload"].forEach(function (type) {
    es.addEventListener(type, function (e) {
      var d = JSON.parse(e.data);
      state = (type === "hello" || type === "problems") ? d : {version: d.version, problems: []};
      tell(type, d);
    });
  });
}
onconnect = function (e) {
  var port = e.ports[0];
  ports.push(port);
  port.onmessage = function (m) {
    if (m.data === "bye") { ports.splice(ports.indexOf(port), 1); }
  };
  if (!es) { listen(); }
  else if (state) { port.postMessage({type: "hello", data: state}); }
};
