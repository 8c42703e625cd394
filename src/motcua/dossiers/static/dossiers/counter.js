/* The counter screens, built for the keyboard. Plain JavaScript, no framework; every page
   works without it (the server searches, previews and validates), this only makes it quicker:
   live procedure search, returning-applicant look-up, appointment preview, Enter that moves
   to the next field instead of sending the dossier, and a guard against double submission. */
(function () {
  "use strict";

  var $ = function (selector, root) { return (root || document).querySelector(selector); };
  var $$ = function (selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  };

  function visible(el) {
    return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function csrf(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function postForm(url, form, fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (key) { body.append(key, fields[key]); });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(form), "X-Requested-With": "fetch" }
    }).then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }

  /* --- Everywhere: selects that submit their form ------------------------------------- */
  $$("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  /* --- Shortcuts: Alt+letter (Alt+Shift+letter too) on [data-shortcut] ----------------- */
  // Handled here rather than with accesskey, so they are the same in every browser and
  // follow the physical key whatever the Vietnamese input method is doing.
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
    var key = event.code && event.code.indexOf("Key") === 0
      ? event.code.slice(3).toLowerCase()
      : String(event.key || "").toLowerCase();
    var target = $$("[data-shortcut='" + key + "']").filter(visible)[0];
    if (!target) { return; }
    event.preventDefault();
    var tag = target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") {
      target.focus();
      if (target.select && target.type !== "number") { target.select(); }
    } else if (tag === "SUMMARY" && target.parentElement.open) {
      var first = $("textarea, input:not([type=hidden]), select", target.parentElement);
      (first || target).focus();
    } else {
      target.click();
    }
  });

  /* --- Enter moves on; a form is sent once -------------------------------------------- */
  function focusables(form) {
    return $$("input, select, textarea, button, summary, a[href]", form).filter(function (el) {
      return !el.disabled && el.type !== "hidden" && el.tabIndex >= 0 && visible(el);
    });
  }

  function guard(form) {
    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.altKey || event.ctrlKey || event.metaKey) { return; }
      var el = event.target;
      var tag = el.tagName;
      if (tag === "TEXTAREA" || tag === "BUTTON" || tag === "SUMMARY" || tag === "A") { return; }
      if (tag === "INPUT" && (el.type === "submit" || el.type === "button")) { return; }
      event.preventDefault();
      if (tag === "INPUT" && (el.type === "checkbox" || el.type === "radio")) {
        el.click();
        return;
      }
      var all = focusables(form);
      var next = all[all.indexOf(el) + (event.shiftKey ? -1 : 1)];
      if (next) { next.focus(); }
    });
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) { event.preventDefault(); return; }
      form.dataset.sending = "1";
      form.setAttribute("aria-busy", "true");
      // After the browser has taken the clicked button's value.
      setTimeout(function () {
        $$("button[type=submit]", form).forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
      }, 0);
    });
  }
  $$("form#intake, form.decision").forEach(guard);

  /* --- Step 1: find the procedure ----------------------------------------------------- */
  var search = $("form[data-procedure-search]");
  if (search) {
    var box = $("#procedure-q", search);
    var results = $("#procedure-results");
    var exact = null;
    var asked = "";
    var render = function (data) {
      exact = data.exact;
      results.textContent = "";
      if (!data.results.length) {
        var p = document.createElement("p");
        p.className = "muted";
        p.textContent = results.dataset.empty || "Không tìm thấy thủ tục nào đang có hiệu lực.";
        results.appendChild(p);
        return;
      }
      var list = document.createElement("ul");
      list.className = "result-list";
      list.setAttribute("data-testid", "procedure-results");
      data.results.forEach(function (item) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = item.url;
        [["proc-code", item.code], ["proc-name", item.name], ["proc-field", item.field]].forEach(function (part) {
          var span = document.createElement("span");
          span.className = part[0];
          span.textContent = part[1];
          a.appendChild(span);
          a.appendChild(document.createTextNode(" "));
        });
        li.appendChild(a);
        list.appendChild(li);
      });
      results.appendChild(list);
    };
    var lookup = debounce(function () {
      var q = box.value.trim();
      if (q === asked) { return; }
      asked = q;
      if (!q) { results.textContent = ""; exact = null; return; }
      fetch(search.dataset.url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { if (box.value.trim() === q) { render(data); } })
        .catch(function () { /* the form still works without live results */ });
    }, 150);
    box.addEventListener("input", lookup);
    box.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        var first = $("a", results);
        if (first) { event.preventDefault(); first.focus(); }
      } else if (event.key === "Enter" && exact && box.value.trim() === asked) {
        event.preventDefault();
        window.location.href = exact;
      }
    });
    results.addEventListener("keydown", function (event) {
      var links = $$("a", results);
      var i = links.indexOf(document.activeElement);
      if (i < 0) { return; }
      if (event.key === "ArrowDown" && links[i + 1]) { event.preventDefault(); links[i + 1].focus(); }
      else if (event.key === "ArrowUp") { event.preventDefault(); (links[i - 1] || box).focus(); }
      else if (event.key === "Escape") { event.preventDefault(); box.focus(); }
    });
  }

  /* --- Step 2: the dossier ------------------------------------------------------------ */
  var intake = $("form#intake");
  if (intake) { counterForm(intake); }

  function counterForm(form) {
    var caseField = $("#id_case", form);
    var centerField = $("#id_center", form);
    var stampField = $("#id_postal_stamp_date", form);

    function currentCase() { return caseField ? caseField.value : ""; }
    function currentChannel() {
      var checked = $("input[name=channel]:checked", form) || $("input[name=channel]", form);
      return checked ? checked.value : "";
    }
    function principalRole() {
      var owner = $("#id_has_owner", form);
      return owner && owner.checked ? "owner" : "applicant";
    }

    /* Cases: show the chosen case's checklist. */
    function showCase() {
      $$("[data-case]", form).forEach(function (block) {
        block.hidden = block.dataset.case !== currentCase();
      });
    }
    if (caseField && caseField.tagName === "SELECT") {
      caseField.addEventListener("change", function () { showCase(); preview(); refreshLookup(); });
    }

    /* Channel: the postal stamp date only for postal dossiers. */
    function showPostal() {
      var postal = $("[data-postal]", form);
      if (postal) { postal.hidden = currentChannel() !== "3"; }
    }
    $$("input[name=channel]", form).forEach(function (radio) {
      radio.addEventListener("change", function () { showPostal(); preview(); });
    });
    if (stampField) { stampField.addEventListener("change", preview); }
    if (centerField && centerField.tagName === "SELECT") { centerField.addEventListener("change", preview); }

    /* The appointment, from the server's calendar. */
    var appointment = $(".appointment", form);
    var previewSeq = 0;
    function preview() {
      if (!appointment) { return; }
      var params = new URLSearchParams({
        "case": currentCase(),
        "channel": currentChannel(),
        "center": centerField ? centerField.value : "",
        "postal_stamp_date": stampField ? stampField.value : ""
      });
      var seq = ++previewSeq;
      appointment.setAttribute("data-busy", "1");
      fetch(form.dataset.previewUrl + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (seq !== previewSeq) { return; }
          $("[data-appointment-text]", appointment).textContent = data.ok ? data.due_text : "—";
          $("[data-appointment-detail]", appointment).textContent = data.ok
            ? "Thời hạn " + data.time_limit
            : data.message;
        })
        .catch(function () {})
        .then(function () { if (seq === previewSeq) { appointment.removeAttribute("data-busy"); } });
    }

    /* Owner and representative sections. */
    $$("fieldset[data-toggle]", form).forEach(function (section) {
      var box = document.getElementById(section.dataset.toggle);
      if (!box) { return; }
      box.addEventListener("change", function () {
        section.hidden = !box.checked;
        if (box.checked) {
          var first = $("input[data-lookup]", section);
          if (first) { first.focus(); }
        }
        if (box.id === "id_has_owner") { refreshLookup(); }
      });
    });

    /* A returning applicant: typing a 12-digit identity number fills in what we know. */
    var lastLookup = {};
    var fillable = ["name", "birth_date", "address", "phone", "email"];
    function field(role, name) { return $("[name='" + role + "-" + name + "']", form); }
    function status(role, text, kind) {
      var el = $("[data-lookup-status='" + role + "']", form);
      if (!el) { return; }
      el.textContent = text;
      el.className = "lookup-status col-all " + (kind || "");
    }
    function ready(role) {
      var kind = field(role, "identity_kind");
      var number = field(role, "identity_number");
      var value = number ? number.value.replace(/\s+/g, "") : "";
      if (!value) { return null; }
      var k = kind ? kind.value : "citizen_id";
      if (k === "citizen_id" && !/^\d{12}$/.test(value)) { return null; }
      return { kind: k, number: value };
    }
    function setOffers(reuse) {
      $$(".component-row", form).forEach(function (row) {
        var wrap = $("[data-reuse]", row);
        var select = $("select", wrap);
        if (!select) { return; }
        var chosen = select.value;
        var offers = reuse[row.dataset.component] || [];
        while (select.options.length > 1) { select.remove(1); }
        offers.forEach(function (offer) {
          var option = new Option(offer.label, String(offer.id));
          option.selected = String(offer.id) === chosen;
          select.add(option);
        });
        wrap.hidden = offers.length === 0;
      });
    }
    function lookup(role, force) {
      var who = ready(role);
      if (!who) { return; }
      var key = who.kind + ":" + who.number + ":" + currentCase();
      if (!force && lastLookup[role] === key) { return; }
      lastLookup[role] = key;
      postForm(form.dataset.lookupUrl, form, {
        identity_kind: who.kind, identity_number: who.number, "case": currentCase()
      }).then(function (data) {
        if (lastLookup[role] !== key) { return; }
        if (!data.found) {
          status(role, "Chưa có trong hệ thống: nhập thông tin mới.", "new");
          fillable.forEach(function (name) {
            var input = field(role, name);
            if (input && input.dataset.autofilled) { input.value = ""; delete input.dataset.autofilled; }
          });
          if (role === principalRole()) { setOffers({}); }
          return;
        }
        var party = data.party;
        fillable.forEach(function (name) {
          var input = field(role, name);
          if (input && party[name] && (!input.value || input.dataset.autofilled)) {
            input.value = party[name];
            input.dataset.autofilled = "1";
          }
        });
        var kindField = field(role, "kind");
        if (kindField && party.kind) { kindField.value = party.kind; }
        var count = Object.keys(data.reuse || {}).length;
        status(role, "Đã giao dịch trước đây: " + party.name + ". Thông tin đã điền sẵn, hãy hỏi lại để xác nhận." +
          (count ? " Có giấy tờ tái sử dụng được." : ""), "found");
        if (role === principalRole()) { setOffers(data.reuse || {}); }
      }).catch(function () { lastLookup[role] = null; });
    }
    function refreshLookup() {
      var role = principalRole();
      if (ready(role)) { lookup(role, true); } else { setOffers({}); }
    }
    $$("input[data-lookup]", form).forEach(function (input) {
      var role = input.dataset.lookup;
      input.addEventListener("input", function () { lookup(role, false); });
      input.addEventListener("change", function () { lookup(role, false); });
      fillable.forEach(function (name) {
        var other = field(role, name);
        if (other) { other.addEventListener("input", function () { delete other.dataset.autofilled; }); }
      });
    });

    /* The electronic identity check, now (the dossier records the check made on receipt). */
    var identityButton = $("[data-identity-check]", form);
    if (identityButton) {
      identityButton.addEventListener("click", function () {
        var role = principalRole();
        var out = $("[data-identity-status]", form);
        var name = field(role, "name");
        out.textContent = "Đang kiểm tra…";
        out.className = "lookup-status";
        postForm(form.dataset.identityUrl, form, {
          identity_kind: (field(role, "identity_kind") || {}).value || "citizen_id",
          identity_number: (field(role, "identity_number") || {}).value || "",
          name: name ? name.value : ""
        }).then(function (data) {
          out.textContent = (data.verified ? "✔ " : "✖ ") + data.detail;
          out.className = "lookup-status " + (data.verified ? "found" : "bad");
        }).catch(function () { out.textContent = ""; });
      });
    }

    /* The checklist: counts or a file tick the row; arrows move between rows. */
    function receivedBoxes() {
      return $$(".checklist:not([hidden]) input[name$='-received']", form);
    }
    $$(".component-row", form).forEach(function (row) {
      var box = $("input[name$='-received']", row);
      $$("input.count", row).forEach(function (count) {
        count.addEventListener("input", function () { if (Number(count.value) > 0 && box) { box.checked = true; } });
      });
      var file = $("input[type=file]", row);
      if (file) { file.addEventListener("change", function () { if (file.files.length && box) { box.checked = true; } }); }
      if (box) {
        box.addEventListener("keydown", function (event) {
          if (event.key !== "ArrowDown" && event.key !== "ArrowUp") { return; }
          var boxes = receivedBoxes();
          var next = boxes[boxes.indexOf(box) + (event.key === "ArrowDown" ? 1 : -1)];
          if (next) { event.preventDefault(); next.focus(); }
        });
      }
    });
    var sectionKey = $("[data-focus-first-component]", form);
    if (sectionKey) {
      sectionKey.addEventListener("click", function (event) {
        event.preventDefault();
        var first = receivedBoxes()[0];
        if (first) { first.focus(); }
      });
    }

    /* Outcome panels: one open at a time; the supplement list starts with what is missing. */
    var supplement = $("#supplement-panel", form);
    var refusal = $("#refusal-panel", form);
    if (supplement) {
      supplement.addEventListener("toggle", function () {
        if (!supplement.open) { return; }
        if (refusal) { refusal.open = false; }
        var items = $$("[data-case]:not([hidden]) .missing-item", supplement);
        var ticked = items.some(function (label) { return $("input", label).checked; });
        if (!ticked) {
          items.forEach(function (label) {
            var row = $(".component-row[data-component='" + label.dataset.missingFor + "']", form);
            var received = row && $("input[name$='-received']", row);
            if (row && row.dataset.requirement === "required" && received && !received.checked) {
              $("input", label).checked = true;
            }
          });
        }
        var reason = $("textarea[name=supplement_reason]", supplement);
        if (reason) { reason.focus(); }
      });
    }
    if (refusal) {
      refusal.addEventListener("toggle", function () {
        if (!refusal.open) { return; }
        if (supplement) { supplement.open = false; }
        var reason = $("textarea[name=refusal_reason]", refusal);
        if (reason) { reason.focus(); }
      });
    }

    /* Where the officer starts: the first error, else the case or the identity number. */
    showCase();
    showPostal();
    var firstError = $$(".has-error input, .has-error select, .has-error textarea", form).filter(visible)[0];
    if (firstError) {
      firstError.focus();
    } else if (caseField && caseField.tagName === "SELECT") {
      caseField.focus();
    } else {
      var number = field("applicant", "identity_number");
      if (number) { number.focus(); }
    }
    if (ready(principalRole())) { lookup(principalRole(), true); }
  }

  /* --- The decision page: panels exclusive, focus in the open one ---------------------- */
  var decision = $("form.decision");
  if (decision) {
    var panels = $$("details.outcome-panel", decision);
    panels.forEach(function (panel) {
      panel.addEventListener("toggle", function () {
        if (!panel.open) { return; }
        panels.forEach(function (other) { if (other !== panel) { other.open = false; } });
        var target = $("textarea", panel);
        if (target) { target.focus(); }
      });
    });
  }
})();
