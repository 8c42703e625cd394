/* The phone page of a ticket: refresh its state every few seconds (slower when the tab is
   hidden), and vibrate when the number is called. */
(function () {
  "use strict";
  var box = document.querySelector("[data-follow]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-follow");
  var message = box.querySelector("[data-field=message]");
  var serving = box.querySelector("[data-field=serving]");
  var state = null;
  function tick() {
    fetch(url, { cache: "no-store" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (s) {
      if (!s) { return; }
      message.textContent = s.message;
      message.className = "follow-state follow-state-" + s.state;
      serving.textContent = s.serving_now.length ? s.serving_now.join(", ") : "—";
      if (s.state === "called" && state !== "called" && navigator.vibrate) { navigator.vibrate([300, 150, 300]); }
      state = s.state;
    }).catch(function () {}).then(function () {
      window.setTimeout(tick, document.hidden ? 30000 : 5000);
    });
  }
  window.setTimeout(tick, 5000);
})();
