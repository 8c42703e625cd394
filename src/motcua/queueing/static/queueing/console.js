/* The console's waiting list refreshes itself every few seconds (the buttons are plain forms). */
(function () {
  "use strict";
  var box = document.querySelector("[data-refresh]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-refresh");
  function tick() {
    fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { box.innerHTML = html; } })
      .catch(function () {})
      .then(function () { window.setTimeout(tick, document.hidden ? 15000 : 3000); });
  }
  window.setTimeout(tick, 3000);
})();
