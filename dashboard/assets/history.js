// Back and forward restore a view: the whole state is in the URL, so when the browser moves
// through its history, reload the page from the URL it landed on (Dash's own navigation uses
// pushState, which fires no popstate, so this only reacts to the user's back/forward).
window.addEventListener("popstate", function () {
  window.location.reload();
});
