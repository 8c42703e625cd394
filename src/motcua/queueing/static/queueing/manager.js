/* The manager's floor pages: the live page refreshes its body from the JSON state every few
   seconds (slower after a failure, and not while the tab is hidden); forms that stop a device
   or replace its link ask for confirmation. Without this script the pages still work. */
(function () {
  "use strict";

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  var live = document.querySelector("[data-live]");
  if (!live) { return; }
  var url = live.getAttribute("data-state-url");
  var every = parseInt(live.getAttribute("data-poll-ms"), 10) || 4000;
  var body = live.querySelector("[data-live-body]");
  var clock = live.querySelector("[data-live-clock]");
  var stale = live.querySelector("[data-live-stale]");
  var clockText = clock.textContent;
  var failures = 0;
  var timer = null;

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, delay);
  }

  function refresh() {
    if (document.hidden) { return; }  // resumed by visibilitychange
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        body.innerHTML = data.html;
        var time = body.querySelector("[data-time]");
        if (time) { clock.textContent = clockText.replace(/\d{2}:\d{2}:\d{2}/, time.getAttribute("data-time")); }
        stale.hidden = true;
        failures = 0;
        live.setAttribute("data-refreshed", data.at);
        schedule(every);
      })
      .catch(function () {
        // A login page instead of JSON (session ended) or a network cut: say so, retry slower.
        failures += 1;
        stale.hidden = false;
        schedule(Math.min(every * Math.pow(2, failures), 60000));
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { schedule(0); }
  });
  schedule(every);
})();
