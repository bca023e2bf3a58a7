/* Taking a 102 call (admin/dispatch/incident/call_entry.html): the settlement type-ahead,
 * the open calls that may be the same event, the priority of the category, Enter to save
 * (from "What happened", the category or the priority; elsewhere Enter moves on, as Tab).
 * A static file: the Content-Security-Policy allows no inline script. Texts come from the
 * form's data-text-* attributes (translated by the template). */
(function () {
  "use strict";

  var form = document.getElementById("call-form");
  if (!form) return;
  var text = form.dataset;
  var place = document.getElementById("id_place");
  var settlement = document.getElementById("id_settlement");
  var options = document.getElementById("call-place-options");
  var picked = document.getElementById("call-picked");
  var phone = document.getElementById("id_caller_phone");
  var coordinates = document.getElementById("id_coordinates");
  var channel = document.getElementById("id_channel");
  var category = document.getElementById("id_category");
  var priority = document.getElementById("id_priority");
  var priorityNote = document.getElementById("call-priority-note");
  var description = document.getElementById("id_description");
  var firstKey = document.getElementById("id_first_key_ms");
  var save = document.getElementById("call-save");
  var nearbyList = document.getElementById("call-nearby-list");
  var nearbyEmpty = document.getElementById("call-nearby-empty");

  function debounce(fn, ms) {
    var timer = null;
    var debounced = function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
    debounced.now = function () { // what is waiting, at once
      clearTimeout(timer);
      fn();
    };
    return debounced;
  }

  function getJSON(url, params) {
    var query = new URLSearchParams(params).toString();
    return fetch(url + "?" + query, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(function (body) {
        return { ok: response.ok, body: body };
      });
    });
  }

  // Back with errors: the first field to correct has the focus, not the caller's name.
  var wrong = form.querySelector(".call-row.errors input, .call-row.errors select, .call-row.errors textarea");
  if (wrong) wrong.focus();

  // --- when the call came in: the first keystroke, on the page's own monotonic clock -------
  function noteFirstKey() {
    if (firstKey && firstKey.value === "") {
      firstKey.value = String(Math.round(performance.now()));
    }
  }
  form.addEventListener("keydown", noteFirstKey, { once: true });

  // --- settlement type-ahead ------------------------------------------------------------------
  var results = [];
  var active = -1;
  var searchSeq = 0;

  // A list with no option in it is read as nothing: "no settlement matches" is also said
  // here (a live region, present from the start). With options, the active one is read.
  var placeStatus = document.getElementById("call-place-status");
  function sayPlace(words) {
    if (placeStatus && placeStatus.textContent !== words) placeStatus.textContent = words;
  }

  function closeOptions() {
    options.hidden = true;
    sayPlace("");
    place.setAttribute("aria-expanded", "false");
    place.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function showActive() {
    var items = options.querySelectorAll("li[role=option]");
    items.forEach(function (li, i) {
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      li.classList.toggle("active", i === active);
    });
    if (active >= 0 && items[active]) {
      place.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }
  }

  function renderOptions() {
    options.textContent = "";
    sayPlace(results.length ? "" : text.textNoMatch);
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "call-option-none";
      none.textContent = text.textNoMatch;
      options.appendChild(none);
    }
    var typedAs = null;
    var typedAsLine = null;
    results.forEach(function (r, i) {
      // Found by the query read on the other keyboard layout ("frnjufq" is "актогай"): a
      // line says so above them, and each of them is read with it.
      if (r.typed_as && r.typed_as !== typedAs) {
        typedAs = r.typed_as;
        typedAsLine = document.createElement("li");
        typedAsLine.id = "call-place-typed-as-" + i;
        typedAsLine.className = "call-option-typed-as";
        typedAsLine.setAttribute("role", "presentation");
        typedAsLine.textContent = text.textTypedAs.replace("{name}", r.typed_as);
        typedAsLine.addEventListener("mousedown", function (event) {
          event.preventDefault(); // a line, not an option: the field keeps the focus
        });
        options.appendChild(typedAsLine);
      }
      var li = document.createElement("li");
      li.id = "call-place-option-" + i;
      li.setAttribute("role", "option");
      li.dataset.index = String(i);
      if (r.typed_as && typedAsLine) li.setAttribute("aria-describedby", typedAsLine.id);
      var name = document.createElement("strong");
      // A near miss of a misspelt or half-remembered name is offered as a question (and
      // read as one): the caller is asked before it is picked.
      name.textContent = r.approximate ? text.textDidYouMean.replace("{name}", r.label) : r.label;
      if (r.approximate) li.className = "call-option-approximate";
      var where = document.createElement("span");
      where.className = "call-option-district";
      where.textContent = r.district + " · " + r.kato;
      li.appendChild(name);
      li.appendChild(where);
      li.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep the focus in the field
        pick(i);
      });
      options.appendChild(li);
    });
    options.hidden = false;
    place.setAttribute("aria-expanded", "true");
    active = results.length ? 0 : -1;
    showActive();
  }

  // Enter pressed before the list came (a name typed at speed, Enter at once): the Enter
  // was for the settlement, not for saving half a call. It waits for the answer and picks
  // what the server would take typed but not picked (CallEntryForm._settlement_from_text):
  // the one settlement found, or the one called exactly that; else the list stays open
  // for ↓ and Enter. A near miss or another layout's reading is never picked unseen.
  var pickOnAnswer = false;

  function sureMatch() {
    var sure = results.filter(function (r) { return !r.approximate && !r.typed_as; });
    if (sure.length === 1) return results.indexOf(sure[0]);
    var named = sure.filter(function (r) { return r.exact; });
    return named.length === 1 ? results.indexOf(named[0]) : -1;
  }

  var search = debounce(function () {
    var q = place.value.trim();
    if (!q) {
      results = [];
      pickOnAnswer = false;
      closeOptions();
      return;
    }
    var seq = ++searchSeq;
    getJSON(text.searchUrl, { q: q }).then(function (answer) {
      if (seq !== searchSeq || document.activeElement !== place) return;
      results = answer.ok ? answer.body.results : [];
      renderOptions();
      if (pickOnAnswer) {
        pickOnAnswer = false;
        var sure = sureMatch();
        if (sure >= 0) pick(sure);
      }
    });
  }, 120);

  function pick(i) {
    var r = results[i];
    if (!r) return;
    settlement.value = String(r.id);
    place.value = r.label;
    picked.textContent = "✓ " + r.label + " — " + r.district + " (" + r.kato + ")";
    closeOptions();
    refreshNearby();
  }

  place.addEventListener("input", function () {
    pickOnAnswer = false; // typed on: the Enter was for what was there before
    if (settlement.value) {
      settlement.value = "";
      picked.textContent = "";
      refreshNearby();
    }
    search();
  });
  place.addEventListener("keydown", function (event) {
    var open = !options.hidden && results.length > 0;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!open) {
        search();
        return;
      }
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      active = (active + step + results.length) % results.length;
      showActive();
    } else if (event.key === "Enter" && open) {
      event.preventDefault(); // Enter picks here; the next Enter goes on to the landmark
      pick(active >= 0 ? active : 0);
    } else if (event.key === "Enter" && !settlement.value && place.value.trim()) {
      // A name and no settlement picked, the list not (yet) there — or saying that nothing
      // matches: saving now would only bring the form back with the settlement in error.
      event.preventDefault();
      pickOnAnswer = true;
      search.now();
    } else if (event.key === "Tab" && open && active >= 0) {
      pick(active); // and let Tab move on
    } else if (event.key === "Escape" && !options.hidden) {
      event.preventDefault();
      closeOptions();
    }
  });
  place.addEventListener("blur", function () {
    setTimeout(closeOptions, 150);
  });

  // --- open calls that may be the same event ---------------------------------------------
  function phoneDigits() {
    var digits = (phone.value || "").replace(/\D/g, "");
    if (digits.length === 11 && (digits[0] === "8" || digits[0] === "7")) digits = digits.slice(1);
    return digits;
  }

  function phoneLooksComplete() {
    var digits = phoneDigits();
    return digits.length === 10 && digits[0] === "7";
  }

  function coordinatesLookComplete() {
    return /^\s*[-+]?\d{1,3}([.,]\d+)?\s*([;,]\s*|\s+)[-+]?\d{1,3}([.,]\d+)?\s*$/.test(
      coordinates.value || "",
    );
  }

  var nearbySeq = 0;
  function renderNearby(rows) {
    nearbyList.textContent = "";
    nearbyEmpty.hidden = rows.length > 0;
    nearbyEmpty.textContent = text.textNearbyNone;
    rows.forEach(function (row) {
      var li = document.createElement("li");
      li.className = "call-nearby-item";
      var link = document.createElement("a");
      link.href = row.url;
      link.target = "_blank"; // the call being typed stays where it is
      link.rel = "noopener";
      link.textContent = row.number;
      var what = document.createElement("span");
      what.className = "call-nearby-what";
      what.textContent = " " + row.priority + " · " + row.category + " · " + row.status;
      var when = document.createElement("div");
      when.className = "call-nearby-when";
      when.textContent = row.received + " · " + row.place;
      var why = document.createElement("div");
      why.className = "call-nearby-why";
      why.textContent = row.reasons.join(", ");
      li.appendChild(link);
      li.appendChild(what);
      li.appendChild(when);
      li.appendChild(why);
      nearbyList.appendChild(li);
    });
    form.classList.toggle("has-nearby", rows.length > 0);
  }

  var refreshNearby = debounce(function () {
    var params = {};
    if (settlement.value) params.settlement = settlement.value;
    if (phoneLooksComplete()) params.phone = phone.value;
    if (coordinatesLookComplete()) params.coordinates = coordinates.value;
    if (!Object.keys(params).length) {
      nearbyList.textContent = "";
      form.classList.remove("has-nearby");
      return;
    }
    var seq = ++nearbySeq;
    getJSON(text.nearbyUrl, params).then(function (answer) {
      if (seq !== nearbySeq || !answer.ok) return;
      renderNearby(answer.body.incidents);
    });
  }, 250);

  phone.addEventListener("input", refreshNearby);
  // A number that is not yet a Kazakhstan one is said under the field as the officer leaves
  // it (a tooltip was seen only with a mouse, and never read out), while the caller is still
  // on the line to repeat it; the field reads it with its hint.
  var phoneWarning = document.getElementById("call-phone-warning");
  if (phoneWarning) {
    var describedBy = (phone.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    describedBy.push(phoneWarning.id);
    phone.setAttribute("aria-describedby", describedBy.join(" "));
  }
  phone.addEventListener("blur", function () {
    var digits = phoneDigits();
    var row = document.getElementById("row-caller_phone");
    var bad = digits.length > 0 && !phoneLooksComplete();
    row.classList.toggle("call-warning", bad);
    if (phoneWarning) {
      phoneWarning.textContent = bad ? "⚠ " + text.textPhoneFormat : "";
      phoneWarning.hidden = !bad;
    }
  });
  coordinates.addEventListener("input", refreshNearby);
  if (settlement.value || phoneLooksComplete()) refreshNearby();

  // --- the priority follows the channel and category until the officer changes it --------
  var defaults = JSON.parse(category.dataset.priorities || "{}");
  var priorityTouched = priority.value !== "";
  priority.addEventListener("change", function () {
    priorityTouched = true;
    priorityNote.textContent = "";
  });
  function defaultPriority() {
    var value = (defaults[channel.value] || {})[category.value];
    if (value && !priorityTouched) {
      priority.value = value;
      priorityNote.textContent = "(" + text.textDefaultPriority + ")";
    }
  }
  category.addEventListener("change", defaultPriority);
  channel.addEventListener("change", defaultPriority);

  // --- Enter saves, also from the description (Shift+Enter: a new line) ------------------
  description.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  // --- Enter in a one-line field moves on, as Tab; it never saves half a call -------------
  // The officer types name, Tab, phone, Tab… while the caller talks; an Enter in their place
  // was the browser's implicit submission: the half-typed call went to the server, and came
  // back in error with the focus elsewhere — or, the category and priority already set, was
  // saved with half a phone number or address. The settlement's own Enter (pick from the
  // list, or wait for it) is handled above and comes here only when it did nothing.
  function nextField(from) {
    var all = Array.prototype.filter.call(form.elements, function (el) {
      return el.type !== "hidden" && !el.disabled && el.tabIndex >= 0 && el.getClientRects().length > 0;
    });
    return all[all.indexOf(from) + 1] || null;
  }
  function moveOn(from) {
    var next = nextField(from);
    if (!next) return;
    next.focus();
    if (next.tagName === "INPUT" && typeof next.select === "function") next.select(); // as Tab
  }
  var BUTTONS = { submit: true, button: true, reset: true, image: true };
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.defaultPrevented || event.isComposing) return;
    var el = event.target;
    var plain = !(event.shiftKey || event.ctrlKey || event.altKey || event.metaKey);
    if (el === channel) {
      // The channel is set before the call is typed: Enter goes on to the caller.
      event.preventDefault();
      if (plain) moveOn(el);
    } else if (el.tagName === "SELECT") {
      // Enter on a closed list (category, priority) saves, as on "What happened".
      event.preventDefault();
      form.requestSubmit();
    } else if (el.tagName === "INPUT" && !BUTTONS[el.type]) {
      event.preventDefault();
      if (plain) moveOn(el);
    }
  });
  // --- a call typed while the server did not answer is not lost -------------------------
  // The form as typed is kept in this tab (sessionStorage) from the first key until the
  // call's page confirms it saved (incident.js drops the draft whose key the page names). A
  // save that got no answer — the server down, a failover — showed the browser's error page,
  // and the call was gone; back on "Take a call" the draft comes back into the form with its
  // own idempotency key: saving it again cannot make the call twice.
  var DRAFT = "kuzet.call-draft";
  var DRAFT_KEPT_MS = 2 * 3600 * 1000;
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "submit";
    });
  }
  function keepDraft() {
    var values = {};
    // a box by whether it is ticked (its value is "on" either way: a drill's call came back real)
    fields().forEach(function (el) { values[el.name] = el.type === "checkbox" ? el.checked : el.value; });
    try {
      sessionStorage.setItem(DRAFT, JSON.stringify({ at: Date.now(), values: values }));
    } catch (e) { /* storage full or off: the form still works */ }
  }
  function restoreDraft() {
    var draft = null;
    try { draft = JSON.parse(sessionStorage.getItem(DRAFT) || "null"); } catch (e) { draft = null; }
    if (!draft || !draft.values || Date.now() - draft.at > DRAFT_KEPT_MS) return;
    if (text.formBound) return; // the server answered with this form: what it shows is newer
    fields().forEach(function (el) {
      if (!Object.prototype.hasOwnProperty.call(draft.values, el.name)) return;
      if (el.type === "checkbox") el.checked = draft.values[el.name] === true;
      else el.value = draft.values[el.name];
    });
    // on the desk's clock (Kazakhstan), whatever the computer's own time zone
    var time = new Intl.DateTimeFormat("en-GB", {
      timeZone: text.timeZone || undefined, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).format(new Date(draft.at));
    var box = document.getElementById("call-draft");
    box.textContent = text.textDraftRestored.replace("{time}", time) + " ";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.textContent = text.textDraftDiscard;
    discard.addEventListener("click", function () {
      sessionStorage.removeItem(DRAFT);
      window.location.reload();
    });
    box.appendChild(discard);
    box.hidden = false;
    box.focus();
  }
  restoreDraft();
  form.addEventListener("input", keepDraft);
  form.addEventListener("change", keepDraft);

  form.addEventListener("submit", function () {
    keepDraft();
    // The hidden idempotency key makes a second submit harmless; this makes it visible.
    setTimeout(function () {
      save.disabled = true;
      save.textContent = text.textSaving;
    }, 0);
  });
})();
