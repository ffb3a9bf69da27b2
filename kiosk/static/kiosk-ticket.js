/*
 * Taking the number: POST /api/v1/tickets with the confirm screen's Idempotency-Key, asked
 * again while the same key is still in progress, then the issued screen (number, QR, print
 * trouble) or the error screen with its retry. Separate from the choosing (kiosk-catalogue.js)
 * because this is the one place a ticket comes into being, and it must stay easy to check that
 * a retry never makes a second one. Reads and extends window.antrianKiosk.
 */
(function () {
  "use strict";

  const kiosk = window.antrianKiosk;
  const config = kiosk.config;
  const i18n = kiosk.i18n;
  const t = i18n.t;
  const state = kiosk.state;
  const people = kiosk.people;
  const eta = kiosk.eta;
  const $ = function (id) { return document.getElementById(id); };

  const ISSUE_TIMEOUT_MS = 30000;

  /* A ticket's own wait: with nobody ahead "0 min" reads like a mistake, so say it is next. */
  function ticketWait(ahead, minutes, view) {
    return ahead === 0 && minutes === 0 ? t("you_are_next") : eta(minutes, view);
  }

  // ------------------------------------------------------------------ issuing
  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  async function postTicket(confirm) {
    const controller = new AbortController();
    const timer = setTimeout(function () { controller.abort(); }, ISSUE_TIMEOUT_MS);
    try {
      const response = await fetch("/api/v1/tickets", {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "Authorization": "Bearer " + config.token,
          "Idempotency-Key": confirm.key,
        },
        body: JSON.stringify({
          service: confirm.service, priority: confirm.priority, language: confirm.language,
        }),
        credentials: "same-origin",
        signal: controller.signal,
      });
      return { status: response.status, body: await kiosk.readJson(response) };
    } finally {
      clearTimeout(timer);
    }
  }

  async function take() {
    const confirm = state.confirm;
    if (!confirm || state.issuing) { return; }
    state.issuing = true;
    // The ticket is printed in the language on screen when the visitor confirmed.
    confirm.language = i18n.lang;
    $("confirm-take").disabled = true;
    $("confirm-cancel").disabled = true;
    $("confirm-busy").hidden = false;
    if (state.screen !== "confirm") { kiosk.show("confirm"); }
    let outcome = null;
    try {
      for (let attempt = 0; attempt < 10; attempt += 1) {
        outcome = await postTicket(confirm);
        // The same key still running (a retry while the first request prints): ask again.
        const inProgress = outcome.status === 409 && outcome.body && outcome.body.error &&
          outcome.body.error.code === "in_progress";
        if (!inProgress) { break; }
        await sleep(1000);
      }
    } catch (err) {
      outcome = null;
    }
    state.issuing = false;
    if (state.confirm !== confirm) { return; } // the kiosk was reset meanwhile
    if (outcome && outcome.status === 201 && outcome.body && outcome.body.number) {
      showIssued(outcome.body);
    } else {
      showFailure(outcome);
    }
  }

  // ------------------------------------------------------------------ issued
  function showIssued(view) {
    state.issued = view;
    state.confirm = null;
    renderIssued();
    kiosk.show("issued");
    kiosk.refreshServices();
  }

  function renderIssued() {
    const view = state.issued;
    if (!view) { return; }
    const failed = Boolean(view.print && view.print.show_on_screen);
    $("issued-number").textContent = view.number;
    $("issued-service").textContent = i18n.name(view, "service_name");
    $("issued-agency").textContent = i18n.name(view, "agency_name");
    $("issued-ahead").textContent = people(view.ahead);
    $("issued-eta").textContent = ticketWait(view.ahead, view.eta_minutes, view);
    const qr = $("issued-qr");
    // The QR opens the phone page in the screen's language, as the printed one does, with
    // the visitor's survey key (the fragment of the address the kiosk was answered with).
    const key = /#k=([A-Za-z0-9_-]+)$/.exec(view.status_url || "");
    const query = [];
    if (i18n.lang !== "id") { query.push("lang=" + i18n.lang); }
    if (key) { query.push("k=" + key[1]); }
    const source = config.qr_url + encodeURIComponent(view.id) + ".svg" +
      (query.length ? "?" + query.join("&") : "");
    if (qr.getAttribute("src") !== source) { qr.setAttribute("src", source); }
    $("print-failed").hidden = !failed;
    // Sent but not confirmed by the printer, or still being printed by the first request
    // (a retry's answer): a slip may come out, or not. Only "failed" is a print that failed.
    const unsure = failed && view.print.status !== "failed";
    $("print-failed-title").dataset.t = unsure ? "printer_unsure" : "printer_failed";
    $("print-failed-detail").dataset.t = unsure ? "printer_unsure_detail" : "printer_failed_detail";
    $("print-failed-title").textContent = t($("print-failed-title").dataset.t);
    $("print-failed-detail").textContent = t($("print-failed-detail").dataset.t);
    $("screen-issued").classList.toggle("print-failed-screen", failed);
    const badge = $("issued-priority");
    badge.hidden = !view.priority;
    badge.textContent = t("priority_badge");
  }

  // ------------------------------------------------------------------ failed
  function showFailure(outcome) {
    let kind = "network";
    if (outcome) {
      const code = outcome.body && outcome.body.error ? outcome.body.error.code : null;
      kind = code === "service_closed" ? "closed" : code === "quota_reached" ? "quota"
        : code === "unavailable" ? "unavailable" : code === "rate_limited" ? "busy" : "other";
    }
    // A lost answer may hide a ticket the server did issue: retrying with the same key
    // returns that ticket instead of a second one. A refusal will not change by retrying.
    state.failure = {
      kind: kind,
      retry: kind === "network" || kind === "other" || kind === "unavailable" || kind === "busy",
    };
    renderFailure();
    kiosk.show("error");
    kiosk.refreshServices();
  }

  function renderFailure() {
    if (!state.failure) { return; }
    $("error-detail").textContent = t("issue_failed_" + state.failure.kind);
    $("error-retry").hidden = !state.failure.retry;
  }

  /* Both outcome screens again: after a language switch or a reset. */
  function renderTicket() {
    renderIssued();
    renderFailure();
  }

  // ------------------------------------------------------------------ wiring
  $("confirm-take").addEventListener("click", take);
  $("issued-done").addEventListener("click", function () { kiosk.reset(); });
  $("error-back").addEventListener("click", function () {
    const agency = state.agency;
    state.confirm = null;
    state.failure = null;
    if (agency) { kiosk.openAgency(agency); } else { kiosk.goHome(); }
  });
  // The same state.confirm, so the same Idempotency-Key as the attempt that failed.
  $("error-retry").addEventListener("click", function () {
    if (state.confirm) { take(); }
  });

  kiosk.renderTicket = renderTicket;
})();
