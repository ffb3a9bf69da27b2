/*
 * The counter-side survey tablet: waits in the mall's live room; when its own counter finishes
 * a ticket it shows the form, and goes back to waiting `reset_seconds` after the form appeared
 * or was last touched, or shortly after the thanks. It answers for the ticket the form was
 * shown for, by its public number (POST /api/v1/counters/{n}/survey): it never sees a
 * ticket's id. A finish heard while a visitor is filling in the form waits its turn.
 *
 * The `ticket.finished` event is a hint, not the only way in. A tablet that was offline,
 * reloading or resynchronising when its counter finished never hears that event (a snapshot
 * replaces the events it missed), so after every snapshot it asks the server whether its
 * counter's last visitor is still to rate (GET /api/v1/counters/{n}/survey) and, while that
 * visitor is likely still seated, offers the form. A finish heard before the form itself has
 * loaded shows the form as soon as it has.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("page-config").textContent);
  const $ = function (id) { return document.getElementById(id); };
  const box = $("survey");
  const THANKS_MS = 5000;
  const FORM_RETRY_MS = 3000;
  const auth = { Authorization: "Bearer " + config.token };
  let form = null;
  let wanted = false; // the counter finished before the form had loaded
  let timer = null;
  // The public number of the ticket the open form rates: the answer names it, so a visitor
  // still answering when the officer finishes the next one rates their own visit.
  let rating = null;
  let touched = false; // the visitor has begun answering the open form
  let next = false; // a later finish heard meanwhile: its form once this one is done

  function idle() {
    clearTimeout(timer);
    box.hidden = true;
    box.textContent = "";
    box.dataset.state = "idle";
    $("idle").hidden = false;
    if (next) { const number = next; next = false; show(number); }
  }

  function arm(ms) {
    clearTimeout(timer);
    timer = setTimeout(idle, ms);
  }

  function show(number) {
    if (!form) { wanted = number || true; return; }
    // Never wipe a form a visitor is filling in: the next visitor's comes after it.
    if (box.dataset.state === "open" && touched && number !== rating) { next = number || true; return; }
    wanted = false;
    rating = typeof number === "string" ? number : null;
    touched = false;
    $("idle").hidden = true;
    box.hidden = false;
    AntrianSkmForm.render(box, form, "id", function (body) {
      const answer = rating ? Object.assign({ number: rating }, body) : body;
      return AntrianSkmForm.postJson("/api/v1/counters/" + config.counter + "/survey", answer, auth)
        .then(function (saved) { arm(THANKS_MS); return saved; }, function (err) {
          if (err.code === "already_answered") { arm(THANKS_MS); } // thanked all the same
          throw err;
        });
    });
    arm(config.reset_seconds * 1000);
  }

  function loadForm() {
    fetch("/api/v1/skm/form")
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (body) { form = body; if (wanted) { show(wanted); } })
      .catch(function () { setTimeout(loadForm, FORM_RETRY_MS); });
  }

  // After a (re)connection: the visitor the counter finished while we were not listening.
  function catchUp() {
    fetch("/api/v1/counters/" + config.counter + "/survey", { headers: auth })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        const seated = state && state.open && state.finished_seconds_ago < config.reset_seconds;
        if (seated && box.dataset.state === "idle") { show(state.number); }
      })
      .catch(function () { /* offline again: the next snapshot asks again */ });
  }

  box.addEventListener("input", function () {
    if (box.dataset.state === "open") { touched = true; arm(config.reset_seconds * 1000); }
  });

  loadForm();
  idle();
  if (config.preview) {
    /* An admin's preview: the form at once, again after each answer, never a visitor's. */
    const idleScreen = idle;
    idle = function () { idleScreen(); show(true); };
    show(true);
    return;
  }
  window.AntrianLive.connect({
    auth: { token: config.token },
    onSnapshot: catchUp,
    onEvent: function (name, payload) {
      if (name === "ticket.finished" && payload.ticket && payload.ticket.counter === config.counter) {
        show(payload.ticket.number);
      }
    },
    onStatus: function (state) { $("offline").hidden = state === "online"; },
  });
})();
