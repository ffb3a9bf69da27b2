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
 * The entry script, loaded after kiosk-common.js, kiosk-catalogue.js and kiosk-ticket.js: it
 * switches screens, walks back to the start when idle, keeps the service rows live and starts
 * the page. The scripts share window.antrianKiosk.
 */
(function () {
  "use strict";

  const kiosk = window.antrianKiosk;
  const config = kiosk.config;
  const i18n = kiosk.i18n;
  const t = i18n.t;
  const state = kiosk.state;
  const renderHome = kiosk.renderHome;
  const renderServices = kiosk.renderServices;
  const renderConfirm = kiosk.renderConfirm;
  const $ = function (id) { return document.getElementById(id); };

  const HOURS_REFRESH_MS = 60000;

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

  function renderAll() {
    kiosk.renderCatalogue();
    kiosk.renderTicket();
  }

  // ------------------------------------------------------------------ live data
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
      const body = response.ok ? await kiosk.readJson(response) : null;
      if (!body) { return; } // a proxy's page: the next event or reconnect reads again
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
