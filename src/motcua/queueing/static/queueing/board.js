/* The display board: renders the center's floor from server-sent events and announces each
   new call once (a chime, then the text in Vietnamese). Built to run for days unattended: a
   watchdog reopens a silent stream, the page polls the JSON state while the stream keeps
   failing, and it reloads itself once a night. Nothing it keeps grows without bound.

   For tests: window.motcuaBoard = {spoken: [texts announced], connected, lastVersion, ...}. */
(function () {
  "use strict";

  var WATCHDOG_MS = 45000;      // no event nor heartbeat for this long: reopen the stream
  var POLL_MS = 2000;           // polling period while the stream is down
  var REOPEN_MS = 10000;        // a stream the browser gave up on is reopened this often
  var OFFLINE_AFTER_MS = 4000;  // no data for this long: show "connection lost"
  var RESUME_MS = 120000;       // a reload within this long still announces what it missed
  var MAX_BACKLOG = 3;          // after a cut, only the newest missed calls are announced
  var MAX_QUEUE = 10;
  var MAX_SPOKEN = 50;
  var STEP_TIMEOUT_MS = 15000;  // a voice that never ends must not block the queue
  var RELOAD_HOUR = 3;          // nightly reload, center's time

  var root = document.getElementById("board");
  if (!root) { return; }
  var data = root.dataset;
  var labels = readJson("board-labels") || {};
  var storageKey = "motcua.board." + data.device + ".announced";
  var clockOffset = Number(data.serverNow) ? Number(data.serverNow) - Date.now() : 0;
  var board = window.motcuaBoard = {
    spoken: [], connected: false, lastVersion: null, mode: "stream", voice: "", sound: "off"
  };

  function q(selector) { return root.querySelector(selector); }
  var el = {
    center: q(".board-center"), time: q("[data-role=time]"), date: q("[data-role=date]"),
    now: q(".board-now"), nowNumber: q(".now-number"), nowCounter: q(".now-counter"),
    counters: q("[data-role=counters]"), calls: q("[data-role=calls]"), waiting: q("[data-role=waiting]"),
    offline: q("[data-role=offline]"), sound: q("[data-role=sound]")
  };
  var minWaitingRows = Number(el.waiting.getAttribute("data-min-rows")) || 5;

  function noop() {}
  function readJson(id) {
    var node = document.getElementById(id);
    try { return node ? JSON.parse(node.textContent) : null; } catch (e) { return null; }
  }
  function once(fn) {
    var done = false;
    return function () { if (!done) { done = true; fn(); } };
  }
  function wait(ms) { return new Promise(function (resolve) { window.setTimeout(resolve, ms); }); }
  function make(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) { node.textContent = String(text); }
    return node;
  }
  function flash(node) {
    node.classList.remove("is-fresh");
    void node.offsetWidth;  // restart the animation
    node.classList.add("is-fresh");
  }

  // -- rendering -------------------------------------------------------------------------
  var lastDay = null;
  var newestId = null;
  var freshCounter = null;  // {number, until}: the tile of the newest call blinks a while

  function render(snapshot) {
    board.lastVersion = snapshot.version;
    lastDay = snapshot.day;
    if (el.center.textContent !== snapshot.center) { el.center.textContent = snapshot.center; }
    var newest = snapshot.calls[0] || null;
    renderNow(newest);
    renderCounters(snapshot.counters);
    renderCalls(snapshot.calls.slice(1));
    renderWaiting(snapshot.waiting);
  }

  function renderNow(call) {
    el.now.classList.toggle("is-empty", !call);
    if (!call) { newestId = 0; return; }
    el.nowNumber.textContent = call.number;
    el.nowCounter.textContent = call.counter;
    if (newestId !== null && call.id !== newestId) {
      flash(el.now);
      freshCounter = { number: call.counter, until: Date.now() + 5000 };
    }
    newestId = call.id;
  }

  function counterState(counter) {
    if (!counter.open) { return labels.closed; }
    if (counter.state === "called") { return labels.called; }
    if (counter.state === "serving") { return labels.serving; }
    return labels.idle;
  }

  function renderCounters(counters) {
    var blinking = freshCounter && freshCounter.until > Date.now() ? freshCounter.number : null;
    var tiles = counters.map(function (counter) {
      var state = !counter.open ? " is-closed" : counter.state ? " is-" + counter.state : "";
      var tile = make("li", "counter" + state);
      tile.setAttribute("data-counter", counter.number);
      tile.setAttribute("data-testid", "counter-" + counter.number);
      tile.append(
        make("span", "counter-label", labels.counter + " " + counter.number),
        make("span", "counter-number", counter.ticket != null ? counter.ticket : "—"),
        make("span", "counter-state", counterState(counter))
      );
      if (blinking === counter.number) { tile.classList.add("is-fresh"); }
      return tile;
    });
    el.counters.replaceChildren.apply(el.counters, tiles);
    layoutCounters(counters.length);
  }

  // Columns that make the tiles closest to 9:5 in the space there is, preferring full rows
  // (any number of counters fits without scrolling; the digits scale with the tile).
  function layoutCounters(count) {
    var width = el.counters.clientWidth || 1200;
    var height = el.counters.clientHeight || 500;
    var best = 1;
    var bestScore = Infinity;
    for (var cols = 1; cols <= Math.max(count, 1); cols++) {
      var rows = Math.ceil(count / cols) || 1;
      var empty = (rows * cols - count) / Math.max(count, 1);
      var score = Math.abs(Math.log((width / cols) / (height / rows) / 1.8)) + empty;
      if (score < bestScore) { bestScore = score; best = cols; }
    }
    el.counters.style.setProperty("--cols", best);
  }

  function renderCalls(calls) {
    el.calls.replaceChildren.apply(el.calls, calls.map(function (call) {
      var row = make("li", "call");
      row.append(
        make("span", "call-number", call.number),
        make("span", "call-counter", call.counter),
        make("span", "call-at", String(call.at).slice(0, 5))
      );
      return row;
    }));
  }

  function renderWaiting(rows) {
    el.waiting.style.setProperty("--rows", Math.max(rows.length, minWaitingRows));
    el.waiting.replaceChildren.apply(el.waiting, rows.map(function (row) {
      var item = make("li", "waiting-row" + (row.count ? "" : " is-zero"));
      item.append(make("span", "waiting-service", row.service), make("span", "waiting-count", row.count));
      return item;
    }));
  }

  // -- clock (the server's time, corrected by every heartbeat) -----------------------------
  var timeFormat, dateFormat, partsFormat;
  // The page's language for the date ("vi" → "vi-VN"; English dates stay day/month/year).
  var locale = document.documentElement.lang === "en" ? "en-GB" : "vi-VN";
  try {
    var zone = data.timeZone || "Asia/Ho_Chi_Minh";
    timeFormat = new Intl.DateTimeFormat("vi-VN", { timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    dateFormat = new Intl.DateTimeFormat(locale, { timeZone: zone, weekday: "long", day: "2-digit", month: "2-digit", year: "numeric" });
    partsFormat = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "numeric", minute: "numeric", second: "numeric", hourCycle: "h23" });
  } catch (e) {
    timeFormat = new Intl.DateTimeFormat("vi-VN", { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    dateFormat = new Intl.DateTimeFormat(locale, { weekday: "long", day: "2-digit", month: "2-digit", year: "numeric" });
    partsFormat = new Intl.DateTimeFormat("en-GB", { hour: "numeric", minute: "numeric", second: "numeric", hourCycle: "h23" });
  }
  function serverNow() { return new Date(Date.now() + clockOffset); }
  function renderClock() {
    var now = serverNow();
    el.time.textContent = timeFormat.format(now);
    var day = dateFormat.format(now);
    day = day.charAt(0).toUpperCase() + day.slice(1);
    if (el.date.textContent !== day) { el.date.textContent = day; }
  }

  // -- announcements ---------------------------------------------------------------------
  var lastAnnounced = null;
  var queue = [];
  var speaking = false;

  function remembered() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storageKey) || "null");
      if (saved && typeof saved.id === "number" && Date.now() - saved.t < RESUME_MS) { return saved.id; }
    } catch (e) { /* storage unavailable: nothing remembered */ }
    return null;
  }
  function remember() {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify({ id: lastAnnounced, t: Date.now() }));
    } catch (e) { /* storage full or blocked: a reload may then stay silent, never repeat */ }
  }

  // Calls newer than the last announced one, oldest first. On a fresh page nothing already on
  // the board is announced, except what a reload of a moment ago missed.
  function announceNew(calls) {
    var newest = calls.length ? calls[0].id : 0;
    if (lastAnnounced === null) {
      var saved = remembered();
      lastAnnounced = saved !== null && saved <= newest ? saved : newest;
    } else if (calls.length && newest < lastAnnounced) {
      lastAnnounced = newest;  // the numbering went back (a restored database)
    }
    var fresh = calls.filter(function (call) { return call.id > lastAnnounced; }).reverse();
    if (newest > lastAnnounced) { lastAnnounced = newest; }
    remember();
    fresh.slice(-MAX_BACKLOG).forEach(enqueue);
  }

  function enqueue(call) {
    queue.push(call);
    if (queue.length > MAX_QUEUE) { queue.shift(); }
    pump();
  }

  function pump() {
    if (speaking || !queue.length) { return; }
    speaking = true;
    var call = queue.shift();
    board.spoken.push(call.text);
    if (board.spoken.length > MAX_SPOKEN) { board.spoken.splice(0, board.spoken.length - MAX_SPOKEN); }
    chime()
      .then(function () { return say(call); })
      .catch(noop)
      .then(function () { speaking = false; window.setTimeout(pump, 500); });
  }

  // A three-note chime made on the spot (no audio file): C5, E5, G5 with a bell-like decay.
  var audioContext = null;
  function audio() {
    if (audioContext) { return audioContext; }
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return null; }
    try { audioContext = new Context(); } catch (e) { return null; }
    audioContext.onstatechange = showSoundPrompt;
    return audioContext;
  }
  function chime() {
    var context = audio();
    if (!context || context.state !== "running") {
      if (context) { context.resume().catch(noop); }
      return Promise.resolve();
    }
    var start = context.currentTime + 0.05;
    [523.25, 659.25, 783.99].forEach(function (frequency, index) {
      var at = start + index * 0.42;
      [[frequency, 0.35], [frequency * 2, 0.08]].forEach(function (partial) {
        var osc = context.createOscillator();
        var gain = context.createGain();
        osc.type = "sine";
        osc.frequency.value = partial[0];
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(partial[1], at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 1.3);
        osc.connect(gain);
        gain.connect(context.destination);
        osc.onended = function () { osc.disconnect(); gain.disconnect(); };
        osc.start(at);
        osc.stop(at + 1.35);
      });
    });
    return wait(2 * 420 + 900);
  }

  function vietnameseVoice() {
    if (!("speechSynthesis" in window)) { return null; }
    var voices = window.speechSynthesis.getVoices() || [];
    var exact = null;
    var loose = null;
    voices.forEach(function (voice) {
      var lang = String(voice.lang || "").toLowerCase().replace("_", "-");
      if (lang === "vi-vn" && !exact) { exact = voice; }
      if (lang.indexOf("vi") === 0 && !loose) { loose = voice; }
    });
    return exact || loose;
  }

  function say(call) {
    var voice = vietnameseVoice();
    if (voice) { board.voice = "browser"; return speakInBrowser(call.text, voice); }
    if (data.audioBase) { board.voice = "server"; return playFromServer(data.audioBase + call.id + ".wav"); }
    board.voice = "none";
    return Promise.resolve();
  }

  function speakInBrowser(text, voice) {
    return new Promise(function (resolve) {
      var timer = null;
      var done = once(function () { window.clearTimeout(timer); resolve(); });
      var utterance = new window.SpeechSynthesisUtterance(text);
      utterance.voice = voice;
      utterance.lang = voice.lang || "vi-VN";
      utterance.rate = 0.9;
      utterance.onend = done;
      utterance.onerror = done;
      timer = window.setTimeout(function () { window.speechSynthesis.cancel(); done(); }, STEP_TIMEOUT_MS);
      window.speechSynthesis.speak(utterance);
    });
  }

  var player = null;  // one element for every announcement
  function playFromServer(url) {
    player = player || new Audio();
    return new Promise(function (resolve) {
      var timer = null;
      var done = once(function () {
        window.clearTimeout(timer);
        player.onended = player.onerror = null;
        resolve();
      });
      player.onended = done;
      player.onerror = done;
      timer = window.setTimeout(function () { player.pause(); done(); }, STEP_TIMEOUT_MS);
      player.src = url;
      var playing = player.play();
      if (playing && playing.catch) { playing.catch(done); }
    });
  }

  // Browsers keep sound off until someone touches the page (unless started with
  // --autoplay-policy=no-user-gesture-required): then a discreet prompt asks for one touch.
  function showSoundPrompt() {
    var context = audio();
    board.sound = context ? context.state : "none";
    el.sound.hidden = !context || context.state === "running";
  }
  function unlockSound() {
    var context = audio();
    if (context && context.state !== "running") { context.resume().then(showSoundPrompt, noop); }
    if ("speechSynthesis" in window) { window.speechSynthesis.getVoices(); }
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (type) {
    document.addEventListener(type, unlockSound, { passive: true });
  });
  if ("speechSynthesis" in window && window.speechSynthesis.addEventListener) {
    window.speechSynthesis.addEventListener("voiceschanged", noop);
  }

  // -- connection: the stream, its watchdog, the polling fallback -----------------------------
  var source = null;
  var streamOk = false;
  var streamFailures = 0;
  var lastBeat = Date.now();
  var openedAt = 0;
  var polling = false;
  var pollOk = false;
  var pollRound = 0;
  var offlineSince = null;

  function apply(snapshot, fromStream) {
    if (!snapshot || !Array.isArray(snapshot.calls)) { return; }
    // A poll answered late must not put an older state over a newer one.
    if (!fromStream && board.lastVersion !== null && snapshot.day === lastDay && snapshot.version < board.lastVersion) { return; }
    render(snapshot);
    announceNew(snapshot.calls);
  }

  function streamAlive() {
    lastBeat = Date.now();
    streamOk = true;
    streamFailures = 0;
    stopPolling();
    updateConnection();
  }

  function openStream() {
    if (source) { source.close(); }
    openedAt = Date.now();
    lastBeat = Date.now();
    streamOk = false;
    source = new EventSource(data.eventsUrl);
    source.addEventListener("board", function (event) {
      var snapshot = null;
      try { snapshot = JSON.parse(event.data); } catch (e) { return; }
      streamAlive();
      apply(snapshot, true);
    });
    source.addEventListener("ping", function (event) {
      var now = Number(event.data);
      if (now) { clockOffset = now - Date.now(); }
      if (lastAnnounced !== null) { remember(); }  // a reload soon after still resumes
      streamAlive();
    });
    source.onerror = function () {
      streamOk = false;
      streamFailures += 1;
      // A stream ending on schedule reconnects within a second; a second failure in a row,
      // or a stream the browser closed for good (an HTTP error), means polling meanwhile.
      if (streamFailures >= 2 || (source && source.readyState === 2)) { startPolling(); }
      updateConnection();
    };
  }

  function startPolling() {
    if (polling) { return; }
    polling = true;
    board.mode = "polling";
    pollRound += 1;
    poll(pollRound);
  }
  function stopPolling() {
    if (!polling) { return; }
    polling = false;
    pollOk = false;
    board.mode = "stream";
  }
  function poll(round) {
    if (!polling || round !== pollRound) { return; }
    window.fetch(data.stateUrl, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (snapshot) {
        if (polling && round === pollRound) { pollOk = true; apply(snapshot, false); }
      }, function () { pollOk = false; })
      .then(function () {
        updateConnection();
        window.setTimeout(function () { poll(round); }, POLL_MS);
      });
  }

  function updateConnection() {
    board.connected = streamOk || (polling && pollOk);
    if (board.connected) {
      offlineSince = null;
    } else if (offlineSince === null) {
      offlineSince = Date.now();
    }
    el.offline.hidden = offlineSince === null || Date.now() - offlineSince < OFFLINE_AFTER_MS;
  }

  function tick() {
    renderClock();
    var now = Date.now();
    if (now - lastBeat > WATCHDOG_MS) {
      openStream();  // silent for too long: the connection is dead even if it looks open
      startPolling();
    } else if (source && source.readyState === 2 && now - openedAt > REOPEN_MS) {
      openStream();
    }
    updateConnection();
  }

  // -- the nightly reload (only when the server answers, never onto an error page) -----------
  function secondsOfDay() {
    var parts = {};
    partsFormat.formatToParts(serverNow()).forEach(function (part) { parts[part.type] = Number(part.value); });
    return (parts.hour || 0) * 3600 + (parts.minute || 0) * 60 + (parts.second || 0);
  }
  function scheduleReload() {
    var target = RELOAD_HOUR * 3600 + Math.floor(Math.random() * 1200);  // spread over 20 min
    var delay = target - secondsOfDay();
    if (delay < 60) { delay += 86400; }
    window.setTimeout(reloadWhenReachable, delay * 1000);
  }
  function reloadWhenReachable() {
    window.fetch(data.stateUrl, { cache: "no-store" })
      .then(function (response) { if (response.ok) { window.location.reload(); } else { throw new Error(); } })
      .catch(function () { window.setTimeout(reloadWhenReachable, 5 * 60 * 1000); });
  }

  // -- start ------------------------------------------------------------------------------
  apply(readJson("board-snapshot"), true);
  renderClock();
  showSoundPrompt();
  if (audioContext && audioContext.state !== "running") { audioContext.resume().then(showSoundPrompt, noop); }
  el.sound.addEventListener("click", unlockSound);
  window.addEventListener("resize", function () { layoutCounters(el.counters.children.length); });
  openStream();
  window.setInterval(tick, 1000);
  scheduleReload();
})();
