// Likvärd web app: draws the charts from their JSON data blocks and sends the CSRF token with every
// HTMX request. No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";
  function drawPlots(root) {
    if (typeof Plotly === "undefined") { return; }
    root.querySelectorAll("script.figure-data").forEach(function (block) {
      var el = document.getElementById(block.dataset.target);
      if (!el || el.dataset.drawn === "1") { return; }
      var fig = JSON.parse(block.textContent);
      el.dataset.drawn = "1";
      Plotly.newPlot(el, fig.data, fig.layout, {displayModeBar: false, responsive: true, displaylogo: false});
    });
  }
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("DOMContentLoaded", function () {
    drawPlots(document);
    document.body.addEventListener("htmx:configRequest", function (e) {
      e.detail.headers["X-CSRF-Token"] = csrf();
    });
    document.body.addEventListener("htmx:afterSettle", function (e) { drawPlots(e.detail.elt || document); });
  });
})();
