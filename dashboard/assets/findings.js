// Every figure card shows its figure's finding under the graph: one plain sentence computed
// from the figure's data (analysis `data()` -> df.attrs["finding"], carried to the browser as
// `layout.meta.finding` by dashboard/views.py). Copied after plotly draws, for every card on
// every page, so no page needs a callback of its own; an empty finding shows nothing. A
// figure's notes (its export subtitle: what was pooled, which points have no run) follow it.
(function () {
  var queued = false;
  function copy() {
    queued = false;
    document.querySelectorAll(".card .finding").forEach(function (p) {
      var gd = p.closest(".card").querySelector(".js-plotly-plot");
      var meta = gd && gd.layout && gd.layout.meta;
      var parts = meta ? [meta.finding, meta.note] : [];
      var text = parts.filter(function (t) { return typeof t === "string" && t; }).join(" ");
      if (p.textContent !== text) {
        p.textContent = text;
      }
    });
  }
  new MutationObserver(function () {
    if (!queued) {
      queued = true;
      requestAnimationFrame(copy);
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
