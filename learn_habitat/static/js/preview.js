// learn-habitat preview: reload the page when the courses change (a saved file is read again).
(function () {
  "use strict";
  var script = document.currentScript;
  var shown = script && script.getAttribute("data-generation");
  var url = script && script.getAttribute("data-version-url");
  if (!url) { return; }
  function check() {
    fetch(url, { cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && String(body.generation) !== shown) { window.location.reload(); }
      })
      .catch(function () { /* the preview is restarting: try again */ })
      .then(function () { window.setTimeout(check, 1000); });
  }
  window.setTimeout(check, 1000);
}());
