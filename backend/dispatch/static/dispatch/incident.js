/* The incident page's panel keeps one's place (issue 13).
 *
 * A form inside #panel is sent with fetch and the header X-Kuzet-Panel: 1; the command
 * answers with the panel re-rendered (its notices inside), which takes the old panel's
 * place: no reload, no jump to the top. Without this script every form posts as usual and
 * the answer brings the page back at #panel (dispatch_panel.py).
 *
 * When no answer comes (a lost link, a proxy error) the form stays as it was, with the same
 * idempotency key: clicking again cannot do the command twice, the server says it was done.
 * Static file, no inline script: the page's Content-Security-Policy allows only 'self'.
 */
(function () {
  "use strict";
  var HEADER = "X-Kuzet-Panel";

  function panel() {
    return document.getElementById("panel");
  }

  function showError(text) {
    var box = panel() && panel().querySelector(".kuzet-panel-error");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    box.tabIndex = -1;
    box.focus({ preventScroll: true }); // read out, as the notices are
  }

  // The outcome list only matters when "outcome" is what is being recorded.
  function syncRecordForms(root) {
    root.querySelectorAll("form.kuzet-record").forEach(function (form) {
      var kind = form.querySelector("select[name=kind]");
      var outcome = form.querySelector(".kuzet-outcome");
      if (!kind || !outcome) return;
      var update = function () {
        outcome.hidden = kind.value !== "outcome";
      };
      kind.addEventListener("change", update);
      update();
    });
  }

  function send(form, submitter) {
    var body = new FormData(form);
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    var buttons = form.querySelectorAll("input[type=submit], button");
    buttons.forEach(function (b) { b.disabled = true; });
    var scrolled = window.scrollY;
    return fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: (function () { var h = {}; h[HEADER] = "1"; return h; })(),
    })
      .then(function (response) {
        if (!response.ok || response.headers.get(HEADER) !== "1") {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var target = panel();
        // What the reader unfolded stays unfolded (the DV record's reads in the timeline).
        var reads = target.querySelector("#kuzet-show-reads");
        var readsShown = Boolean(reads && reads.checked);
        target.innerHTML = html;
        reads = target.querySelector("#kuzet-show-reads");
        if (reads) reads.checked = readsShown;
        target.dataset.replaced = String(Number(target.dataset.replaced || "0") + 1);
        syncRecordForms(target);
        window.scrollTo(window.scrollX, scrolled);
        // The button pressed is gone with the old panel, and the focus with it (to the top of
        // the page: a keyboard user started again from the header). It goes to what the
        // command did — a screen reader reads it — and the next Tab is in the panel.
        var notice = target.querySelector(".messagelist");
        if (notice) {
          notice.tabIndex = -1;
          notice.focus({ preventScroll: true });
        }
      })
      .catch(function (error) {
        buttons.forEach(function (b) { b.disabled = false; });
        // The words come in the page's language from the panel (data-no-answer).
        var box = panel() && panel().querySelector(".kuzet-panel-error");
        var words = (box && box.dataset.noAnswer) || "No answer from the server ({error}). Click again: nothing is done twice.";
        showError(words.replace("{error}", error.message));
      });
  }

  // An Enter held down repeats: the one that saved the call, still down as this page opened
  // with the focus on the recommended unit's Dispatch, must not send it. Only a fresh press
  // does (and a click).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.repeat) return;
    var target = event.target;
    if (target instanceof Element && target.closest("#panel")) event.preventDefault();
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.closest("#panel")) return;
    // A command with a consequence elsewhere (a unit taken off another call) asks first.
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (!window.fetch || !window.FormData) return;
    event.preventDefault();
    send(form, event.submitter);
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (panel()) syncRecordForms(panel());
    forgetSavedDraft();
  });

  // A call just saved from "Take a call" names its form's key in the address (?call=…): the
  // draft that form kept in this tab (call_entry.js) is saved now, and goes.
  function forgetSavedDraft() {
    var params = new URLSearchParams(window.location.search);
    var key = params.get("call");
    if (!key) return;
    try {
      var draft = JSON.parse(sessionStorage.getItem("kuzet.call-draft") || "null");
      if (draft && draft.values && draft.values.idempotency_key === key) {
        sessionStorage.removeItem("kuzet.call-draft");
      }
    } catch (e) { /* storage off */ }
    params.delete("call");
    var rest = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : "") + window.location.hash);
  }
})();
