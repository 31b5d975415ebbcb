// Back and Forward restore the previous page and view. Every page keeps its whole view in
// the URL; a page writing its own URL (after a load or a run, through Dash's Location)
// replaces the history entry, and only moving to another page (a nav link, a link to a run)
// adds one: a pushState that keeps the path becomes a replaceState. Back or Forward to
// another page is routed by Dash's Location (the page renders from the URL it lands on); to
// the same page with another query (an entry made before this rule) reloads from the URL.
(function () {
  var push = history.pushState.bind(history);
  var replace = history.replaceState.bind(history);
  var path = location.pathname;
  history.replaceState = function (state, title, url) {
    replace(state, title, url);
    path = location.pathname;
  };
  history.pushState = function (state, title, url) {
    var target = new URL(url === undefined || url === null ? location.href : url, location.href);
    (target.pathname === location.pathname ? replace : push)(state, title, url);
    path = location.pathname;
  };
  window.addEventListener("popstate", function () {
    if (location.pathname === path) {
      window.location.reload();
    }
    path = location.pathname;
  });
})();
