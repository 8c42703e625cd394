/* The ticket kiosk: back to the first page after a while without a touch, print the ticket
   as soon as it is shown (Chromium in --kiosk-printing mode prints without a dialog), one
   tap per form (a double tap must not print two tickets) and the on-screen keypad. */
(function () {
  "use strict";
  var body = document.body;
  var home = body.getAttribute("data-home-url");
  var idleMs = (parseInt(body.getAttribute("data-idle-seconds"), 10) || 0) * 1000;
  var timer = null;

  function arm() {
    if (!idleMs) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { location.replace(home); }, idleMs);
  }
  ["pointerdown", "touchstart", "keydown", "input"].forEach(function (name) {
    window.addEventListener(name, arm, { capture: true, passive: true });
  });
  arm();

  // The first page reloads itself every minute while nobody touches it: the waiting counts
  // stay fresh, and the manager's page sees the kiosk alive (its "last seen" time).
  var touched = Date.now();
  ["pointerdown", "touchstart", "keydown"].forEach(function (name) {
    window.addEventListener(name, function () { touched = Date.now(); }, { capture: true, passive: true });
  });
  if (!idleMs) {
    window.setInterval(function () {
      if (Date.now() - touched > 30000) { location.reload(); }
    }, 60000);
  }

  if (body.hasAttribute("data-print")) {
    window.addEventListener("load", function () { window.print(); });
  }
  var again = document.querySelector("[data-print-button]");
  if (again) { again.addEventListener("click", function () { window.print(); }); }

  document.querySelectorAll("[data-once-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
      // Disable after the submit has taken the clicked button's name/value.
      window.setTimeout(function () {
        form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });

  var input = document.querySelector("[data-keypad-input]");
  if (input) {
    document.querySelectorAll(".queue-keypad .osk-key").forEach(function (key) {
      key.addEventListener("click", function () {
        var action = key.getAttribute("data-action");
        if (action === "backspace") { input.value = input.value.slice(0, -1); }
        else if (action === "clear") { input.value = ""; }
        else if (input.value.length < 20) { input.value += key.getAttribute("data-key"); }
        input.focus();
      });
    });
  }
  body.setAttribute("data-kiosk-ready", "");
})();
