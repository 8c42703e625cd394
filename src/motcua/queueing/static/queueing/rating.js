/* The rating tablet: ask when the counter finishes a service, thank, then wait again. Polls
   the counter's state every two seconds; one tap per question. */
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-state-url");
  var panels = {};
  document.querySelectorAll("[data-panel]").forEach(function (el) { panels[el.getAttribute("data-panel")] = el; });
  var form = panels.ask;
  var ticketField = form.querySelector("[data-field=ticket]");
  var about = form.querySelector(".rating-about");
  var thanksUntil = body.getAttribute("data-thanks") ? Date.now() + 5000 : 0;
  var asking = !form.hidden ? ticketField.value : null;
  var template = about.textContent;

  function show(name) {
    Object.keys(panels).forEach(function (key) { panels[key].hidden = key !== name; });
  }
  function render(question) {
    if (Date.now() < thanksUntil) { show("thanks"); return; }
    var error = document.querySelector(".rating-error");
    if (error && !question) { error.remove(); }
    if (!question) { asking = null; show("idle"); return; }
    if (String(question.ticket) !== asking) {
      asking = String(question.ticket);
      ticketField.value = question.ticket;
      about.textContent = about.getAttribute("data-format")
        ? about.getAttribute("data-format").replace("{number}", question.number).replace("{officer}", question.officer)
        : template;
      form.removeAttribute("data-sent");
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    }
    show("ask");
  }
  function tick() {
    fetch(url, { cache: "no-store" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { render(data.question); } })
      .catch(function () {})
      .then(function () { window.setTimeout(tick, 2000); });
  }
  form.addEventListener("submit", function (event) {
    if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
    form.setAttribute("data-sent", "1");
  });
  // Reload once a day at night: a tablet left on for weeks starts fresh.
  var started = new Date();
  window.setInterval(function () {
    var now = new Date();
    if (now.getHours() === 3 && now - started > 3600 * 1000) { location.replace(location.pathname); }
  }, 60000);
  window.setTimeout(tick, thanksUntil ? 5000 : 2000);
})();
