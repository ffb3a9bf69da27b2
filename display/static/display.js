/*
 * The hallway display: holds one zone's state, applies live events, and wires the screen
 * (screen.js, which draws it) and the announcer (announcer.js, which says the calls) to it.
 *
 * State comes only from the server: the snapshot (on every connect and after a version gap,
 * handled by AntrianLive) replaces everything; events then patch it. Events about another
 * zone's counters are ignored here, but AntrianLive still advances the version with them.
 *
 * A call is shown and announced only while it is current: its counter is open and its ticket
 * is that number, called or serving.
 *
 * For tests and remote checks, `window.antrianDisplay` is a read-only view:
 *   .spoken  phrases whose voice actually started, in order
 *   .state   a copy of what the screen shows, the connection state and the announcement log
 *   .servicePages  the waiting list's pages, each a list of service codes (one page if all fit)
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("display-config").textContent);
  const announcer = window.AntrianAnnouncer;
  const screen = window.AntrianScreen;

  const AT_COUNTER = ["called", "serving"]; // a counter's current ticket, as the hero sees it

  const MAX_CALLS = 10;              // what the snapshot holds
  const SERVICE_PAGE_MS = 10000;     // long enough to find one's service and read its count
  const STALE_AFTER_MS = 30000;      // offline this long: numbers on screen may be wrong, hide them

  const state = {
    connection: "connecting",
    detail: null,
    version: null,
    mall: null,
    calls: [],
    counters: [],
    services: [],
    serverOffsetMs: 0,
    snapshots: 0,
    stale: false,                    // numbers hidden until a fresh snapshot
  };
  let staleTimer = null;

  // The last version this screen saw, kept across reloads: a TV that restarted, or a server
  // that died between committing a call and sending its event, must still announce the fresh
  // calls this screen never heard (the snapshot holds them; the version says which are new).
  const SEEN_KEY = "antrian.display." + config.zone + ".version";
  function storedVersion() {
    try {
      const value = Number(window.localStorage.getItem(SEEN_KEY));
      return Number.isInteger(value) && value > 0 ? value : null;
    } catch (err) { return null; } // storage disabled: behave as a fresh screen
  }
  function rememberVersion(version) {
    try { window.localStorage.setItem(SEEN_KEY, String(version)); } catch (err) { /* none */ }
  }

  // ---------------------------------------------------------------- snapshot and events
  function inZone(item) { return Boolean(item) && item.zone === config.zone; }
  function counterOf(number) { return state.counters.find((c) => c.number === number) || null; }
  function hasCounter(number) { return counterOf(number) !== null; }
  function callKey(call) { return call.version ?? `${call.number}@${call.counter}@${call.at}`; }

  // Is this call still what its counter is doing? Only then may it be shown or announced.
  function isCurrent(call) {
    const counter = counterOf(call.counter);
    return Boolean(counter && counter.status === "open" && counter.current
      && counter.current.number === call.number && AT_COUNTER.includes(counter.current.status));
  }

  function onSnapshot(snapshot) {
    let previous = state.snapshots ? state.version : storedVersion();
    if (previous !== null && previous > snapshot.version) { previous = null; } // a new database
    // The server sends this zone's snapshot; filtering again keeps the page to its zone.
    const counters = snapshot.counters.filter(inZone);
    const numbers = new Set(counters.map((c) => c.number));
    const codes = new Set();
    counters.forEach((c) => c.services.forEach((s) => codes.add(s)));
    state.version = snapshot.version;
    rememberVersion(snapshot.version);
    state.mall = snapshot.mall;
    state.counters = counters;
    state.services = snapshot.services.filter((s) => codes.has(s.code));
    state.calls = snapshot.calls.filter((c) => numbers.has(c.counter)).slice(0, MAX_CALLS);
    state.serverOffsetMs = Date.parse(snapshot.server_time) - Date.now();
    state.snapshots += 1;
    clearTimeout(staleTimer);
    staleTimer = null;
    state.stale = false;
    document.body.dataset.stale = "false";
    setConnection("online");
    render();
    screen.tick();
    if (previous !== null) {
      announcer.announceMissed(state.calls, previous, Date.now() + state.serverOffsetMs);
    }
  }

  function onEvent(name, payload) {
    if (!payload || typeof payload.version !== "number") { return; }
    state.version = payload.version;
    rememberVersion(payload.version);
    let changed = false;
    if (name === "notice.updated" && state.mall) {
      // The running text or the announcement an admin set (core/usecases/notices.py).
      state.mall.running_text = payload.running_text;
      state.mall.announcement = payload.announcement;
      changed = true;
    }
    if (payload.counter && inZone(payload.counter)) {
      const index = state.counters.findIndex((c) => c.number === payload.counter.number);
      if (index >= 0) { state.counters[index] = payload.counter; changed = true; }
    }
    const ticket = payload.ticket;
    if (ticket && ticket.number) {
      // A ticket that left its counter (a transfer says so with no counter at all) is no
      // longer that counter's current ticket, whatever the event says about counters.
      state.counters.forEach((counter) => {
        const current = counter.current;
        if (!current || current.number !== ticket.number) { return; }
        if (payload.counter && payload.counter.number === counter.number) { return; }
        if (ticket.counter !== counter.number || !AT_COUNTER.includes(ticket.status)) {
          counter.current = null;
          changed = true;
        }
      });
    }
    if (payload.waiting) {
      Object.keys(payload.waiting).forEach((code) => {
        const service = state.services.find((s) => s.code === code);
        if (service) { service.waiting = payload.waiting[code]; changed = true; }
      });
    }
    const call = payload.ticket && payload.ticket.announcement;
    if ((name === "ticket.called" || name === "ticket.recalled") && inZone(call)
        && hasCounter(call.counter)) {
      const entry = Object.assign({}, call, { version: payload.version });
      state.calls.unshift(entry);
      state.calls.length = Math.min(state.calls.length, MAX_CALLS);
      announcer.announce(entry);
      render();
      return;
    }
    if (changed) { render(); }
  }

  // Every change to the state is drawn through here, which makes it the place to notice that
  // the call being said is no longer current and cut it short.
  function render() {
    announcer.stopStale();
    screen.render();
  }

  // At the mall's midnight a screen left on overnight drops yesterday's calls (numbers start
  // again at 001: yesterday's A002 would tell today's A002 it was already called).
  function forgetOtherDays(today) {
    const kept = state.calls.filter(
      (c) => !c.at || screen.dayOf(screen.wallClock(new Date(c.at))) === today);
    if (kept.length !== state.calls.length) {
      state.calls = kept;
      if (state.snapshots) { render(); }
    }
  }

  // ---------------------------------------------------------------- connection
  // Offline (or refused), a full-width banner says so at once; after STALE_AFTER_MS the
  // numbers, which may be wrong by then, are hidden until a fresh snapshot arrives.
  function setConnection(connection, detail) {
    state.connection = connection;
    state.detail = detail || null;
    document.body.dataset.connection = connection;
    const lost = connection === "offline" || connection === "refused";
    if (lost && staleTimer === null && !state.stale && state.snapshots) {
      staleTimer = setTimeout(hideStaleNumbers, STALE_AFTER_MS);
    }
    screen.renderConnection();
  }

  function hideStaleNumbers() {
    staleTimer = null;
    if (state.connection === "online") { return; }
    state.stale = true;
    document.body.dataset.stale = "true";
    announcer.dropQueue();
    render();
    screen.renderConnection();
  }

  // ---------------------------------------------------------------- the read-only hook
  function publicState() {
    const said = announcer.log();
    return JSON.parse(JSON.stringify({
      connection: state.connection,
      detail: state.detail,
      version: state.version,
      zone: config.zone,
      voice: config.voice,
      serverSpeech: config.serverSpeech,
      calls: state.calls,
      counters: state.counters,
      services: state.services,
      hero: screen.hero(),
      announcing: said.announcing,
      queued: said.queued,
      announcements: said.announcements,
    }));
  }

  window.antrianDisplay = Object.freeze({
    get spoken() { return announcer.spoken(); },
    get state() { return publicState(); },
    get servicePages() { return screen.servicePages(); },
  });

  // ---------------------------------------------------------------- nightly refresh
  // A TV runs for months. Once a night, while the hall is empty and the server answers, the
  // page reloads itself: it picks up an upgraded page and renews its sign-in cookie.
  const loadedAt = Date.now();

  function refreshAtNight() {
    const hour = screen.wallClock(new Date(Date.now() + state.serverOffsetMs)).hour;
    const idle = !announcer.busy() && state.connection === "online";
    if (hour !== 3 || !idle || Date.now() - loadedAt < 12 * 3600 * 1000) { return; }
    fetch(location.href, { method: "HEAD", credentials: "same-origin", cache: "no-store" })
      .then((response) => { if (response.ok) { location.reload(); } })
      .catch(() => {});
  }

  // ---------------------------------------------------------------- start
  announcer.init({ config: config, isCurrent: isCurrent, render: render, flash: screen.flash });
  screen.init({
    state: state, config: config, isCurrent: isCurrent, callKey: callKey,
    announcer: announcer, onNewDay: forgetOtherDays,
  });
  setConnection("connecting");
  screen.startClock();
  window.addEventListener("resize", () => { if (state.snapshots) { render(); } });
  setInterval(refreshAtNight, 10 * 60 * 1000);
  setInterval(screen.turnServicePage, SERVICE_PAGE_MS);
  window.AntrianLive.connect({
    // A display's token binds its zone; an admin's preview asks for the zone it shows.
    auth: { token: config.token, zone: config.zone },
    onSnapshot: onSnapshot,
    onEvent: onEvent,
    onStatus: function (status, detail) {
      if (status === "online") {
        // Back from "stale": the events that were late came in order, nothing to fetch.
        if (state.connection === "stale") { setConnection("online"); }
        else if (state.connection !== "online") { setConnection("syncing"); }
      } else {
        setConnection(status, detail);
      }
    },
  });
})();
