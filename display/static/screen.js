/*
 * The screen, for display.js: draws what display.js holds (the mall's texts, the big number,
 * the recent calls, the counters, the waiting list, the clock and the connection banner).
 *
 * The big number ("hero") shows the call being announced; calls still waiting for their turn
 * follow in order. A call is shown there only while it is current: its counter is open and its
 * ticket is that number, called or serving. A call that stopped being current before its turn
 * (the ticket was finished, held, transferred, marked no-show, or the counter left) is not
 * announced. With nothing being announced the hero shows the newest current call, or nothing.
 *
 * It is apart from the state because drawing is measured against the TV (whole rows, type that
 * shrinks to fit, pages of services) and changes with the layout, while the state changes only
 * with what the server says. It changes no state: it reads display.js's and the announcer's.
 */
(function () {
  "use strict";

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

  const FLASH_MS = 4000;             // display.css: `attention 1s ... 4`

  const $ = (id) => document.getElementById(id);

  // Set by init: the state display.js keeps, its config, its isCurrent(call) and callKey(call),
  // the announcer, and onNewDay(day), told when the mall's date changes.
  let state = null;
  let config = null;
  let isCurrent = null;
  let callKey = null;
  let announcer = null;
  let onNewDay = null;

  function init(options) {
    state = options.state;
    config = options.config;
    isCurrent = options.isCurrent;
    callKey = options.callKey;
    announcer = options.announcer;
    onNewDay = options.onNewDay;
  }

  // The call the big number shows: the one being announced while it is current; else the
  // newest current call that is not still waiting for its announcement; else none.
  function heroCall() {
    const speaking = announcer.currentCall();
    if (speaking && isCurrent(speaking)) { return speaking; }
    const waiting = new Set(announcer.waitingCalls().map((call) => callKey(call)));
    return state.calls.find((call) => !waiting.has(callKey(call)) && isCurrent(call)) || null;
  }

  // ---------------------------------------------------------------- rendering
  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function render() {
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
  // services than fit whole are shown a page at a time (service-pages.js), turned on
  // display.js's SERVICE_PAGE_MS timer, and the panel's title says so.
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

  // Offline (or refused), a full-width banner says so at once; once display.js finds the
  // numbers stale, they are hidden (here and in render) and the banner says why.
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

  // The mall's date at the last tick, so display.js hears of midnight at once.
  let shownDay = null;

  function dayOf(p) { return `${p.year}-${p.month}-${p.day}`; }

  function tick() {
    const p = wallClock(new Date(Date.now() + state.serverOffsetMs));
    if (shownDay !== dayOf(p)) {
      shownDay = dayOf(p);
      onNewDay(shownDay);
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

  // ---------------------------------------------------------------- what the page reads
  // The number the big panel shows, or null.
  function hero() { return heroKey === null ? null : $("now").dataset.number; }

  window.AntrianScreen = Object.freeze({
    init: init,
    render: render,
    renderConnection: renderConnection,
    flash: flash,
    turnServicePage: turnServicePage,
    tick: tick,
    startClock: startClock,
    wallClock: wallClock,
    dayOf: dayOf,
    hero: hero,
    servicePages: () => servicePages.map((shown) => shown.slice()),
  });
})();
