"use strict";
// The live board (backend/realtime/board.py). Rows come rendered into the page and then as
// "rows" frames over /ws/board/v1/; alerts are kept on the server (backend/realtime/alerts.py)
// and read marks are per user. Every rule shown here (status groups, deadlines, presence,
// names of codes) comes from the server; this script only displays and counts the clock.
(function () {
  const data = (id) => JSON.parse(document.getElementById(id).textContent);
  const LIFECYCLE = data("board-lifecycle");
  const LABELS = data("board-labels");
  const TEXT = LABELS.text;
  const CONFIG = data("board-config");
  const PROJECTION = data("board-projection");
  const OPEN_ASSIGNMENTS = LIFECYCLE.assignment_open;
  const CLOSED_INCIDENTS = LIFECYCLE.incident_ended;
  const WAITING = ["received", "queued"];
  const PRIORITIES = Object.keys(LABELS.priority);
  const state = { incidents: new Map(), assignments: new Map(), units: new Map() };
  const alerts = new Map();
  const ALERTS_LISTED = CONFIG.alerts_listed; // how many the server lists (backend/realtime/alerts.py)
  let unreadBeyond = false;
  const recommendations = new Map();
  const divertibles = new Map(); // incident id → units on less urgent calls, when none is free
  const acrossBorder = new Map(); // incident id → another district's unit clearly sooner
  const fresh = new Set();
  // Assignment id → a message to its crew typed and not yet sent, with its idempotency key:
  // kept in the tab's sessionStorage, so that a reload between a lost answer and the resend
  // sends it again with the same key (a key in the page's memory died with the reload, and
  // the crew got the message twice). Per reader, as the server's keys are: another officer
  // signing in at this tab finds none. Where the storage is off, the page's memory.
  const drafts = {
    here: new Map(),
    name: (id) => "kuzet.board.draft." + CONFIG.reader + "." + id,
    get(id) {
      try {
        const kept = sessionStorage.getItem(this.name(id));
        if (kept !== null) return JSON.parse(kept);
      } catch (error) { /* storage off or unreadable: the page's memory */ }
      return this.here.get(id);
    },
    set(id, draft) {
      this.here.set(id, draft);
      try { sessionStorage.setItem(this.name(id), JSON.stringify(draft)); } catch (error) { /* this page only */ }
    },
    delete(id) {
      this.here.delete(id);
      try { sessionStorage.removeItem(this.name(id)); } catch (error) { /* nothing kept */ }
    },
  };
  let skew = 0; // server clock − this browser's clock, ms
  const SOS_ACKNOWLEDGED_SHOWN_MS = 60000;

  // --- formatting: the district's local time, the date when not today; m:ss / h:mm:ss ------
  const dayFormat = new Intl.DateTimeFormat("en-GB", { timeZone: CONFIG.time_zone, year: "numeric", month: "2-digit", day: "2-digit" });
  const timeFormat = new Intl.DateTimeFormat("en-GB", { timeZone: CONFIG.time_zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  const now = () => Date.now() + skew;
  function when(ms) {
    if (ms === null || ms === undefined) return "";
    const day = dayFormat.format(ms).replaceAll("/", ".");
    const today = dayFormat.format(now()).replaceAll("/", ".");
    return (day === today ? "" : day + " ") + timeFormat.format(ms);
  }
  function duration(ms) {
    if (ms === null || ms === undefined) return "";
    const sign = ms < 0 ? "−" : "";
    let s = Math.floor(Math.abs(ms) / 1000);
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    const ss = String(s).padStart(2, "0");
    return sign + (h ? h + ":" + String(m).padStart(2, "0") + ":" + ss : m + ":" + ss);
  }
  const label = (table, code) => (LABELS[table] && LABELS[table][code]) || code || "";
  const url = (name, id) => CONFIG.urls[name].replace("/0/", "/" + id + "/");
  // A message with named parts, as gettext writes them: "%(km)s km %(direction)s of %(place)s",
  // "%(hours)s h %(minutes)02d min".
  const fmt = (template, values) => template.replace(/%\((\w+)\)(s|02d)/g,
    (_, k, f) => (f === "02d" ? String(values[k] ?? 0).padStart(2, "0") : (values[k] ?? "")));
  // How long ago, in words, as the server writes it (formatting.span_text): "45 s", "17 min",
  // "2 h 05 min", "3 d 4 h" — a unit's silence or its position's age as "29:44:27" read like
  // a time of day beside the clock.
  function span(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return fmt(TEXT.span_s, { n: s });
    const m = Math.floor(s / 60);
    if (m < 60) return fmt(TEXT.span_min, { n: m });
    const h = Math.floor(m / 60);
    if (h < 48) return fmt(TEXT.span_h, { hours: h, minutes: m % 60 });
    return fmt(TEXT.span_d, { days: Math.floor(h / 24), hours: h % 24 });
  }
  // One decimal with the reader's mark: "3,1" in Kazakh and Russian, "3.1" in English (the
  // browser's Intl spoke English for "kk").
  const decimal = (value) => (Math.round(value * 10) / 10).toString().replace(".", TEXT.decimal_mark);
  const placeName = (name, nameKk) => (CONFIG.kazakh_place_names && nameKk) || name || "";

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }
  const cell = (content, cls) => el("td", { class: cls }, content === null || content === undefined ? "" : content);
  // A running clock: the tick rewrites it every second (data-since, data-until, data-due).
  // With `allowed` it reads "taken / allowed" ("3:12 / 5:00", "✓ 4:05 / 5:00" once done): a
  // bare "3:12" beside a deadline was read as a countdown.
  // With `words` it reads how long ago in words (a unit's last contact, its position's age).
  function timer(since, until, due, allowed, words) {
    return el("td", { class: "timer", "data-since": since, "data-until": until, "data-due": due,
      "data-allowed": allowed ? "" : null, "data-words": words ? "" : null, title: allowed ? TEXT.timer_allowed : null });
  }
  let shownDay = null; // the day the board's times were written on (when(): today's undated)
  function tick() {
    const t = now();
    // the header's clock always names the day: a night shift crosses midnight
    const day = dayFormat.format(t);
    document.getElementById("clock").textContent = day.replaceAll("/", ".") + " " + timeFormat.format(t);
    // Past midnight yesterday's times take their date: written before it, a call of 23:50
    // still read "23:50:00" beside one of 00:10 until something changed its row (the alerts'
    // list, on a quiet night, until the next alert). The day is noted first: a redraw ticks.
    const dayChanged = shownDay !== null && day !== shownDay;
    shownDay = day;
    if (dayChanged) { render(); renderAlerts(); }
    for (const td of document.querySelectorAll("td.timer")) {
      const since = Number(td.dataset.since);
      if (!td.dataset.since) { td.textContent = ""; continue; }
      const until = td.dataset.until ? Number(td.dataset.until) : t;
      const due = td.dataset.due ? Number(td.dataset.due) : null;
      // A call's wait past an hour in words ("1 h 05 min"): "1:05:43" beside "12:21:00"
      // read like a time of day, and its seconds no longer matter.
      const inWords = td.dataset.words !== undefined
        || (td.dataset.allowed === undefined && until - since >= 3600000);
      // in words, each number keeps its unit when the column is short: "22 h" over
      // "46 min", never "22" over "h" (board.css: td.timer.words)
      td.textContent = inWords ? span(until - since).replace(/(\d) /g, "$1\u00a0")
        : (td.dataset.until && td.dataset.allowed !== undefined ? "✓ " : "")
        + duration(until - since)
        + (due !== null && td.dataset.allowed !== undefined ? " / " + duration(Math.round((due - since) / 1000) * 1000) : "");
      td.classList.toggle("overdue", due !== null && until > due);
      td.classList.toggle("words", inWords);
    }
    for (const tr of document.querySelectorAll("#incidents tr")) {
      tr.classList.toggle("overdue-row", tr.querySelector(".overdue") !== null || incidentOverdue(Number(tr.dataset.id), t));
    }
  }

  // --- rows ---------------------------------------------------------------------------------
  function upsert(table, rows) {
    for (const row of rows || []) {
      const keep = table === "incidents" ? !CLOSED_INCIDENTS.includes(row.status)
        : table === "assignments" ? OPEN_ASSIGNMENTS.includes(row.status) : true;
      if (keep) state[table].set(row.id, row); else state[table].delete(row.id);
      fresh.add(table + ":" + row.id);
    }
  }
  // The server's order (board.urgency_key): priority, waiting before staffed, longest wait.
  function urgency(a, b) {
    const rank = (r) => { const i = PRIORITIES.indexOf(r.priority); return i < 0 ? 99 : i; };
    return rank(a) - rank(b) || (WAITING.includes(a.status) ? 0 : 1) - (WAITING.includes(b.status) ? 0 : 1)
      || a.received_at - b.received_at;
  }
  function openAssignments(incidentId) {
    return [...state.assignments.values()].filter((a) => a.incident_id === incidentId);
  }
  // Answered: acknowledged, or a milestone past it — an officer who tapped "en route" (or a
  // report on his behalf, "on scene") without acknowledging first answered then, as the
  // server's ladder reads it; the board kept his acknowledgement clock running red.
  const ANSWERED = ["acknowledged", "en_route", "on_scene", "transporting", "cleared"];
  function answeredAt(a) {
    const times = [a.acknowledged_at, a.en_route_at, a.on_scene_at].filter(Number.isFinite);
    return times.length ? Math.min(...times) : null;
  }
  function answered(a) { return answeredAt(a) !== null || ANSWERED.includes(a.status); }
  function reached(a) { return Number.isFinite(a.on_scene_at) || ["on_scene", "transporting", "cleared"].includes(a.status); }
  function incidentOverdue(id, t) {
    const inc = state.incidents.get(id);
    if (!inc) return false;
    if (WAITING.includes(inc.status) && inc.dispatch_due_at && t > inc.dispatch_due_at) return true;
    return openAssignments(id).some((a) => (!answered(a) && a.ack_due_at && t > a.ack_due_at)
      || (!reached(a) && a.arrive_due_at && t > a.arrive_due_at));
  }
  // The console opens in a window of its own, one for every link of the board (a call, Take a
  // call, Console): the board stays on its screen, live and ringing.
  const CONSOLE_WINDOW = "kuzet-console";
  // This window is the board's, even when the board was opened in the console's own window
  // (typed, or from a bookmark): its links must not navigate the board away.
  window.name = "kuzet-board";
  // A call of a district outside the reader's scope is named, not linked: its page is not
  // theirs — unless a unit of theirs is on it (sent across the border: the server's
  // selectors.units_across_border), whose desk answers for its crew: then the link opens the
  // call's page read-only (access.incident_lent_to), marked "lent-link".
  function ours(districtId) { return CONFIG.districts === null || CONFIG.districts.includes(districtId); }
  function incidentLink(id, number, districtId, unitDistrictId) {
    const lent = districtId !== undefined && !ours(districtId) && unitDistrictId !== undefined && ours(unitDistrictId);
    if (districtId !== undefined && !ours(districtId) && !lent) return el("span", { class: "incident-number" }, number || String(id));
    return el("a", { href: url("incident", id), class: lent ? "incident-link lent-link" : "incident-link", target: CONSOLE_WINDOW }, number || String(id));
  }

  function incidentActions(r) {
    const td = el("td", { class: "actions" });
    if (!CONFIG.can_act) return td;
    const rec = recommendations.get(r.id);
    if (WAITING.includes(r.status) || r.status === "assigned") {
      if (rec === undefined) {
        // A call with its unit on the way may want a second one: said so ("Nearest unit" beside
        // "Assigned · A-PC1" read as if the first had not been sent).
        td.append(el("button", { type: "button", class: "recommend", onclick: () => recommend(r.id) },
          WAITING.includes(r.status) ? TEXT.nearest : TEXT.another_unit));
      } else if (rec.length === 0) {
        td.append(el("span", { class: "warn" }, TEXT.no_unit));
        // ... but units on less urgent calls could be taken off them: the call's panel offers
        // them ("Divert here"), in the console's window.
        const divertible = divertibles.get(r.id) || 0;
        if (divertible) {
          td.append(" ", el("a", { href: url("incident", r.id) + "#kuzet-divert", class: "divert-link", target: CONSOLE_WINDOW },
            fmt(TEXT.divert_offer, { n: divertible })));
        }
      } else {
        const u = rec[0];
        const facts = [u.road_km !== null ? decimal(u.road_km) + " " + TEXT.km : null, u.eta_s !== null ? "≈" + span(u.eta_s * 1000) : null].filter(Boolean).join(" · ");
        const warnings = [u.presence === "unreachable" ? TEXT.unreachable_warning : null, u.stale ? TEXT.stale_warning : null].filter(Boolean).join(", ");
        td.append(el("button", { type: "button", class: warnings ? "dispatch" : "dispatch primary",
          onclick: (e) => post(e.target, url("dispatch", r.id), { unit_id: u.unit_id }, () => recommendations.delete(r.id)) },
        TEXT.send + " " + u.callsign + (facts ? " · " + facts : "")));
        if (warnings) td.append(" ", el("span", { class: "warn" }, "⚠ " + warnings));
        // Ranked before a nearer unit (a DV inspector kept for its own work, say): the reason,
        // the call page's sentence on hover — else a farther unit first looks like a mistake.
        if (u.ranked_for_short) td.append(el("span", { class: "ranked-for", title: u.ranked_for_text || null }, u.ranked_for_short));
      }
      // A unit of another district clearly sooner: named, to the call's panel (which sends it
      // for a desk whose scope covers its district, and says whom to ask to the others).
      const across = rec !== undefined ? acrossBorder.get(r.id) || [] : [];
      if (across.length) {
        td.append(" ", el("a", { href: url("incident", r.id) + "#kuzet-across-border", class: "across-link", target: CONSOLE_WINDOW },
          fmt(TEXT.across_offer, { unit: across[0].callsign, time: span(across[0].eta_s * 1000) })));
      }
    }
    td.append(" ", el("button", { type: "button", class: "cancel danger", onclick: (e) => {
      const reason = window.prompt(TEXT.cancel_reason, "");
      if (reason && reason.trim()) post(e.target, url("cancel", r.id), { reason: reason.trim() });
    } }, TEXT.cancel));
    return td;
  }

  // --- the keyboard's place survives a redraw -------------------------------------------------
  // Rows and banners are rebuilt (replaceChildren) on every frame and every 15 s: the focused
  // button went with them and the focus fell to <body> — a keyboard user's "Send" or
  // "Acknowledge" gone from under the finger. The last control focused in a table or a banner
  // is remembered by its container, its row's or banner's id and its class; after a redraw
  // that dropped the focus, that control — or what took its place in the row ("Send" for
  // "Nearest unit", "Send another unit" after a send) — gets it back. A click on nothing
  // focusable forgets it.
  const HOLDERS = "#incidents, #assignments, #units, #sos";
  const TOOK_ITS_PLACE = { recommend: ["dispatch"], dispatch: ["recommend"] };
  let focusPlace = null;
  function placeOf(node) {
    const holder = node && node.closest ? node.closest(HOLDERS) : null;
    if (!holder) return null;
    const row = node.closest("[data-id]");
    return { holder: holder.id, id: row && holder.contains(row) ? row.dataset.id : null, cls: node.classList[0] || "" };
  }
  document.addEventListener("focusin", (e) => { focusPlace = placeOf(e.target); });
  document.addEventListener("pointerdown", (e) => {
    if (!e.target.closest || !e.target.closest("button, a[href], input, select, textarea")) focusPlace = null;
  });
  function keepFocus(redraw) {
    const place = focusPlace;
    redraw();
    const lost = !document.activeElement || document.activeElement === document.body;
    if (!place || !lost) return;
    const holder = document.getElementById(place.holder);
    const row = place.id === null ? holder : holder && holder.querySelector('[data-id="' + CSS.escape(place.id) + '"]');
    if (!row) return;
    for (const cls of [place.cls, ...(TOOK_ITS_PLACE[place.cls] || [])].filter(Boolean)) {
      const found = row.querySelector("." + CSS.escape(cls) + ":not([disabled])");
      if (found) { found.focus(); return; }
    }
    const any = row.querySelector("button:not([disabled]), a[href]");
    if (any) any.focus();
  }

  // The desk's latest message to the crew: read (when, by whom; "by SMS" when the receipt
  // was the officer's SMS reply), or sent — by SMS too (selectors.desk_messages).
  function messageState(m) {
    if (m.read_at) {
      const said = m.read_by_sms ? TEXT.message_read_sms : TEXT.message_read;
      return el("span", { class: "message-state read" }, fmt(said, { time: when(m.read_at), officer: m.read_by || "" }));
    }
    return el("span", { class: "message-state" }, fmt(m.by_sms ? TEXT.message_sent_sms : TEXT.message_sent, { time: when(m.sent_at) }));
  }
  // A training call (the server's Incident.exercise: a drill, the live demo's) carries the
  // word beside its number — on its row, its crew's row and each of its alerts — so that no
  // duty officer takes it for a real emergency, nor a real one for the demo's. (Not from a
  // server older than this script, whose labels lack the word.)
  function exerciseBadge() { return el("span", { class: "exercise-badge" }, TEXT.exercise); }
  function withExercise(r, node) {
    if (!r.exercise || !TEXT.exercise) return node;
    return el("span", {}, node, " ", exerciseBadge());
  }
  function render() { keepFocus(redrawTables); }
  function redrawTables() {
    const body = (id, rows, build) => {
      const tbody = document.getElementById(id);
      tbody.replaceChildren(...rows.map((row) => {
        const tr = build(row);
        tr.dataset.id = row.id;
        if (fresh.has(id + ":" + row.id)) tr.classList.add("flash");
        return tr;
      }));
    };
    body("incidents", [...state.incidents.values()].sort(urgency), (r) => {
      const waiting = WAITING.includes(r.status);
      const sent = openAssignments(r.id);
      const firstScene = Math.min(...sent.map((a) => a.on_scene_at || Infinity));
      // which units are on it, beside its status: three calls at once were followed by
      // matching numbers against the assignments below the fold
      const units = sent.map((a) => a.callsign).join(", ");
      return el("tr", { class: r.exercise ? "incident exercise" : "incident" },
        cell(withExercise(r, incidentLink(r.id, r.number))), cell(r.priority, r.priority),
        cell(label("category", r.category), "category"),
        cell(label("incident_status", r.status) + (units ? " · " + units : ""), "status"),
        cell((CONFIG.kazakh_place_names && r.settlement_kk) || r.settlement || r.landmark, "place"),
        cell(when(r.received_at), "received"),
        // waiting: from the call until a unit is on scene (the response time, running)
        timer(r.received_at, Number.isFinite(firstScene) ? firstScene : null, waiting ? r.dispatch_due_at : null),
        // a DV or restricted call's summary is read on its page (the server's "withheld"; not
        // from a server older than this script): a blank cell read as a caller who said nothing
        r.withheld && TEXT.withheld ? cell(TEXT.withheld, "summary withheld") : cell(r.summary, "summary"),
        incidentActions(r));
    });
    body("assignments", [...state.assignments.values()].sort((a, b) => b.dispatched_at - a.dispatched_at), (r) => {
      const actions = el("td", { class: "actions" });
      if (CONFIG.can_act && !answered(r) && ours(r.district_id)) {
        // Recorded on the officer's behalf, with the channel the answer came on.
        actions.append(TEXT.ack);
        for (const [channel, name] of Object.entries(LABELS.ack_channel)) {
          actions.append(" ", el("button", { type: "button", class: "ack", "data-channel": channel,
            onclick: (e) => post(e.target, url("assignment_ack", r.id), { channel }) }, name));
        }
      }
      if (CONFIG.can_act && ours(r.district_id)) {
        // What the caller said since, for the crew on its way ("he has a knife now").
        actions.append(" ", el("button", { type: "button", class: "message", "aria-label": fmt(TEXT.message_to, { unit: r.callsign }),
          onclick: (e) => {
            // What was typed comes back into the box until it is sent: a message refused (too
            // long) or unanswered was lost with the prompt, to be typed again while the crew
            // drove on.
            // One idempotency key per draft, kept until the server answers it or the draft is
            // dropped: a message whose answer was lost, sent again, is the same message (each
            // click had its own key, and the crew got it twice) — after a reload too (drafts).
            // Another text is another one.
            const draft = drafts.get(r.id);
            const text = window.prompt(fmt(TEXT.message_prompt, { unit: r.callsign, number: r.incident_number }), draft ? draft.text : "");
            if (text === null) return; // Esc: kept for the next time
            if (!text.trim()) { drafts.delete(r.id); return; } // emptied: dropped
            const sending = draft && draft.key && draft.text === text ? draft : { text, key: newKey() };
            drafts.set(r.id, sending);
            e.target.dataset.key = sending.key;
            post(e.target, url("assignment_message", r.id), { text }, () => drafts.delete(r.id))
              .then(() => {
                // refused (too long): nothing was sent, the text comes back with a new key
                const kept = drafts.get(r.id);
                if (!e.target.dataset.key && kept && kept.key === sending.key) drafts.set(r.id, { text });
              });
          } }, TEXT.message));
      }
      if (r.message) actions.append(" ", messageState(r.message));
      return el("tr", { class: r.exercise ? "exercise" : undefined },
        cell(withExercise(r, incidentLink(r.incident_id, r.incident_number, r.district_id, r.unit_district_id)),
          ours(r.district_id) ? undefined : "other-district"),
        cell(r.callsign + (ours(r.district_id) ? "" : " · " + TEXT.other_district)),
        cell(label("assignment_status", r.status), "status"), cell(when(r.dispatched_at)),
        timer(r.dispatched_at, answered(r) ? (answeredAt(r) ?? r.dispatched_at) : null, r.ack_due_at, true),
        timer(r.dispatched_at, r.on_scene_at, r.arrive_due_at, true), actions);
    });
    const staleMs = CONFIG.position_stale_minutes * 60000;
    body("units", [...state.units.values()].sort((a, b) => a.callsign.localeCompare(b.callsign)), (r) => {
      // Last heard other than by its phone's sync (a milestone recorded on the crew's behalf,
      // by any district's desk: radio, phone, in person; an officer's SMS reply): said so, and
      // not "silent" — its phone's app is, the crew is not (services.units.unit_heard).
      const heardBy = r.presence !== "unreachable" ? LABELS.heard_via[r.last_contact_via] : undefined;
      const silent = r.presence !== "unreachable" && !heardBy && (!r.position_at || now() - r.position_at > staleMs);
      const presence = cell(label("unit_status", r.presence) + (heardBy ? " · " + heardBy : silent ? " · " + TEXT.silent : ""), "presence");
      // A unit in SOS keeps the desk's buttons here once the banner has gone (acknowledged).
      if (r.status === "sos") presence.append(el("span", { class: "actions sos-actions" }, ...sosActions(latestSos(r.id), r.id)));
      const tr = el("tr", { class: r.presence === "unreachable" || r.presence === "sos" ? r.presence : silent ? "silent" : "" },
        cell(r.callsign), presence,
        r.last_contact_at ? timer(r.last_contact_at, null, null, false, true) : cell(TEXT.never),
        r.position_at ? timer(r.position_at, null, r.position_at + staleMs, false, true) : cell(TEXT.never));
      tr.title = label("unit_type", r.type);
      return tr;
    });
    fresh.clear();
    drawMap();
    tick();
  }

  // --- the map: Kuzet's settlements are drawn by the server; calls and units here ----------
  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function point(lat, lon) {
    if (!PROJECTION || lat === null || lat === undefined || lon === null || lon === undefined) return null;
    // Web Mercator, as board.py's board_map: world pixels, then the frame's offset and scale.
    const phi = (Math.max(-85, Math.min(85, lat)) * Math.PI) / 180;
    const x = ((lon + 180) / 360) * PROJECTION.world;
    const y = ((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * PROJECTION.world;
    return [(x - PROJECTION.x0) * PROJECTION.scale, (y - PROJECTION.y0) * PROJECTION.scale];
  }
  function drawMap() {
    const incidentsLayer = document.getElementById("map-incidents");
    const unitsLayer = document.getElementById("map-units");
    if (!incidentsLayer || !unitsLayer) return;
    // Most urgent first: where labels crowd, theirs are placed first (declutter).
    incidentsLayer.replaceChildren(...[...state.incidents.values()].sort(urgency).flatMap((r) => {
      const p = point(r.lat ?? r.settlement_lat, r.lon ?? r.settlement_lon);
      if (!p) return [];
      const g = svg("g", { class: "incident " + r.priority, "data-id": r.id });
      g.append(svg("title", {}, r.number + " · " + label("category", r.category) + " · " + label("incident_status", r.status)),
        svg("circle", { cx: p[0], cy: p[1], r: 16 }), svg("text", { class: "label", x: p[0], y: p[1] }, r.number));
      return [g];
    }));
    const t = now();
    unitsLayer.replaceChildren(...[...state.units.values()].flatMap((r) => {
      const p = point(r.lat, r.lon);
      if (!p) return [];
      const age = r.position_at ? span(t - r.position_at) : TEXT.never;
      const g = svg("g", { class: "unit " + r.presence, "data-id": r.id });
      g.append(svg("title", {}, r.callsign + " · " + label("unit_status", r.presence) + " · " + age),
        svg("rect", { x: p[0] - 13, y: p[1] - 13, width: 26, height: 26 }), svg("text", { class: "label", x: p[0], y: p[1] }, r.callsign));
      return [g];
    }));
    declutter(document.getElementById("map"));
  }
  // A label goes beside its marker, inside the map, where it covers no other label and no call
  // or unit: calls (most urgent first), then units, then the settlements' names each try the
  // four corners around their point, then above and below it; a label with no free corner is hidden — its marker still
  // names it on hover, and the tables list every call and unit. (An oblast's board puts a
  // district's crews and calls in one town: drawn as they came, their names covered one
  // another.)
  const CORNERS = [[1, -1], [1, 1], [-1, -1], [-1, 1], [0, -1], [0, 1]];
  const LABEL_GAP = 18;
  function declutter(map) {
    const taken = [...map.querySelectorAll("#map-incidents circle, #map-units rect")].map((m) => m.getBBox());
    const frame = map.viewBox.baseVal;  // a name running past the map's edge is cut off
    const inside = (b) => b.x >= 0 && b.y >= 0 && b.x + b.width <= frame.width && b.y + b.height <= frame.height;
    const free = (b) => inside(b) && taken.every((o) => b.x + b.width <= o.x || o.x + o.width <= b.x || b.y + b.height <= o.y || o.y + o.height <= b.y);
    const labels = ["#map-incidents text", "#map-units text", "#map-settlements text"]
      .flatMap((layer) => [...map.querySelectorAll(layer)]);  // in this order, not the page's
    for (const text of labels) {
      // the marker's point: the settlements' names are drawn by the server at their point
      const cx = Number(text.getAttribute("x")), cy = Number(text.getAttribute("y"));
      text.removeAttribute("dx");
      text.removeAttribute("dy");
      text.setAttribute("text-anchor", "start");
      text.setAttribute("visibility", "visible");
      const size = text.getBBox();
      const ascent = size.height * 0.8;
      const spot = CORNERS.map(([sx, sy]) => ({
        sx, sy,
        box: {
          x: sx > 0 ? cx + LABEL_GAP : sx < 0 ? cx - LABEL_GAP - size.width : cx - size.width / 2,
          y: sy < 0 ? cy - LABEL_GAP - size.height : cy + LABEL_GAP,
          width: size.width, height: size.height,
        },
      })).find((c) => free(c.box));
      if (!spot) { text.setAttribute("visibility", "hidden"); continue; }
      text.setAttribute("text-anchor", spot.sx > 0 ? "start" : spot.sx < 0 ? "end" : "middle");
      text.setAttribute("dx", spot.sx * LABEL_GAP);
      text.setAttribute("dy", spot.sy < 0 ? -LABEL_GAP - (size.height - ascent) : LABEL_GAP + ascent);
      taken.push(spot.box);
    }
  }

  // --- alerts and the SOS banner ------------------------------------------------------------
  // A milestone heard this long after it happened says when it happened (a phone catching up).
  const LATE_MS = 60000;
  function alertText(a) {
    const parts = [];
    if (a.callsign) parts.push(a.callsign);
    if (a.kind === "sos" && a.officer_name) parts.push(a.officer_name);
    if (a.kind === "sos" || a.kind === "sos_position") parts.push(sosWhere(a.position));
    if (a.kind === "unit_unreachable" && a.silence) parts.push(...silenceWords(a));
    if (a.category) parts.push(label("category", a.category));
    // What the crew reported, not the assignment's status by the time it was heard: a phone
    // catching up syncs its ack, arrival and clearance at once, and all three read "Cleared".
    if (a.milestone) parts.push(label("event_kind", a.milestone) || label("assignment_status", a.status));
    // ...and when it happened, if that was a minute or more before the board heard it (the
    // server's estimate from the phone's clocks): "On scene · happened at 18:37:02". (Not from
    // a server older than this script, whose labels lack the words: the alerts went blank.)
    if (a.milestone && a.estimated_at && a.server_time - a.estimated_at >= LATE_MS && TEXT.happened_at) parts.push(fmt(TEXT.happened_at, { time: when(a.estimated_at) }));
    if (a.kind === "incident.created" && a.channel) parts.push(label("channel", a.channel));
    if (a.duplicate_of_number) parts.push("→ " + a.duplicate_of_number);
    if (a.kind === "incident.reclassified") {
      if (a.previous_category && a.previous_category !== a.category) parts.push(label("category", a.previous_category) + " → " + label("category", a.category));
      if (a.previous_priority && a.previous_priority !== a.priority) parts.push(a.previous_priority + " → " + a.priority);
    }
    if (a.kind === "crew_note" && a.text) parts.push("«" + a.text + "»");
    // in words, as a unit's silence: "waited 13:00" read as a time of day beside the alert's
    if (a.kind === "incident.waiting_overdue" && a.waited_s) parts.push(TEXT.waited + " " + span(a.waited_s * 1000));
    if (a.kind === "unit.safety_check" && a.silent_since) parts.push(fmt(TEXT.safety_since_silent, { time: when(a.silent_since), age: span(a.silent_s * 1000) }));
    if (a.across_border) parts.push(fmt(TEXT.across_border, { place: (CONFIG.kazakh_place_names && a.settlement_kk) || a.settlement || "—" }));
    if (a.actor) parts.push(TEXT.by + " " + a.actor);
    if (a.kind === "unit.safety_checked" && a.by_crew) parts.push(crewHeard(a));
    if (a.acknowledged_at && (a.acknowledged_by || a.by_crew)) parts.push(answeredBy(a) + " " + when(a.acknowledged_at));
    return parts.join(" · ");
  }
  // A unit gone silent, as the server judged it (presence.unit_silence): where it was last
  // heard and that place's coverage, the call in a white spot it is on, and — once heard
  // again — when it came back: "last heard 18:02 · in Караколь (no mobile coverage) · back
  // 18:40 after 38 min".
  function silenceWords(a) {
    const parts = [fmt(TEXT.last_heard, { time: a.last_contact_at ? when(a.last_contact_at) : TEXT.never })];
    const p = a.last_heard_place;
    if (p) {
      const name = placeName(p.name, p.name_kk);
      parts.push((p.inside ? fmt(TEXT.sos_place_in, { place: name })
        : fmt(TEXT.sos_place_near, { km: decimal(p.km), direction: LABELS.compass[p.direction] || p.direction, place: name }))
        + " (" + label("coverage", p.coverage) + ")");
    } else parts.push(TEXT.sos_position_unknown);
    const c = a.white_spot_call;
    if (c) parts.push(fmt(TEXT.white_spot_call, { number: c.incident_number, place: placeName(c.name, c.name_kk) }) + " (" + label("coverage", c.coverage) + ")");
    if (a.back_at) parts.push(fmt(TEXT.silence_back, { time: when(a.back_at), span: span(a.back_at - (a.last_contact_at || a.back_at)) }));
    else if (a.silence === "alarm") parts.push(TEXT.safety_raise); // silent in coverage: check on the crew
    return parts;
  }
  // The alerts of a silence: quiet where it was expected, an alarm where it was not, settled
  // once the unit was heard again.
  const quiet = (a) => (a.kind === "unit_unreachable" || a.kind === "unit_reachable") && a.silence === "expected";
  const silenceClass = (a) => a.kind !== "unit_unreachable" || !a.silence ? null
    : a.back_at ? "settled" : a.silence === "expected" ? "quiet" : "alarm";
  // "Reachable again" folded into the unreachable line it settled, when that is listed.
  const folded = (a) => a.kind === "unit_reachable" && a.unreachable_alert_id && alerts.has(a.unreachable_alert_id);
  // An officer-safety check the crew answered by its own word (services/safety.py).
  const crewHeard = (a) => fmt(TEXT.safety_heard, { what: label("event_kind", a.word_kind) });
  // Who answered an alert: the SOS's or the check's duty officer, or the crew's own word (the
  // server marks a check's alert so: alerts.alerts_record, its frame has no officer's name).
  const answeredBy = (a) => a.kind !== "unit.safety_check" ? TEXT.acknowledged_by + " " + (a.acknowledged_by || "")
    : a.by_crew ? (a.acknowledged_by || crewHeard(a)) : TEXT.safety_checked + " " + (a.acknowledged_by || "");
  function renderAlerts() {
    const list = document.getElementById("alerts");
    const sorted = [...alerts.values()].filter((a) => !folded(a))
      .sort((a, b) => b.server_time - a.server_time || b.alert_id - a.alert_id);
    const items = sorted.slice(0, ALERTS_LISTED);
    list.replaceChildren(...items.map((a) => {
      const family = a.kind.split(".")[0];
      const li = el("li", { class: [a.read ? "read" : "unread", a.kind.replaceAll(".", "-"), family, silenceClass(a)].filter(Boolean).join(" "), "data-id": a.alert_id,
        onclick: () => markRead([a.alert_id]) },
      el("span", { class: "when" }, when(a.server_time)), el("span", { class: "kind" }, label("alert", a.kind)), " ");
      if (a.exercise && TEXT.exercise) li.append(exerciseBadge(), " ");
      // an alert of a unit sent across the border is about this board's own unit (its district_id)
      if (a.incident_id) {
        li.append(a.lent ? incidentLink(a.incident_id, a.incident_number, a.incident_district_id, a.unit_district_id)
          : incidentLink(a.incident_id, a.incident_number, a.across_border ? a.incident_district_id : undefined, a.district_id), " ");
      }
      li.append(alertText(a));
      return li;
    }));
    // Silences in white spots are counted apart: they are no news, the crew will catch up.
    const unread = items.filter((a) => !a.read && a.alert_id && !quiet(a)).length;
    // More unread than the list shows (kept on the server, or pushed off it): "100+".
    const beyond = unreadBeyond || sorted.slice(ALERTS_LISTED).some((a) => !a.read && a.alert_id && !quiet(a));
    const count = unread ? unread + (beyond ? "+" : "") : "";
    document.getElementById("unread").textContent = count && count + " " + TEXT.unread;
    const silent = new Set(items.filter((a) => silenceClass(a) === "quiet").map((a) => a.unit_id)).size;
    document.getElementById("white-spots").textContent = silent ? fmt(TEXT.silence_expected_count, { n: silent }) : "";
    renderTitle(count);
    renderSos();
  }
  // --- sound and the tab's title: a control room hears an SOS and a new call ---------------
  // Tones made in the page (Web Audio: nothing to download). An SOS rings every few seconds
  // until someone acknowledges it; a new P0/P1 call sounds twice, any other new call once; a
  // passed deadline (an escalation rung, a call left waiting) its own falling two. A
  // browser lets a page sound only after a click on it: until then the header's button says
  // "Turn the sound on" (any click on the board turns it on too). The choice is kept.
  const SOUND_KEY = "kuzet.board.sound";
  const RING_EVERY_MS = 5000;
  const TONES = {
    sos: [[880, 0], [660, 0.25], [880, 0.5], [660, 0.75]],
    urgent: [[880, 0], [880, 0.25]],
    call: [[660, 0]],
    // a deadline passed with nobody on it: falling, unlike a call's
    escalation: [[740, 0], [554, 0.3]],
  };
  // The alerts that mean the desk must act now (the ladder's rungs and a call left waiting).
  const ESCALATIONS = ["escalation.ack_overdue", "escalation.ack_overdue_twice",
    "escalation.arrival_overdue", "incident.waiting_overdue", "unit.safety_check"];
  const sound = { ctx: null, on: localStorage.getItem(SOUND_KEY) !== "off" };
  function audioRunning() { return sound.ctx !== null && sound.ctx.state === "running"; }
  function wakeAudio() {
    if (!window.AudioContext) return;
    if (!sound.ctx) sound.ctx = new AudioContext();
    if (sound.ctx.state !== "running") sound.ctx.resume().then(renderSound, renderSound);
  }
  function chime(kind) {
    if (!sound.on || !audioRunning()) return;
    const start = sound.ctx.currentTime;
    for (const [frequency, after] of TONES[kind]) {
      const osc = sound.ctx.createOscillator(), gain = sound.ctx.createGain();
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.25, start + after);
      gain.gain.exponentialRampToValueAtTime(0.001, start + after + 0.2);
      osc.connect(gain).connect(sound.ctx.destination);
      osc.start(start + after);
      osc.stop(start + after + 0.2);
    }
    document.body.dataset.sounded = kind; // what the board last sounded
  }
  function openSos() { return [...alerts.values()].some((a) => a.kind === "sos" && !a.acknowledged_at); }
  function ring() { if (openSos()) chime("sos"); }
  function renderSound() {
    const button = document.getElementById("sound");
    const blocked = sound.on && !audioRunning();
    button.textContent = !sound.on ? TEXT.sound_off : blocked ? TEXT.sound_blocked : TEXT.sound_on;
    button.setAttribute("aria-pressed", String(sound.on && !blocked));
    button.classList.toggle("blocked", blocked);
  }
  function renderTitle(unread) {
    // In the tab, where a duty officer with other windows open still sees it.
    const prefix = (openSos() ? "SOS · " : "") + (unread ? "(" + unread + ") " : "");
    document.title = prefix + BASE_TITLE;
  }
  const BASE_TITLE = document.title;
  document.getElementById("sound").addEventListener("click", (event) => {
    event.stopPropagation();
    if (sound.on && audioRunning()) sound.on = false;
    else { sound.on = true; wakeAudio(); }
    localStorage.setItem(SOUND_KEY, sound.on ? "on" : "off");
    renderSound();
  });
  document.addEventListener("click", () => { if (sound.on && !audioRunning()) wakeAudio(); });
  setInterval(ring, RING_EVERY_MS);

  // The SOS of a unit most recently raised (the banner's, or the one kept in the list).
  // The backup call made for any of the unit's SOS alerts is the unit's (one banner a unit).
  function latestSos(unitId) {
    const all = [...alerts.values()].filter((a) => a.kind === "sos" && a.unit_id === unitId && a.alert_id)
      .sort((a, b) => b.server_time - a.server_time);
    if (!all.length) return null;
    const backup = all.find((a) => a.backup_incident_id);
    return backup ? { ...all[0], backup_incident_id: backup.backup_incident_id, backup_incident_number: backup.backup_incident_number } : all[0];
  }
  // Where the officer is, as a person reads it: "3.1 km north-east of Аягоз", the time of the
  // position and its age; "position unknown" when the phone sent none and none was known.
  // "3,1 км" for a Russian or Kazakh reader, "3.1 km" for an English one.
  function sosWhere(position) {
    if (!position || !position.place) return TEXT.sos_position_unknown;
    const p = position.place;
    const name = placeName(p.name, p.name_kk);
    const where = p.inside ? fmt(TEXT.sos_place_in, { place: name })
      : fmt(TEXT.sos_place_near, { km: decimal(p.km), direction: LABELS.compass[p.direction] || p.direction, place: name });
    const parts = [where];
    if (position.at) parts.push(fmt(TEXT.sos_position_at, { time: when(position.at), age: span(now() - position.at) }));
    if (position.source === "unit") parts.push(TEXT.sos_position_last_report);
    return parts.join(" · ");
  }
  function sosWho(a) {
    const who = el("span", { class: "sos-who" }, a.officer_name || a.callsign || "");
    const others = (a.crew || []).filter((name) => name !== a.officer_name);
    const crew = others.length ? " (" + TEXT.sos_crew + " " + others.join(", ") + ")" : "";
    return [who, " · " + (a.officer_name ? a.callsign + crew : crew.trim())];
  }
  function sosCall(a) {
    const span = el("span", { class: "sos-call" });
    if (!a.call) { span.append(TEXT.sos_no_call); return span; }
    const place = [placeName(a.call.settlement, a.call.settlement_kk), a.call.landmark].filter(Boolean).join(", ");
    span.append(TEXT.sos_on_call + " ", incidentLink(a.call.incident_id, a.call.number),
      " (" + [label("category", a.call.category), place].filter(Boolean).join(", ") + ")");
    return span;
  }
  // What the desk can do about an SOS: send backup (once per SOS: then the call's link), and
  // clear it once the officer is safe (while the unit is still in SOS).
  function sosActions(a, unitId) {
    const out = [];
    if (!CONFIG.can_act) return out;
    const unit = state.units.get(unitId);
    // once the officer is safe (the desk cleared it, or his own status) no backup is sent
    const inSos = !unit || unit.status === "sos";
    if (a && a.backup_incident_id) {
      out.push(el("a", { href: url("incident", a.backup_incident_id), class: "sos-backup-call", target: CONSOLE_WINDOW },
        TEXT.sos_backup_call + " " + (a.backup_incident_number || "")));
    } else if (a && a.alert_id && inSos) {
      out.push(el("button", { type: "button", class: "sos-backup", onclick: (e) => sendBackup(e.target, a) }, TEXT.sos_backup));
    }
    if (unit && unit.status === "sos") {
      out.push(el("button", { type: "button", class: "sos-clear", onclick: (e) => {
        if (window.confirm(TEXT.sos_clear_confirm)) post(e.target, url("unit_sos_clear", unitId), {});
      } }, TEXT.sos_clear));
    }
    return out;
  }
  // The backup call is made (or found: one per SOS), then its dispatch panel opens in the
  // console's window, where the nearest available units are ranked.
  function sendBackup(button, a) {
    post(button, url("alert_backup", a.alert_id), {}, (body) => {
      Object.assign(alerts.get(a.alert_id) || a, { backup_incident_id: body.incident_id, backup_incident_number: body.number });
      const opened = window.open(body.url, CONSOLE_WINDOW);
      if (!opened) {
        const box = document.getElementById("message");
        box.replaceChildren(TEXT.popup_blocked + " ", el("a", { href: body.url, target: CONSOLE_WINDOW }, body.number));
        box.className = ""; box.hidden = false;
      }
    });
  }
  function renderSos() { keepFocus(redrawBanners); }
  function redrawBanners() {
    const banner = document.getElementById("sos");
    // An acknowledged SOS stays a minute, green, so that every board sees who took it.
    const open = [...alerts.values()].filter((a) => a.kind === "sos" && (!a.acknowledged_at || now() - a.acknowledged_at < SOS_ACKNOWLEDGED_SHOWN_MS));
    // One banner a unit: an officer who pressed twice (out of coverage, then again) had two,
    // each offering a backup call of its own. The newest says who and where; the backup call
    // made for any of them is the unit's; acknowledging takes them all.
    const byUnit = new Map();
    for (const a of open.sort((x, y) => (y.estimated_at || y.server_time) - (x.estimated_at || x.server_time))) {
      const key = a.unit_id != null ? "unit:" + a.unit_id : "alert:" + a.alert_id;
      if (!byUnit.has(key)) byUnit.set(key, []);
      byUnit.get(key).push(a);
    }
    banner.replaceChildren(...[...byUnit.values()].map((group) => {
      const pending = group.filter((g) => !g.acknowledged_at && g.alert_id);
      const backup = group.find((g) => g.backup_incident_id);
      const taken = pending.length ? null : group.find((g) => g.acknowledged_at);
      const a = { ...group[0], ...(backup ? { backup_incident_id: backup.backup_incident_id, backup_incident_number: backup.backup_incident_number } : {}),
        acknowledged_at: taken ? taken.acknowledged_at : null, acknowledged_by: taken ? taken.acknowledged_by : null,
        alert_id: (pending[0] || group[0]).alert_id };
      const p = el("p", { class: "banner" + (a.acknowledged_at ? " acknowledged" : ""), "data-id": a.alert_id },
        el("span", { class: "sos-title" }, TEXT.sos_from + " " + (a.callsign || "") + " · ",
          el("span", { class: "sos-when" }, when(a.estimated_at || a.server_time))),
        el("span", { class: "sos-text" }, ...sosWho(a), el("br"),
          el("span", { class: "sos-where" }, sosWhere(a.position)), " · ", sosCall(a)));
      if (a.acknowledged_at) p.append(el("span", {}, TEXT.acknowledged_by + " " + a.acknowledged_by + " " + when(a.acknowledged_at)));
      else if (CONFIG.can_act && a.alert_id) {
        p.append(el("button", { type: "button", class: "ack-sos", onclick: (e) => post(e.target, url("alert_ack", a.alert_id), {}, async (body) => {
          addAlert(body);
          for (const other of pending.slice(1)) addAlert(await (await send(url("alert_ack", other.alert_id), {}, newKey())).json());
        }) }, TEXT.acknowledge_sos));
      }
      p.append(...sosActions(a, a.unit_id));
      return p;
    }), ...safetyBanners());
  }
  // Officer-safety checks: a crew on scene with no word for too long, to be raised by radio.
  // Shown while the unit is still on scene and nobody has answered (a minute, green, after).
  function safetyBanners() {
    const open = [...alerts.values()].filter((a) => {
      if (a.kind !== "unit.safety_check") return false;
      if (a.acknowledged_at) return now() - a.acknowledged_at < SOS_ACKNOWLEDGED_SHOWN_MS;
      const unit = state.units.get(a.unit_id);
      return !unit || unit.status === "on_scene";
    });
    return open.sort((x, y) => x.server_time - y.server_time).map((a) => {
      // The silence ended with the answer: a green banner that went on counting said "no word
      // for 21 min" of a crew the desk had just raised on the radio.
      const silent = (a.acknowledged_at || now()) - a.silent_since;
      // A check on this desk's own crew on another district's call (alerts.lent_safety_checks):
      // the call's page opens read-only, and that district's desk answers it.
      const p = el("p", { class: "banner safety" + (a.acknowledged_at ? " acknowledged" : "") + (a.lent ? " lent" : ""), "data-id": a.alert_id },
        el("span", { class: "sos-title" }, TEXT.safety_title + " " + (a.callsign || "")),
        el("span", { class: "sos-text" }, TEXT.safety_on_call + " ",
          a.lent ? incidentLink(a.incident_id, a.incident_number, a.incident_district_id, a.unit_district_id) : incidentLink(a.incident_id, a.incident_number),
          a.lent ? " · " + TEXT.other_district : "", " · ",
          fmt(TEXT.safety_since_silent, { time: when(a.silent_since), age: span(silent) }), el("br"),
          TEXT.safety_raise));
      if (a.acknowledged_at) p.append(el("span", { class: "safety-answered" }, answeredBy(a) + " " + when(a.acknowledged_at)));
      else if (CONFIG.can_act && a.alert_id && !a.lent) {
        p.append(el("button", { type: "button", class: "safety-ok",
          onclick: (e) => post(e.target, url("alert_safety_ok", a.alert_id), {}, (body) => { addAlert(body); renderAlerts(); }) },
        TEXT.safety_ok));
      }
      return p;
    });
  }
  // A unit in SOS reported a newer position: its SOS banners follow the officer.
  function followSos(moved) {
    for (const sos of alerts.values()) {
      if (sos.kind !== "sos" || sos.unit_id !== moved.unit_id || !moved.position) continue;
      if (!sos.position || (moved.position.at || 0) > (sos.position.at || 0)) sos.position = moved.position;
    }
  }
  // A check answered (on a board, on the call page, through the staff API, or by the crew's
  // own word): every board's banner turns green, naming who raised the crew. The server marks
  // the check's own alert too (alerts.alerts_record): a reload lists it answered.
  function safetyChecked(a) {
    for (const check of alerts.values()) {
      if (check.kind === "unit.safety_check" && check.safety_check_id === a.safety_check_id && !check.acknowledged_at) {
        Object.assign(check, a.by_crew
          ? { acknowledged_at: a.checked_at, acknowledged_by: crewHeard(a), by_crew: true }
          : { acknowledged_at: a.checked_at, acknowledged_by: a.actor });
      }
    }
  }
  function addAlert(a) {
    // A desk that serves the call's district too (the oblast ЦОУ) has that district's alert
    // of the same dispatch; the unit's district's copy is for the unit's own desk.
    if (a.across_border && ours(a.incident_district_id)) return;
    if (a.kind === "sos_position") followSos(a);
    if (a.kind === "sos_backup") {
      // every board's banner links the backup call instead of offering the button again
      const sos = alerts.get(a.sos_alert_id);
      if (sos) Object.assign(sos, { backup_incident_id: a.incident_id, backup_incident_number: a.incident_number });
    }
    if (a.kind === "sos_cleared") {
      // the officer is safe: the unit's SOS alerts are taken, by the one who cleared them
      for (const sos of alerts.values()) {
        if (sos.kind === "sos" && sos.unit_id === a.unit_id && !sos.acknowledged_at) {
          Object.assign(sos, { acknowledged_at: a.at, acknowledged_by: a.actor });
        }
      }
    }
    if (a.kind === "unit.safety_checked") safetyChecked(a);
    if (a.kind === "unit_reachable" && a.unreachable_alert_id) {
      // the silence it ends is settled on every board: "back 18:40 after 38 min"
      const silent = alerts.get(a.unreachable_alert_id);
      if (silent && !silent.back_at) Object.assign(silent, { back_at: a.back_at, acknowledged_at: a.back_at });
    }
    if (a.kind === "sos_acknowledged") {
      // the SOS itself turns acknowledged on every board of the district
      for (const sos of alerts.values()) {
        if (sos.kind === "sos" && sos.alert_id === a.sos_alert_id && !sos.acknowledged_at) {
          Object.assign(sos, { acknowledged_at: a.acknowledged_at, acknowledged_by: a.acknowledged_by });
        }
      }
    }
    const key = a.alert_id || "local:" + a.kind + ":" + a.server_time;
    alerts.set(key, { ...(alerts.get(key) || {}), ...a });
  }
  function liveAlert(frame) {
    if (fetching) arrivedLive.push(frame);
    addAlert({ ...frame, read: false });
    renderAlerts();
    if (["sos", "sos_backup", "sos_cleared", "sos_position", "unit.safety_check", "unit.safety_checked"].includes(frame.kind)) render();
    if (frame.kind === "sos") ring();
    else if (frame.kind === "incident.created" || frame.kind === "incident.separated") chime(["P0", "P1"].includes(frame.priority) ? "urgent" : "call");
    else if (frame.kind === "crew_note") chime("call");
    else if (ESCALATIONS.includes(frame.kind)) chime("escalation");
    // a crew silent where its phone should sync; a silence in a white spot makes no sound
    else if (frame.kind === "unit_unreachable" && frame.silence === "alarm") chime("escalation");
    if (frame.kind === "unit_unreachable" || frame.kind === "unit_reachable") {
      const unit = state.units.get(frame.unit_id);
      if (unit) { unit.presence = frame.kind === "unit_unreachable" ? "unreachable" : unit.status; fresh.add("units:" + unit.id); render(); }
    }
  }
  function loadAlerts(body) {
    alerts.clear();
    unreadBeyond = Boolean(body.unread_beyond);
    for (const a of body.sos || []) addAlert(a);
    for (const a of body.safety_checks || []) addAlert(a);
    for (const a of body.alerts || []) addAlert(a);
    // after every SOS is in: the list comes newest first, the SOS after its moves
    for (const a of body.alerts || []) if (a.kind === "sos_position") followSos(a);
    // and every check before its answer: a check the crew's word answered came back after a
    // reload as open, amber, its "Officer OK" refused as already answered
    for (const a of body.alerts || []) if (a.kind === "unit.safety_checked") safetyChecked(a);
    renderAlerts();
    render(); // a unit in SOS offers the buttons of its SOS, now known
  }
  async function markAllRead() {
    const ids = [...alerts.keys()].filter((id) => typeof id === "number" && !alerts.get(id).lent);
    if (!ids.length) return;
    // Every alert up to the newest shown, those beyond the list included; not a newer one.
    const through = Math.max(...ids);
    const response = await sendOrSay(CONFIG.urls.alerts_read, { through });
    if (response) {
      for (const [id, a] of alerts) if (typeof id === "number" && id <= through) a.read = true;
      unreadBeyond = false;
      renderAlerts();
    }
  }
  // A read mark without an answer: said (the click did nothing on the screen and the failed
  // fetch was an uncaught error), the alerts left unread.
  async function sendOrSay(path, body) {
    const response = await send(path, body, null).catch(() => null);
    if (response && response.status === 401) { signedOutNow(); return null; }
    if (!response || !response.ok) { say(TEXT.failed + " " + TEXT.no_answer, true); return null; }
    return response;
  }
  async function markRead(ids) {
    const unread = ids.filter((id) => id && alerts.get(id) && !alerts.get(id).read);
    if (!unread.length) return;
    const response = await sendOrSay(CONFIG.urls.alerts_read, { ids: unread });
    if (response) { for (const id of unread) alerts.get(id).read = true; renderAlerts(); }
  }

  // --- commands -----------------------------------------------------------------------------
  function csrf() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function newKey() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  }
  async function send(path, body, key) {
    const headers = { "Content-Type": "application/json", "X-CSRFToken": csrf() };
    if (key) headers["Idempotency-Key"] = key;
    return fetch(path, { method: "POST", credentials: "same-origin", headers, body: JSON.stringify(body) });
  }
  function say(text, error) {
    const box = document.getElementById("message");
    box.textContent = text; box.className = error ? "error" : ""; box.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(() => { box.hidden = true; }, error ? 8000 : 3000);
  }
  // One key per click: a retry of the same click (a lost answer) is replayed, not run twice.
  async function post(button, path, body, then) {
    button.disabled = true;
    const key = button.dataset.key || (button.dataset.key = newKey());
    try {
      const response = await send(path, body, key);
      const answer = await response.json().catch(() => ({}));
      if (response.status === 401) { signedOutNow(); button.disabled = false; delete button.dataset.key; return; }
      if (!response.ok) {
        // A refusal says why ("the unit is not available"); a proxy's 502 while the server
        // restarts said "Bad Gateway", in English. Only a refusal's click is done with: an
        // unanswered one keeps its key, so that trying again cannot do it twice.
        const refused = response.status < 500;
        say(TEXT.failed + " " + ((refused && (answer.message || answer.detail)) || TEXT.no_answer), true);
        button.disabled = false;
        if (refused) delete button.dataset.key;
        return;
      }
      say(TEXT.done, false);
      if (then) then(answer);
      await resync();
    } catch (error) {
      // the network or the server is away ("TypeError: Failed to fetch" was shown as it was)
      say(TEXT.failed + " " + TEXT.no_answer, true); button.disabled = false;
    }
  }
  async function recommend(id) {
    const response = await fetch(url("recommend", id), { credentials: "same-origin" }).catch(() => null);
    const body = response ? await response.json().catch(() => ({})) : {};
    if (response && response.status === 401) { signedOutNow(); return; }
    if (!response || !response.ok) {
      const refused = response && response.status < 500 && (body.message || body.detail);
      say(TEXT.failed + " " + (refused || TEXT.no_answer), true);
      return;
    }
    recommendations.set(id, body.units);
    divertibles.set(id, body.divertible || 0);
    acrossBorder.set(id, body.across_border || []);
    render();
  }

  // --- connection ---------------------------------------------------------------------------
  function load(snapshot) {
    if (snapshot.server_time) skew = snapshot.server_time - Date.now();
    for (const table of ["incidents", "assignments", "units"]) { state[table].clear(); upsert(table, snapshot[table]); }
    fresh.clear();
    if (snapshot.alerts) loadAlerts(snapshot);
    render();
  }
  // Whether the snapshot came: a board that reconnected but could not reload said "live"
  // over the rows it had before the outage (and the failed fetch was an uncaught error).
  // A snapshot is read before the frames that arrive while it is on its way: an alert that
  // came live meanwhile (an SOS pressed as the board said hello, or as a command's answer
  // reloaded it) was wiped by the older list, its banner and line gone until the next
  // reload — the board had rung and showed nothing — and the unit's row said free, without
  // the SOS's buttons. What came meanwhile is applied again over the snapshot, in the order it
  // came (a frame's rows are the rows as committed: the last one is the newest).
  const arrivedLive = []; // alert frames come while a snapshot is being fetched
  const rowsLive = []; // and rows frames
  let fetching = 0;
  async function resync() {
    fetching += 1;
    const from = arrivedLive.length;
    const rowsFrom = rowsLive.length;
    try {
      const response = await fetch(CONFIG.urls.state, { credentials: "same-origin" });
      // Signed out (the session ended, the account was switched off): said now, not at the
      // next command or when the socket next checks the session.
      if (response.status === 401) { signedOutNow(); return false; }
      if (!response.ok) return false;
      load(await response.json());
      for (const tables of rowsLive.slice(rowsFrom)) for (const [table, rows] of Object.entries(tables)) upsert(table, rows);
      const missed = arrivedLive.slice(from).filter((a) => a.alert_id && !alerts.has(a.alert_id));
      for (const a of missed) addAlert({ ...a, read: false });
      if (missed.length) renderAlerts();
      if (missed.length || rowsLive.length > rowsFrom) render();
      return true;
    } catch (error) {
      return false;
    } finally {
      fetching -= 1;
      if (!fetching) { arrivedLive.length = 0; rowsLive.length = 0; }
    }
  }
  // The snapshot again, after a reconnect or now and then. The calls it brings that the
  // board did not have are sounded as a live one is: they came onto the board in silence,
  // and a duty officer looking elsewhere missed a P1.
  async function catchUp() {
    const known = new Set(state.incidents.keys());
    if (!(await resync())) return false;
    const arrived = [...state.incidents.values()].filter((r) => !known.has(r.id));
    if (arrived.length) chime(arrived.some((r) => ["P0", "P1"].includes(r.priority)) ? "urgent" : "call");
    return true;
  }
  // "Live" means frames arrive. The socket answering is not enough: with Redis down or
  // restarting the board's socket stayed open, it said "live" and showed no call of the
  // outage; after a laptop's sleep a dead socket looked open for many minutes. So every ping
  // must be answered (the pong comes round through the channel layer, as every frame does)
  // within PONG_WAIT_MS, else the board is not live: it says so and reconnects, and the
  // snapshot is loaded again on hello.
  const PING_MS = 30000;
  const PONG_WAIT_MS = 10000;
  const HELLO_WAIT_MS = 15000;
  const STALE_SHOWN_AFTER_MS = 5000; // a deploy's restart of a second or two is no alarm
  let retry = 1000;
  let current = null; // the socket in use
  let pinger = null;
  let pongTimer = null;
  let downSince = null; // when the board last had its data from the server (ms, server time)
  let signedOut = false;
  let lastTick = Date.now();
  function ping() {
    if (!current || current.readyState !== WebSocket.OPEN) return;
    const socket = current;
    socket.send('{"type":"ping"}');
    if (pongTimer === null) pongTimer = setTimeout(() => lost(socket, 0), PONG_WAIT_MS);
  }
  function lost(socket, code) {
    if (socket !== current) return; // once a socket
    current = null;
    clearInterval(pinger); clearTimeout(pongTimer); pongTimer = null;
    socket.onclose = null; socket.onmessage = null;
    if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close();
    const status = document.getElementById("status");
    status.className = "down";
    delete document.body.dataset.live;
    if (downSince === null) downSince = now();
    if (code === 4401 || code === 4403) { signedOut = true; status.textContent = TEXT.signed_out; renderStale(); return; }
    status.textContent = TEXT.reconnecting;
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 30000);
    renderStale();
  }
  // The session ended (12 h after sign-in) while the socket stayed up: a command is refused
  // 401 with the server's English "Sign in again."; the board is signed out from now on.
  function signedOutNow() {
    say(TEXT.failed + " " + TEXT.signed_out, true);
    if (current) lost(current, 4401);
    else { signedOut = true; if (downSince === null) downSince = now(); renderStale(); }
  }
  // A bar under the header while the board is not live: the rows, the units and the alerts
  // are as they were when the connection went (a small "reconnecting…" in the corner was
  // all that said so, on a wall screen read from across the room).
  function renderStale() {
    const bar = document.getElementById("stale");
    const show = downSince !== null && (signedOut || now() - downSince >= STALE_SHOWN_AFTER_MS);
    if (!show) { bar.hidden = true; return; }
    const text = fmt(signedOut ? TEXT.stale_signed_out : TEXT.stale, { time: when(downSince) });
    bar.replaceChildren(text, ...(signedOut ? [" ", el("a", { href: CONFIG.urls.login }, TEXT.sign_in)] : []));
    bar.hidden = false;
  }
  function connect() {
    const status = document.getElementById("status");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/board/v1/");
    current = socket;
    // A socket opened over a dead link waits for ever: no hello in time is a lost one too.
    const opening = setTimeout(() => lost(socket, 0), HELLO_WAIT_MS);
    socket.onmessage = async (event) => {
      const frame = JSON.parse(event.data);
      if (frame.server_time) skew = frame.server_time - Date.now();
      if (frame.type === "hello") {
        clearTimeout(opening);
        // frames are at most once: catch up on anything missed while away, then say live
        if (!(await catchUp())) { lost(socket, 0); return; }
        if (socket !== current) return;
        retry = 1000;
        downSince = null;
        status.textContent = TEXT.live; status.className = "live";
        document.body.dataset.live = "1";
        renderStale();
      } else if (frame.type === "pong") {
        clearTimeout(pongTimer); pongTimer = null;
      } else if (frame.type === "rows") {
        if (fetching) rowsLive.push(frame.tables);
        for (const [table, rows] of Object.entries(frame.tables)) upsert(table, rows);
        render();
        if ((frame.tables.assignments || []).some(lentRow)) lentChanged();
      } else if (frame.type === "alert") {
        liveAlert(frame);
      } else if (frame.type === "alerts") {
        for (const item of frame.items) liveAlert(item);
      }
    };
    socket.onopen = () => { pinger = setInterval(ping, PING_MS); };
    socket.onclose = (event) => lost(socket, event.code);
  }
  // A check on this desk's crew sent to another district's call is that district's alert,
  // whose frame this board does not get; the sweep publishes the assignment when the check
  // fires and when it is answered, and its row comes here: the snapshot brings the check
  // (alerts.lent_safety_checks). Once for a burst of rows.
  const lentRow = (r) => !ours(r.district_id) && ours(r.unit_district_id);
  let lentReload = null;
  function lentChanged() {
    if (lentReload !== null) return;
    lentReload = setTimeout(() => { lentReload = null; resync(); }, 500);
  }
  // Back from sleep, from another tab or onto the network: ask at once whether the socket
  // still answers, rather than at the next ping.
  function wake() { if (document.visibilityState === "visible") ping(); }
  document.addEventListener("visibilitychange", wake);
  window.addEventListener("online", wake);
  setInterval(() => {
    const t = Date.now();
    if (t - lastTick > 15000) wake(); // the timers stood still: the laptop slept
    lastTick = t;
    renderStale();
  }, 1000);
  // A dead escalation sweep sends no frame: ask (the dead-man alarm, backend/ops/heartbeat.py).
  // An alarms check that gets no answer is an alarm itself: with the database down (a
  // failover, a restart) every request failed or hung, the socket still said "live", and the
  // board said nothing while no call, dispatch or officer's report could be saved.
  const ALARMS_WAIT_MS = 10000;
  let lastAlarms = null; // as the server last listed them
  let unanswered = 0; // alarms checks in a row without an answer
  let unansweredSince = null;
  async function checkAlarms() {
    let body = null;
    let answered = false;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), ALARMS_WAIT_MS);
    try {
      const response = await fetch(CONFIG.urls.alarms, { credentials: "same-origin", signal: abort.signal });
      // a refusal (signed out: the bar under the header says it) is an answer
      answered = response.status < 500;
      if (response.ok && !response.redirected) body = await response.json();
    } catch (error) {
      answered = false;
    } finally {
      clearTimeout(timer);
    }
    if (answered) { unanswered = 0; unansweredSince = null; } else if (++unanswered === 1) unansweredSince = now();
    if (body) lastAlarms = body.alarms;
    const box = document.getElementById("alarms");
    const shown = lastAlarms ? lastAlarms.map((alarm) => el("p", { class: alarm.kind }, alarm.detail))
      : [...box.querySelectorAll("p:not(.server_unanswered)")]; // the page's own, until a check answers
    // twice in a row (30 s): a deploy's restart of a second or two is no alarm
    if (unanswered >= 2) shown.unshift(el("p", { class: "server_unanswered" }, fmt(TEXT.server_unanswered, { time: when(unansweredSince) })));
    box.replaceChildren(...shown);
  }

  document.getElementById("mark-read").addEventListener("click", markAllRead);
  load(data("board-snapshot"));
  loadAlerts(data("board-alerts"));
  if (sound.on) wakeAudio(); // allowed where the browser lets this site sound; else the button asks
  renderSound();
  setInterval(tick, 1000);
  setInterval(renderSos, 15000); // an acknowledged SOS leaves the banner after its minute
  // A frame lost between two pings (Redis restarted in a second or two) left its call off the
  // board until something else about it changed, the board saying live: the snapshot is
  // loaded again now and then, whatever came.
  const RESYNC_MS = CONFIG.resync_ms;
  setInterval(() => { if (document.body.dataset.live) catchUp(); }, RESYNC_MS);
  setInterval(checkAlarms, 15000);
  connect();
})();
