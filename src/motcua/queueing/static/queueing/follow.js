/* The phone page of a ticket: refresh its state every few seconds (slower when the tab is
   hidden) until the ticket is finished, and vibrate when the number is called (once the
   citizen has touched the page: browsers refuse it before). */
(function () {
  "use strict";
  var box = document.querySelector("[data-follow]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-follow");
  var message = box.querySelector("[data-field=message]");
  var serving = box.querySelector("[data-field=serving]");
  var service = box.querySelector("[data-field=service]");
  var FINAL = { done: true, no_show: true };
  var state = null;
  var touched = false;
  window.addEventListener("pointerdown", function () { touched = true; }, { once: true });
  function put(node, text) {
    if (node && node.textContent !== text) { node.textContent = text; }
  }
  function tick() {
    fetch(url, { cache: "no-store" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (s) {
      if (!s) { return; }
      put(message, s.message);
      message.className = "follow-state follow-state-" + s.state;
      put(serving, s.serving_now.length ? s.serving_now.join(", ") : "—");
      put(service, s.service);
      if (s.state === "called" && state !== "called" && touched && navigator.vibrate) {
        navigator.vibrate([300, 150, 300]);
      }
      state = s.state;
    }).catch(function () {}).then(function () {
      if (FINAL[state]) { return; }
      window.setTimeout(tick, document.hidden ? 30000 : 5000);
    });
  }
  window.setTimeout(tick, 5000);
})();
