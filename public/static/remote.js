/*
 * "Take a number from home" on a service's phone page.
 *
 * POST /api/v1/tickets {"service", "channel": "online", "language"} with an Idempotency-Key
 * kept in sessionStorage until an answer arrives: a double tap or a retry after a network
 * drop gets the same ticket, never a second one; another tab of the phone (its cookie) is told
 * the number the phone already holds (200, `already_held`). On success the phone remembers the number
 * (so this page can offer it again) and opens the ticket's status page with its survey key.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("page-config").textContent);
  const t = config.labels;
  const $ = function (id) { return document.getElementById(id); };
  const KEY_STORE = "antrian.remote.key." + config.service;
  const MINE_STORE = "antrian.remote.tickets";
  const langQuery = config.language === "en" ? "?lang=en" : "";

  function stored(storage, name) {
    try { return storage.getItem(name); } catch (err) { return null; }
  }
  function store(storage, name, value) {
    try {
      if (value === null) { storage.removeItem(name); } else { storage.setItem(name, value); }
    } catch (err) { /* private mode: the key lives only as long as this page */ }
  }

  const newKey = window.AntrianKeys.newKey;

  function statusPath(id) { return "/t/" + encodeURIComponent(id) + langQuery; }

  /* The visitor's survey key, the `#k=` fragment of the status address the server answered
     with: the status page keeps it on this phone and offers the survey once the visit is
     finished (without it, a number from home was never asked to rate the service). */
  function keyFragment(view) {
    const found = /#k=[A-Za-z0-9_-]+$/.exec(view.status_url || "");
    return found ? found[0] : "";
  }

  function today() { return new Date().toDateString(); }

  function mine() {
    try { return JSON.parse(stored(localStorage, MINE_STORE) || "{}") || {}; } catch (err) { return {}; }
  }

  function showMine() {
    const ticket = mine()[config.service];
    if (!ticket || ticket.day !== today()) { return; }
    $("mine-text").textContent = t.remote_mine.replace("{number}", ticket.number);
    $("mine-link").href = statusPath(ticket.id);
    $("mine").hidden = false;
  }

  function remember(ticket) {
    const all = mine();
    all[config.service] = { id: ticket.id, number: ticket.number, day: today() };
    store(localStorage, MINE_STORE, JSON.stringify(all));
  }

  function warningText(warning) {
    if (warning.code === "may_not_be_served") {
      return t.remote_may_not_be_served.replace("{time}", warning.closes);
    }
    return t.remote_closes_soon.replace("{time}", warning.closes)
      .replace("{n}", String(warning.minutes_left));
  }

  /* A number the phone holds, with what the visitor must read, and the link to its page. */
  function showTaken(ticket, text) {
    $("taking").hidden = true;
    $("take").disabled = false;
    $("mine-text").textContent = text;
    $("mine-link").href = statusPath(ticket.id) + keyFragment(ticket);
    $("mine").hidden = false;
  }

  function fail(message) {
    $("taking").hidden = true;
    $("take").disabled = false;
    $("error").textContent = message;
    $("error").hidden = false;
  }

  async function take() {
    const button = $("take");
    if (button.disabled) { return; }
    button.disabled = true;
    $("error").hidden = true;
    $("taking").hidden = false;
    let key = stored(sessionStorage, KEY_STORE);
    if (!key) {
      key = newKey();
      store(sessionStorage, KEY_STORE, key);
    }
    let response;
    try {
      response = await fetch("/api/v1/tickets", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": key },
        body: JSON.stringify({ service: config.service, channel: "online", language: config.language }),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (err) {
      fail(t.error_network); // the key is kept: trying again cannot take a second number
      return;
    }
    let body = null;
    try { body = await response.json(); } catch (err) { body = null; }
    if (response.status === 201 && body && body.id) {
      store(sessionStorage, KEY_STORE, null);
      remember(body);
      if (body.warning && !$("remote-warning")) {
        /* Closing came near since the page was loaded: say so before leaving the page. */
        showTaken(body, t.remote_mine.replace("{number}", body.number) + " " + warningText(body.warning));
        return;
      }
      window.location.assign(statusPath(body.id) + keyFragment(body));
      return;
    }
    if (response.status === 200 && body && body.already_held) {
      /* Another tab of this phone took it: say so, and offer that number's page. */
      store(sessionStorage, KEY_STORE, null);
      remember(body);
      showTaken(body, t.remote_already.replace("{number}", body.number));
      return;
    }
    if (response.status >= 400 && response.status < 500 && response.status !== 409) {
      store(sessionStorage, KEY_STORE, null); // refused: a new attempt is a new request
    }
    const code = body && body.error && body.error.code;
    const known = {
      remote_not_offered: t.remote_not_offered,
      online_quota_reached: t.remote_online_quota_reached,
      service_closed: t.remote_closed,
      quota_reached: t.remote_quota_reached,
      remote_too_late: t.remote_too_late,
    };
    fail(known[code] || (body && body.error && body.error.message) || t.error_other);
  }

  showMine();
  const button = $("take");
  if (button) { button.addEventListener("click", take); }
})();
