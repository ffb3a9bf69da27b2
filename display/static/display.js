/*
 * The hallway display: renders one zone's snapshot, applies live events, and hands the calls
 * to the announcer (announcer.js), which says them.
 *
 * State comes only from the server: the snapshot (on every connect and after a version gap,
 * handled by AntrianLive) replaces everything; events then patch it. Events about another
 * zone's counters are ignored here, but AntrianLive still advances the version with them.
 *
 * The big number ("hero") shows the call being announced; calls still waiting for their turn
 * follow in order. A call is shown there only while it is current: its counter is open and its
 * ticket is that number, called or serving. A call that stopped being current before its turn
 * (the ticket was finished, held, transferred, marked no-show, or the counter left) is not
 * announced. With nothing being announced the hero shows the newest current call, or nothing.
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

  const DAYS = ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"];
  const MONTHS = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
  ];
  const ZONE_LABELS = {
    "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT",
  };
  const DAYS_EN = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  const MONTHS_EN = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
  ];
  const STATUS_TEXT = {
    open: ["Buka", "Open"], break: ["Istirahat", "Break"], closed: ["Tutup", "Closed"],
  };
  const AT_COUNTER = ["called", "serving"]; // a counter's current ticket, as the hero sees it

  const MAX_CALLS = 10;              // what the snapshot holds
  const FLASH_MS = 4000;             // display.css: `attention 1s ... 4`
  const SERVICE_PAGE_MS = 10000;     // long enough to find one's service and read its count
  const STALE_AFTER_MS = 30000;      // offline this long: numbers on screen may be wrong, hide them

  const $ = (id) => document.getElementById(id);

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

  // The call the big number shows: the one being announced while it is current; else the
  // newest current call that is not still waiting for its announcement; else none.
  function heroCall() {
    const speaking = announcer.currentCall();
    if (speaking && isCurrent(speaking)) { return speaking; }
    const waiting = new Set(announcer.waitingCalls().map((call) => callKey(call)));
    return state.calls.find((call) => !waiting.has(callKey(call)) && isCurrent(call)) || null;
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
    tick();
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

  // ---------------------------------------------------------------- rendering
  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  // Every change to the state is drawn through here, which makes it the place to notice that
  // the call being said is no longer current and cut it short.
  function render() {
    announcer.stopStale();
    renderMall();
    renderNow();
    renderRecent();
    renderCounters();
    renderServices();
  }

  let tickerText = null;

  function renderMall() {
    if (!state.mall) { return; }
    $("mall-name").textContent = state.mall.name;
    const ticker = $("running-text");
    const text = state.mall.running_text || "";
    if (tickerText !== text) {
      tickerText = text;
      ticker.textContent = text;
      ticker.style.setProperty("--ticker-seconds", Math.max(20, text.length * 0.18) + "s");
    }
    ticker.parentElement.hidden = !text;
    const notice = $("announcement");
    notice.textContent = state.mall.announcement || "";
    notice.hidden = !state.mall.announcement;
  }

  let heroKey = null;

  function renderNow() {
    const call = state.stale ? null : heroCall();
    const agency = $("now-agency");
    heroKey = call ? callKey(call) : null;
    $("now").dataset.number = call ? call.number : "";
    if (!call) {
      $("now-number").textContent = "—";
      $("now-counter").textContent = "";
      $("now-channel").hidden = true;
      agency.replaceChildren(...(state.stale
        ? ["Nomor disembunyikan sampai tersambung kembali ",
          element("span", "en", "Numbers hidden until the connection is back")]
        : state.calls.length
        ? ["Tidak ada panggilan aktif ", element("span", "en", "No current call")]
        : ["Belum ada panggilan ", element("span", "en", "No calls yet")]));
      return;
    }
    $("now-number").textContent = call.number;
    $("now-counter").textContent = call.counter_name;
    const channel = $("now-channel");
    channel.replaceChildren(...(call.channel_badge ? [channelBadge(call.channel_badge)] : []));
    channel.hidden = !call.channel_badge;
    // The call names the service and agency in Indonesian; the English comes with the service.
    const service = state.services.find((s) => s.code === call.service) || {};
    agency.replaceChildren(
      element("div", "now-agency-id", call.agency_name),
      element("div", "en", service.agency === call.agency ? service.agency_name_en : null),
      element("div", "now-service", call.service_name),
      element("div", "en", service.name_en),
      element("div", "now-booking", call.slot ? "Booking " + call.slot : null),
    );
  }

  // How the ticket was taken (from home, booked with its slot); a kiosk ticket has no badge.
  function channelBadge(badge) {
    const node = element("span", "channel", badge.label + (badge.slot ? " " + badge.slot : ""));
    node.dataset.channel = badge.code;
    if (badge.label_en && badge.label_en !== badge.label) {
      node.append(" ", element("span", "en", badge.label_en));
    }
    return node;
  }

  function renderRecent() {
    const list = $("recent");
    // Every call but the hero's and those still waiting for their announcement.
    const waiting = new Set(announcer.waitingCalls().map((call) => callKey(call)));
    const shown = state.stale ? []
      : state.calls.filter((c) => callKey(c) !== heroKey && !waiting.has(callKey(c)));
    const rows = shown.map((call) => {
      const row = element("li");
      row.dataset.number = call.number;
      row.dataset.counter = call.counter;
      row.append(element("span", "number", call.number));
      if (call.channel_badge) { row.append(channelBadge(call.channel_badge)); }
      const where = element("span", "where", call.counter_name);
      if (call.recall) {
        const tag = element("span", "tag", "ulang");
        tag.append(" ", element("span", "en", "recall"));
        where.append(tag);
      }
      row.append(where);
      return row;
    });
    if (!rows.length) {
      rows.push(element("li", "empty", "—"));
    }
    list.replaceChildren(...rows);
    fitRecent();
  }

  // Only whole rows: drop the oldest until the last one ends inside the panel.
  function fitRecent() {
    const list = $("recent");
    const bottom = list.getBoundingClientRect().bottom;
    while (list.children.length > 1
           && list.lastElementChild.getBoundingClientRect().bottom > bottom + 0.5) {
      list.lastElementChild.remove();
    }
  }

  function renderCounters() {
    $("counters").replaceChildren(...state.counters.map((counter) => {
      const tile = element("li");
      tile.dataset.counter = counter.number;
      tile.dataset.status = counter.status;
      tile.append(element("span", "name", counter.name));
      const current = counter.current && !state.stale ? counter.current.number : "—";
      tile.append(element("span", "current", current));
      const [id, en] = STATUS_TEXT[counter.status] || [counter.status, ""];
      const label = element("span", "state", id);
      label.append(element("span", "en", en));
      tile.append(label);
      return tile;
    }));
  }

  // By ticket prefix, the letter a visitor holds; each name whole, in both languages. More
  // services than fit whole are shown a page at a time (service-pages.js), turned every
  // SERVICE_PAGE_MS, and the panel's title says so.
  let servicePage = 0;
  let servicePages = [];             // the services' codes on each page, for tests and checks

  function renderServices() {
    const list = $("services");
    const services = state.services.slice().sort((a, b) => a.prefix.localeCompare(b.prefix));
    const rows = services.map((service) => {
      const row = element("li", service.open ? "" : "closed");
      row.dataset.service = service.code;
      row.append(element("span", "prefix", service.prefix));
      const names = element("span", "names");
      names.append(element("span", "name", service.name));
      names.append(element("span", "en", service.name_en));
      row.append(names);
      const count = element("span", "count");
      if (state.stale) {
        count.textContent = "—";
      } else if (service.open || service.waiting) {
        count.textContent = String(service.waiting);
      } else {
        count.append("Tutup", element("span", "en", "Closed"));
      }
      row.append(count);
      return row;
    });
    list.replaceChildren(...rows);
    const pages = fitServices() ? [[0, rows.length]]
      : window.AntrianServicePages.paginate(list, rows);
    servicePage %= pages.length;
    const [start, end] = pages[servicePage];
    list.replaceChildren(...rows.slice(start, end));
    servicePages = pages.map(([from, to]) => services.slice(from, to).map((s) => s.code));
    const mark = $("services-pages");
    mark.hidden = pages.length < 2;
    const others = rows.length - (end - start);
    const page = (servicePage + 1) + "/" + pages.length;
    mark.replaceChildren("Halaman " + page + " · +" + others + " layanan lainnya",
      element("span", "en", "Page " + page + " · +" + others + " more services"));
  }

  function turnServicePage() {
    if (servicePages.length < 2) { return; }
    servicePage = (servicePage + 1) % servicePages.length;
    renderServices();
  }

  // Shrink the list's type, never below legible, until every name fits whole. False: even
  // the smallest type leaves some out.
  function fitServices() {
    const list = $("services");
    let size = 0.8;
    list.style.fontSize = size + "rem";
    const overflows = () => list.scrollHeight > list.clientHeight + 1
      || list.scrollWidth > list.clientWidth + 1; // a third column past the edge
    while (size > 0.6 && overflows()) {
      size -= 0.02;
      list.style.fontSize = size.toFixed(2) + "rem";
    }
    return !overflows();
  }

  // The new call's mark: four pulses, or (reduced motion, display.css) a steady red panel for
  // as long; taken off afterwards so a steady mark does not stay on an old call.
  let flashTimer = null;

  function flash() {
    const panel = $("now");
    panel.classList.remove("flash");
    void panel.offsetWidth; // restart the animation
    panel.classList.add("flash");
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => panel.classList.remove("flash"), FLASH_MS);
  }

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
    renderConnection();
  }

  function hideStaleNumbers() {
    staleTimer = null;
    if (state.connection === "online") { return; }
    state.stale = true;
    document.body.dataset.stale = "true";
    announcer.dropQueue();
    render();
    renderConnection();
  }

  function renderConnection() {
    const connection = state.connection;
    const mark = $("connection");
    mark.hidden = connection === "online";
    const title = $("connection-title");
    const text = $("connection-text");
    if (connection === "refused") {
      title.replaceChildren("Layar ditolak server ", element("span", "en", "Display refused"));
      text.replaceChildren((state.detail || "") + " ",
        element("span", "en", "An admin must set this display up again."));
    } else if (connection === "stale") {
      title.replaceChildren("Data mungkin tertinggal ", element("span", "en", "Data may be out of date"));
      text.replaceChildren("Sedang menyambung ulang… ", element("span", "en", "Reconnecting…"));
    } else if (connection === "offline") {
      title.replaceChildren("Koneksi terputus ", element("span", "en", "Connection lost"));
      text.replaceChildren("Menyambung ulang… ", element("span", "en", "Reconnecting…"));
    } else {
      title.replaceChildren();
      text.replaceChildren("Menyambung ulang… ", element("span", "en", "Reconnecting…"));
    }
    const note = $("connection-stale");
    note.hidden = !state.stale;
  }

  // ---------------------------------------------------------------- date and clock
  function pad(n) { return String(n).padStart(2, "0"); }

  function wallClock(date) {
    try {
      const parts = {};
      new Intl.DateTimeFormat("en-US", {
        timeZone: config.timezone, hourCycle: "h23", year: "numeric", month: "numeric",
        day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
      }).formatToParts(date).forEach((p) => { parts[p.type] = Number(p.value); });
      return parts;
    } catch (err) {
      // No time zone data: WIB is UTC+7 all year.
      const wib = new Date(date.getTime() + 7 * 3600 * 1000);
      return {
        year: wib.getUTCFullYear(), month: wib.getUTCMonth() + 1, day: wib.getUTCDate(),
        hour: wib.getUTCHours(), minute: wib.getUTCMinutes(), second: wib.getUTCSeconds(),
      };
    }
  }

  // The mall's date at the last tick: a screen left on overnight drops yesterday's calls at
  // midnight (numbers start again at 001: yesterday's A002 would tell today's A002 it was
  // already called).
  let shownDay = null;

  function dayOf(p) { return `${p.year}-${p.month}-${p.day}`; }

  function forgetOtherDays(today) {
    const kept = state.calls.filter((c) => !c.at || dayOf(wallClock(new Date(c.at))) === today);
    if (kept.length !== state.calls.length) {
      state.calls = kept;
      if (state.snapshots) { render(); }
    }
  }

  function tick() {
    const p = wallClock(new Date(Date.now() + state.serverOffsetMs));
    if (shownDay !== dayOf(p)) {
      shownDay = dayOf(p);
      forgetOtherDays(shownDay);
    }
    const weekday = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
    const label = ZONE_LABELS[config.timezone] || "";
    $("clock-time").textContent = `${pad(p.hour % 24)}.${pad(p.minute)} ${label}`.trim();
    $("clock-date").textContent = `${DAYS[weekday]}, ${p.day} ${MONTHS[p.month - 1]} ${p.year}`;
    $("clock-date-en").textContent =
      `${DAYS_EN[weekday]}, ${p.day} ${MONTHS_EN[p.month - 1]} ${p.year}`;
  }

  function startClock() {
    tick();
    setTimeout(function next() {
      tick();
      setTimeout(next, 1000 - (Date.now() % 1000) + 5);
    }, 1000 - (Date.now() % 1000) + 5);
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
      hero: heroKey === null ? null : $("now").dataset.number,
      announcing: said.announcing,
      queued: said.queued,
      announcements: said.announcements,
    }));
  }

  window.antrianDisplay = Object.freeze({
    get spoken() { return announcer.spoken(); },
    get state() { return publicState(); },
    get servicePages() { return servicePages.map((page) => page.slice()); },
  });

  // ---------------------------------------------------------------- nightly refresh
  // A TV runs for months. Once a night, while the hall is empty and the server answers, the
  // page reloads itself: it picks up an upgraded page and renews its sign-in cookie.
  const loadedAt = Date.now();

  function refreshAtNight() {
    const hour = wallClock(new Date(Date.now() + state.serverOffsetMs)).hour;
    const idle = !announcer.busy() && state.connection === "online";
    if (hour !== 3 || !idle || Date.now() - loadedAt < 12 * 3600 * 1000) { return; }
    fetch(location.href, { method: "HEAD", credentials: "same-origin", cache: "no-store" })
      .then((response) => { if (response.ok) { location.reload(); } })
      .catch(() => {});
  }

  // ---------------------------------------------------------------- start
  announcer.init({ config: config, isCurrent: isCurrent, render: render, flash: flash });
  setConnection("connecting");
  startClock();
  window.addEventListener("resize", () => { if (state.snapshots) { render(); } });
  setInterval(refreshAtNight, 10 * 60 * 1000);
  setInterval(turnServicePage, SERVICE_PAGE_MS);
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
