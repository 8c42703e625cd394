/* Kiosk: return to the front page after a while without a touch, an on-screen keyboard for
   the search box, and a barcode/QR scanner's keystrokes sent to the search box wherever the
   focus is. No framework, nothing that relies on hovering. */
(function () {
  "use strict";
  var body = document.body;
  var idleMs = (parseInt(body.getAttribute("data-idle-seconds"), 10) || 120) * 1000;
  var homeUrl = body.getAttribute("data-home-url") || "/kiosk/";
  var resetUrl = body.getAttribute("data-reset-url") || homeUrl;
  var input = document.querySelector("[data-kiosk-input]");
  var timer = null;

  /* -- idle reset ------------------------------------------------------------------------ */
  function atRest() {
    return location.pathname === homeUrl && !location.search &&
      document.documentElement.lang === "vi" && !(input && input.value) &&
      window.scrollY < 10;
  }
  function reset() {
    if (atRest()) { arm(); return; }
    location.replace(resetUrl);
  }
  function arm() {
    window.clearTimeout(timer);
    timer = window.setTimeout(reset, idleMs);
  }
  ["pointerdown", "touchstart", "keydown", "wheel", "scroll", "input"].forEach(function (name) {
    window.addEventListener(name, arm, { capture: true, passive: true });
  });
  arm();
  body.setAttribute("data-kiosk-ready", "");

  /* -- back button on the detail page --------------------------------------------------- */
  var back = document.querySelector("[data-back]");
  if (back && window.history.length > 1) {
    back.hidden = false;
    back.addEventListener("click", function () { window.history.back(); });
  }

  if (!input) { return; }

  /* -- scanner keystrokes: a scanner "types" the code then Enter. When the focus is not in a
     text field, the first character moves it to the search box (emptied first), so the rest
     of the code and the Enter land there and submit the search. -------------------------- */
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.isContentEditable ||
      /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing || event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) {
      return;
    }
    if (event.key === " " && target && target.tagName === "BUTTON") { return; }
    input.value = "";
    input.focus();
  }, true);

  /* -- on-screen keyboard -------------------------------------------------------------- */
  var osk = document.querySelector("[data-osk]");
  var toggle = document.querySelector("[data-osk-toggle]");
  if (!osk) { return; }
  function showKeyboard(open) {
    osk.hidden = !open;
    body.classList.toggle("osk-open", open && !osk.hasAttribute("data-osk-open"));
    if (toggle) { toggle.setAttribute("aria-expanded", String(open)); }
  }
  showKeyboard(osk.hasAttribute("data-osk-open"));
  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      showKeyboard(osk.hidden);
      if (!osk.hidden) { input.focus(); }
    });
  }
  // Keep the focus (and the caret) in the search box while keys are touched.
  osk.addEventListener("pointerdown", function (event) {
    if (event.target.closest("button")) { event.preventDefault(); }
  });
  osk.addEventListener("click", function (event) {
    var key = event.target.closest("button");
    if (!key) { return; }
    var action = key.getAttribute("data-action");
    if (action === "submit") {
      if (input.form.requestSubmit) { input.form.requestSubmit(); } else { input.form.submit(); }
      return;
    }
    var start = input.selectionStart === null ? input.value.length : input.selectionStart;
    var end = input.selectionEnd === null ? start : input.selectionEnd;
    if (action === "clear") {
      input.value = "";
    } else if (action === "backspace") {
      if (start !== end) {
        input.setRangeText("", start, end, "end");
      } else if (start > 0) {
        input.setRangeText("", start - 1, start, "end");
      }
    } else {
      input.setRangeText(key.getAttribute("data-key"), start, end, "end");
    }
    input.dispatchEvent(new Event("input", { bubbles: true }));
    if (event.detail > 0) { input.focus(); }  // a touch or a click, not a keyboard user
  });

})();
