/* The console: its waiting list refreshes itself every few seconds, and each button sends its
   form once (a double tap on "Gọi lại" must not make the board say the number twice). */
(function () {
  "use strict";
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
    });
  });

  var box = document.querySelector("[data-refresh]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-refresh");
  var stale = box.getAttribute("data-stale-message");
  function tick() {
    fetch(url, { cache: "no-store", credentials: "same-origin", redirect: "manual" })
      .then(function (r) {
        // Logged out, or the counter was left in another tab: say so, keep nothing stale.
        if (r.type === "opaqueredirect" || r.status === 409 || r.status === 403) {
          box.innerHTML = "";
          var note = document.createElement("p");
          note.className = "message message-error";
          note.textContent = stale;
          box.appendChild(note);
          return "stop";
        }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html === "stop") { return; }
        if (typeof html === "string") { box.innerHTML = html; }
        window.setTimeout(tick, document.hidden ? 15000 : 3000);
      })
      .catch(function () { window.setTimeout(tick, 15000); });
  }
  window.setTimeout(tick, 3000);
})();
