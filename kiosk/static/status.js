/*
 * A visitor's ticket, live on their phone: number, service, status, people ahead, estimate.
 *
 * The page connects with {ticket: id}; the server puts it in that ticket's room and its
 * service's room. It re-reads GET /api/v1/tickets/<id> whenever its ticket or its queue moves,
 * and reconnects after a transfer so the server moves it to the new service's room. When the
 * ticket is called the counter is shown large, with a beep and a vibration where allowed.
 * When only `alert_ahead` people (config.yaml status_page) or fewer are ahead, it alerts once
 * the same way; the page title says both, so a phone with the tab in the background shows it.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("page-config").textContent);
  const STORED_LANGUAGE = "antrian.lang";
  // The address's ?lang= (a ticket taken in English carries it in its QR code) wins; without
  // it, the visitor's last choice on this phone; else Indonesian.
  let language = config.language || "id";
  if (!config.language) {
    try { language = localStorage.getItem(STORED_LANGUAGE) === "en" ? "en" : "id"; } catch (err) { /* private mode */ }
  }
  const i18n = AntrianI18n.create(config.labels, language);
  const t = i18n.t;
  const $ = function (id) { return document.getElementById(id); };
  const url = "/api/v1/tickets/" + encodeURIComponent(config.ticket_id);

  const MESSAGES = {
    done: "thank_you",
    no_show: "no_show_detail",
    cancelled: "cancelled_detail",
    unserved: "unserved_detail",
    on_hold: "on_hold_detail",
  };
  // A ticket of an earlier day: what is over is said to be over on that day, not "today".
  const PAST_MESSAGES = {
    no_show: "no_show_past_detail",
    unserved: "unserved_past_detail",
  };
  const FINAL = ["done", "no_show", "cancelled", "unserved"];

  let ticket = config.ticket;
  let alerts = 0;
  const ALERT_AHEAD = typeof config.alert_ahead === "number" ? config.alert_ahead : 3;
  // Alert once when the queue comes within reach, not when the page opens already there.
  let nearAlerted = isNear(ticket);
  let audio = null;
  let soundOn = false;

  /* Writes only a text that changed: the status, the figures and the alerts are live regions,
     and a screen reader repeats whatever is written into one, even the same words, at every
     move of the queue. */
  function show(id, text) {
    const element = $(id);
    if (element.textContent !== text) { element.textContent = text; }
  }

  function render() {
    const status = ticket.status;
    document.body.dataset.status = status;
    show("number", ticket.number);
    show("service", i18n.name(ticket, "service_name"));
    show("agency", i18n.name(ticket, "agency_name"));
    // The server says whether the ticket's day is the mall's today (the phone's clock and
    // time zone may be anything).
    const past = ticket.day_is_today === false;
    const date = dateText(ticket.day);
    document.body.dataset.pastDay = String(past);
    show("day", date);
    $("day-line").classList.toggle("past", past);
    const pill = $("status");
    pill.dataset.status = status;
    show("status", (status === "unserved" && past
      ? t("status_unserved_past", { date: date })
      : t("status_" + status)) +
      (ticket.transferred && status === "waiting" ? " · " + t("transferred") : ""));

    $("waiting-box").hidden = status !== "waiting";
    if (status === "waiting") {
      show("ahead", t("people", { n: ticket.ahead }));
      show("eta", waitText(ticket));
    }

    const atCounter = status === "called" || status === "serving";
    $("called-box").hidden = !atCounter;
    if (atCounter) {
      show("called-lead", t(status === "called" ? "go_to" : "being_served_at"));
      show("called-counter", ticket.counter_name || "");
    }

    $("message-box").hidden = !MESSAGES[status];
    const message = (past && PAST_MESSAGES[status]) || MESSAGES[status];
    show("message", message ? t(message, { date: date }) : "");
    $("sound-row").hidden = FINAL.indexOf(status) >= 0;
    $("sound").dataset.t = soundOn ? "sound_ready" : "sound_on";
    show("sound", t($("sound").dataset.t));
    const near = isNear(ticket);
    $("near").hidden = !near;
    if (near) { show("near", t("near_alert", { n: ticket.ahead })); }
    document.title = titleFor(ticket, near);
  }

  /* An ISO date ("2026-12-02") as people write it: "2 Desember 2026" (kiosk/labels.py
     long_date, which renders the page first, writes it the same way). */
  function dateText(iso) {
    const parts = String(iso || "").split("-").map(Number);
    if (parts.length !== 3 || !parts[0] || !parts[1] || !parts[2]) { return ""; }
    return t("date", { day: parts[2], month: t("month_" + parts[1]), year: parts[0] });
  }

  // "Get ready" only when a counter is expected to serve the visitor today: with no counter
  // of the service working (no estimate) or the turn after closing, nobody ahead is no call.
  function isNear(view) {
    const served = view.eta_today !== false && view.eta_minutes !== null
      && view.eta_minutes !== undefined;
    return ALERT_AHEAD > 0 && view.status === "waiting" && typeof view.ahead === "number"
      && view.ahead <= ALERT_AHEAD && served;
  }

  function titleFor(view, near) {
    if (view.status === "called") { return t("title_called", { number: view.number }); }
    if (near) { return t("title_near", { n: view.ahead, number: view.number }); }
    return view.number + " · " + t("status_title");
  }

  /* The estimate as the visitor reads it: a range where the spread is wide, "≈ n" where it
     is tight, and no time at all when the turn would come after the counters close. */
  function waitText(view) {
    const minutes = view.eta_minutes;
    if (view.eta_today === false) { return t("eta_not_today"); }
    if (minutes === null || minutes === undefined) { return t("eta_unknown"); }
    const range = view.eta_range;
    const text = range && !view.eta_approx && range[1] > range[0]
      ? t("minutes_range", { low: range[0], high: range[1] })
      : t("minutes_approx", { n: minutes });
    // With nobody ahead "0 min" reads like a mistake: say the visitor is next.
    if (view.ahead === 0) { return minutes > 0 ? t("you_are_next") + " (" + text + ")" : t("you_are_next"); }
    return text;
  }

  function apply(view, eventName) {
    if (!view || !view.number) { return; }
    const before = ticket.status;
    ticket = view;
    render();
    if ((view.status === "called" && before !== "called") || eventName === "ticket.recalled") {
      notify();
    } else if (isNear(view) && !nearAlerted) {
      nearAlerted = true;
      alertNear();
    }
    if (view.status === "waiting" && !isNear(view)) { nearAlerted = false; } // sent back
  }

  // One read at a time; events that arrive meanwhile make one more read (a recall wins,
  // so its beep is not lost).
  let reading = false;
  let queued = null;

  async function refresh(eventName) {
    if (reading) {
      queued = queued === "ticket.recalled" ? queued : eventName;
      return;
    }
    reading = true;
    try {
      const response = await fetch(url, { cache: "no-store" });
      if (response.ok) { apply(await response.json(), eventName); }
    } catch (err) {
      // Offline: the connection status says so, and a reconnect brings a fresh status.
    } finally {
      reading = false;
      if (queued) {
        const next = queued;
        queued = null;
        refresh(next);
      }
    }
  }

  // ------------------------------------------------------------------ sound and vibration
  function audioContext() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return null; }
    if (!audio) {
      try { audio = new Context(); } catch (err) { return null; }
    }
    if (audio.state === "suspended") { audio.resume().catch(function () {}); }
    return audio;
  }

  function beep(times) {
    const context = audioContext();
    if (!context) { return; }
    const start = context.currentTime + 0.05;
    for (let i = 0; i < times; i += 1) {
      const at = start + i * 0.4;
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.5, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.3);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.32);
    }
  }

  function vibrate(pattern) {
    if (typeof navigator.vibrate === "function") {
      try { navigator.vibrate(pattern); } catch (err) { /* not allowed without a tap */ }
    }
  }

  function notify() {
    alerts += 1;
    document.body.dataset.alerts = String(alerts);
    vibrate([300, 150, 300, 150, 600]);
    beep(3);
    const box = $("called-box");
    box.classList.remove("flash");
    void box.offsetWidth;
    box.classList.add("flash");
  }

  function alertNear() {
    document.body.dataset.nearAlerts = String(Number(document.body.dataset.nearAlerts || 0) + 1);
    vibrate([200, 100, 200]);
    beep(2);
  }

  // ------------------------------------------------------------------ wiring
  $("sound").addEventListener("click", function () {
    // Browsers allow sound only after a tap: this tap unlocks it for the call later.
    soundOn = true;
    beep(1);
    vibrate(80);
    render();
  });

  $("lang").addEventListener("click", function () {
    i18n.set(i18n.other());
    try { localStorage.setItem(STORED_LANGUAGE, i18n.lang); } catch (err) { /* private mode */ }
    // A reload keeps the choice even when the address named the other language.
    if (config.language) {
      const address = new URL(window.location.href);
      address.searchParams.set("lang", i18n.lang);
      config.language = i18n.lang;
      history.replaceState(null, "", address.pathname + address.search + address.hash);
    }
    render();
  });

  i18n.apply();
  render();

  const live = AntrianLive.connect({
    auth: { ticket: config.ticket_id },
    versioned: false,
    onEvent: function (name, payload) {
      if (name === "ticket.status") {
        apply(payload, name);
      } else if (name === "ticket.transferred") {
        refresh(name);
        // The server chooses the rooms on connect: reconnecting moves us to the new queue.
        live.socket.disconnect().connect();
      } else if (name.indexOf("ticket.") === 0 || name === "queue.moved") {
        refresh(name);
      }
    },
    onStatus: function (status) {
      $("offline").hidden = status === "online";
    },
  });
  window.antrianTicket = { live: live };
})();
