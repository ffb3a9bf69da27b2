/*
 * The self-service kiosk: agency -> service -> confirm -> number, by touch only.
 *
 * The server is the truth. Service rows (open, waiting, estimate, quota) come from the snapshot
 * on connect, from the `waiting` counts every ticket event carries, from `service.updated`, and
 * from GET /api/v1/services when something they depend on changed. A ticket exists only when
 * POST /api/v1/tickets answered 201: any other outcome shows an error, never a number. The
 * confirm button is disabled on the first tap and every confirm screen has its own
 * Idempotency-Key, so impatient taps and retries after a lost answer give one ticket.
 *
 * Loaded after kiosk-common.js, which holds the config, the words and the state all the
 * kiosk's scripts share through window.antrianKiosk, and kiosk-catalogue.js, which shows the
 * agencies, their services and the confirm screen.
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
  const renderHome = kiosk.renderHome;
  const renderServices = kiosk.renderServices;
  const renderConfirm = kiosk.renderConfirm;
  const $ = function (id) { return document.getElementById(id); };

  const ISSUE_TIMEOUT_MS = 30000;
  const HOURS_REFRESH_MS = 60000;

  /* A ticket's own wait: with nobody ahead "0 min" reads like a mistake, so say it is next. */
  function ticketWait(ahead, minutes, view) {
    return ahead === 0 && minutes === 0 ? t("you_are_next") : eta(minutes, view);
  }

  // ------------------------------------------------------------------ screens
  function show(screen) {
    state.screen = screen;
    document.body.dataset.screen = screen;
    document.querySelectorAll(".screen").forEach(function (section) {
      section.hidden = section.id !== "screen-" + screen;
    });
    armIdle();
  }

  function goHome() {
    state.agency = null;
    state.confirm = null;
    state.failure = null;
    state.issued = null;
    show("home");
    renderHome();
  }

  /* Back to the start for the next visitor: Indonesian, not in priority mode. */
  function reset() {
    state.priority = null;
    if (i18n.lang !== "id") { i18n.set("id"); }
    goHome();
    renderAll();
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
      let body = null;
      try { body = await response.json(); } catch (err) { body = null; }
      return { status: response.status, body: body };
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
    if (state.screen !== "confirm") { show("confirm"); }
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

  function showIssued(view) {
    state.issued = view;
    state.confirm = null;
    renderIssued();
    show("issued");
    refreshServices();
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
    // Sent but not confirmed by the printer: a slip may have come out, or not.
    const unsure = failed && view.print.status === "printed";
    $("print-failed-title").dataset.t = unsure ? "printer_unsure" : "printer_failed";
    $("print-failed-detail").dataset.t = unsure ? "printer_unsure_detail" : "printer_failed_detail";
    $("print-failed-title").textContent = t($("print-failed-title").dataset.t);
    $("print-failed-detail").textContent = t($("print-failed-detail").dataset.t);
    $("screen-issued").classList.toggle("print-failed-screen", failed);
    const badge = $("issued-priority");
    badge.hidden = !view.priority;
    badge.textContent = t("priority_badge");
  }

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
    show("error");
    refreshServices();
  }

  function renderFailure() {
    if (!state.failure) { return; }
    $("error-detail").textContent = t("issue_failed_" + state.failure.kind);
    $("error-retry").hidden = !state.failure.retry;
  }

  // ------------------------------------------------------------------ live data
  function renderAll() {
    kiosk.renderCatalogue();
    renderIssued();
    renderFailure();
  }

  function replaceServices(rows) {
    if (!Array.isArray(rows)) { return; }
    rows.forEach(function (row) { state.services.set(row.code, row); });
    renderHome();
    renderServices();
    if (!state.issuing) { renderConfirm(); }
  }

  function patchService(code, changes) {
    const row = state.services.get(code);
    if (!row) { return; }
    state.services.set(code, Object.assign({}, row, changes));
  }

  let refreshTimer = null;
  let refreshing = false;

  function scheduleRefresh(delay) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refreshServices, delay);
  }

  async function refreshServices() {
    if (refreshing) { scheduleRefresh(300); return; }
    refreshing = true;
    const seen = state.eventsSeen;
    try {
      const response = await fetch("/api/v1/services", { credentials: "same-origin" });
      if (!response.ok) { return; }
      const body = await response.json();
      // An event that arrived meanwhile may be newer than this answer: ask again instead.
      if (state.eventsSeen !== seen) { scheduleRefresh(200); return; }
      replaceServices(body.services);
    } catch (err) {
      // Offline: the socket reports it; the snapshot on reconnect brings everything back.
    } finally {
      refreshing = false;
    }
  }

  function onEvent(name, payload) {
    if (!payload) { return; }
    if (name.indexOf("ticket.") === 0) {
      state.eventsSeen += 1;
      Object.keys(payload.waiting || {}).forEach(function (code) {
        patchService(code, { waiting: payload.waiting[code] });
      });
      renderHome();
      renderServices();
      // Estimates and quotas moved too; one read catches up with a burst of events.
      scheduleRefresh(700);
    } else if (name === "service.updated" && payload.service) {
      state.eventsSeen += 1;
      state.services.set(payload.service.code, payload.service);
      renderHome();
      renderServices();
      if (!state.issuing) { renderConfirm(); }
    } else if (name === "counter.updated") {
      state.eventsSeen += 1;
      scheduleRefresh(200); // estimates depend on how many counters are open
    } else if (name === "printer.status" && payload.kiosk === config.kiosk) {
      $("printer-warning").hidden = Boolean(payload.ok);
    }
  }

  function onStatus(status) {
    const online = status === "online";
    state.online = online;
    document.body.dataset.online = online ? "online" : status;
    const overlay = $("offline");
    overlay.hidden = online;
    const refused = status === "refused";
    $("offline-title").dataset.t = refused ? "setup_title" : "offline_title";
    $("offline-detail").dataset.t = refused ? "setup_refused" : "offline_detail";
    i18n.apply(overlay);
  }

  // ------------------------------------------------------------------ idle and clock
  let idleTimer = null;
  let countdownTimer = null;

  function idleSeconds() {
    if (state.screen === "issued") {
      const failed = state.issued && state.issued.print && state.issued.print.show_on_screen;
      return failed ? config.idle_seconds.issued_print_failed : config.idle_seconds.issued;
    }
    return config.idle_seconds.screen;
  }

  function armIdle() {
    clearTimeout(idleTimer);
    clearInterval(countdownTimer);
    $("issued-countdown").textContent = "";
    const atRest = state.screen === "home" && !state.priority && i18n.lang === "id";
    if (atRest) { return; }
    const seconds = idleSeconds();
    const deadline = Date.now() + seconds * 1000;
    idleTimer = setTimeout(function () {
      if (state.issuing) { armIdle(); return; } // never walk away from a ticket being issued
      reset();
    }, seconds * 1000);
    if (state.screen === "issued") {
      const tick = function () {
        const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
        $("issued-countdown").textContent = t("returning", { n: left });
      };
      tick();
      countdownTimer = setInterval(tick, 1000);
    }
  }

  function tickClock() {
    try {
      $("clock").textContent = new Date().toLocaleTimeString("id-ID", {
        hour: "2-digit", minute: "2-digit", timeZone: config.timezone,
      });
    } catch (err) {
      $("clock").textContent = "";
    }
  }

  // ------------------------------------------------------------------ wiring
  // The scripts loaded before this one call these only once a visitor acts or a request ends.
  Object.assign(kiosk, { show: show, goHome: goHome, reset: reset, refreshServices: refreshServices });

  $("lang").addEventListener("click", function () {
    i18n.set(i18n.other());
    renderAll();
    armIdle();
  });
  $("priority-open").addEventListener("click", function () { show("priority"); });
  document.querySelectorAll("[data-priority]").forEach(function (button) {
    button.addEventListener("click", function () {
      state.priority = button.dataset.priority;
      goHome();
    });
  });
  $("priority-stop").addEventListener("click", function () {
    state.priority = null;
    renderHome();
    armIdle();
  });
  document.querySelectorAll("[data-go=home]").forEach(function (button) {
    button.addEventListener("click", goHome);
  });
  $("confirm-take").addEventListener("click", take);
  $("issued-done").addEventListener("click", reset);
  $("error-back").addEventListener("click", function () {
    const agency = state.agency;
    state.confirm = null;
    state.failure = null;
    if (agency) { kiosk.openAgency(agency); } else { goHome(); }
  });
  $("error-retry").addEventListener("click", function () {
    if (state.confirm) { take(); }
  });

  // Touch only: no context menu, no pinch or double-tap zoom, no text selection.
  document.addEventListener("contextmenu", function (event) { event.preventDefault(); });
  document.addEventListener("pointerdown", function () {
    if (state.screen !== "home" || state.priority || i18n.lang !== "id") { armIdle(); }
  }, true);

  kiosk.buildHome();
  i18n.apply();
  renderHome();
  tickClock();
  setInterval(tickClock, 10000);
  // Service hours open and close with the clock, which no event announces.
  setInterval(refreshServices, HOURS_REFRESH_MS);

  const live = AntrianLive.connect({
    auth: { token: config.token },
    onSnapshot: function (snapshot) {
      replaceServices(snapshot.services);
      // How the printer was last seen; the server asks it again and sends printer.status.
      if (snapshot.printer) { $("printer-warning").hidden = snapshot.printer.ok !== false; }
    },
    onEvent: onEvent,
    onStatus: onStatus,
  });
  kiosk.live = live;
})();
