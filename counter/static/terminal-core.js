/*
 * The officer's counter terminal, first of its scripts: the shared state, the helpers, the
 * messages and banners, signing out, and reading the counter's state.
 *
 * The database is the truth: the page shows GET /api/v1/counters/<n> and fetches it again
 * whenever the socket (through the shared antrian-live.js) hints that something concerning this
 * counter changed, and after every (re)connect. Every user action is one POST with its own
 * Idempotency-Key; when the request fails at the network level it is retried with the same key
 * for a short while, so it is applied once or, if the server stays away, reported as not sent
 * (terminal-actions.js).
 *
 * The terminal is several classic scripts, loaded in order by terminal.html, so that each holds
 * one concern. They share window.AntrianTerminal, created here and extended by the others;
 * terminal.js, loaded last, wires the page and draws it. The helpers defined here are taken as
 * locals; anything of another script is called through the namespace when it runs, so a script
 * may call into one loaded after it.
 */
(function () {
  "use strict";

  const t = window.AntrianI18n.t;
  const config = JSON.parse(document.getElementById("terminal-config").textContent);
  const urls = config.urls;
  const REQUEST_TIMEOUT_MS = 8000;
  const OK_MESSAGE_MS = 8000;

  const $ = function (id) { return document.getElementById(id); };
  const view = {
    data: config.state,
    fetchedAt: performance.now(),
    clockOffset: 0, // server time minus this browser's time, from the socket's snapshot
    busy: false,
    ownChanges: 0, // own actions drawn so far (a state read before one is stale)
    signedOut: false,
    signingOut: false, // the sign-out request is on its way
    message: null,
  };
  const T = window.AntrianTerminal = {
    config: config,
    view: view,
    live: null, // the socket, once terminal.js has connected it
    ready: false, // true once terminal.js has wired the page: a key pressed before is lost
  };

  // ------------------------------------------------------------------ helpers
  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function newKey() { return window.AntrianKeys.newKey("counter-" + config.counter + "-"); }

  function authHeaders(extra) {
    const headers = { Authorization: "Bearer " + config.token, Accept: "application/json" };
    return Object.assign(headers, extra || {});
  }

  async function timedFetch(url, options) {
    const controller = new AbortController();
    const timer = setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    try {
      return await fetch(url, Object.assign({ credentials: "same-origin" }, options, {
        signal: controller.signal,
      }));
    } finally {
      clearTimeout(timer);
    }
  }

  async function readJson(response) {
    if (response.status === 204) { return null; }
    try { return await response.json(); } catch (err) { return null; }
  }

  function serviceInfo(code) {
    const found = (view.data.services || []).find(function (s) { return s.code === code; });
    return found || { code: code, name: code, name_en: code, agency: "" };
  }

  function serviceName(code) {
    const info = serviceInfo(code);
    return window.AntrianI18n.language() === "en" && info.name_en ? info.name_en : info.name;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attrs[name]; }
      else if (name === "className") { node.className = attrs[name]; }
      else { node.setAttribute(name, attrs[name]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function minutesSince(iso) {
    if (!iso) { return null; }
    const now = Date.now() + view.clockOffset;
    return Math.max(0, Math.floor((now - Date.parse(iso)) / 60000));
  }

  function minutesBetween(fromIso, toIso) {
    return Math.max(0, Math.floor((Date.parse(toIso) - Date.parse(fromIso)) / 60000));
  }

  function priorityLabel(level) {
    return level ? t("priority.mark") + " · " + t("priority." + level) : t("priority.mark");
  }

  // ------------------------------------------------------------------ messages and states
  function showMessage(key, params, kind, detail) {
    view.message = { key: key, params: params || {}, kind: kind || "info", detail: detail || "",
                     at: Date.now() };
    renderMessage();
    if (kind === "ok") {
      const shown = view.message;
      setTimeout(function () {
        if (view.message === shown) { view.message = null; renderMessage(); }
      }, OK_MESSAGE_MS);
    }
  }

  function localParams(params) {
    // {label: key} and {service: code} values are drawn in the language shown now.
    const local = {};
    Object.keys(params).forEach(function (name) {
      const value = params[name];
      if (value && value.label) { local[name] = t(value.label); }
      else if (value && value.service) { local[name] = serviceName(value.service); }
      else { local[name] = value; }
    });
    return local;
  }

  function renderMessage() {
    const box = $("message");
    const message = view.message;
    if (!message) { box.hidden = true; box.replaceChildren(); return; }
    box.hidden = false;
    box.dataset.kind = message.kind;
    box.replaceChildren(el("span", { text: t(message.key, localParams(message.params)) }));
    // The server explains a refusal in both languages ("Indonesian / English"): its English
    // half follows as a second line in English, never under the Indonesian text (the
    // terminal's own words say what happened).
    if (message.detail && window.AntrianI18n.language() === "en") {
      box.appendChild(el("span", { className: "detail", lang: "en", text: english(message.detail) }));
    }
  }

  function english(said) {
    // The English half of the server's "Indonesian / English"; all of it when it has no halves.
    const at = said.indexOf(" / ");
    return at < 0 ? said : said.slice(at + 3);
  }

  function refusal(payload, status) {
    // The terminal's words for a refusal: {key, params, detail, code}.
    const error = (payload && payload.error) || {};
    const code = error.code || "";
    const known = code && window.AntrianI18n.has("error." + code);
    return { key: known ? "error." + code : "error.other",
             params: { code: code || "HTTP " + status },
             detail: error.message || "", code: code };
  }

  function showRefusal(payload, status) {
    const told = refusal(payload, status);
    showMessage(told.key, told.params, "error", told.detail);
  }

  // Kiosk printers in trouble, by kiosk code: officers tell visitors to use the on-screen QR.
  const printerProblems = {};
  // Kiosk printers whose roll is running low (they still print): someone fetches a roll.
  const paperLow = {};

  // A printer's message is "Indonesian / English" (printers/words.py): the half of the page's
  // language; a device's own words in one language are shown as they are.
  function inLanguage(message) {
    const text = String(message || "");
    const cut = text.indexOf(" / ");
    if (cut < 0) { return text; }
    return window.AntrianI18n.language() === "en" ? text.slice(cut + 3) : text.slice(0, cut);
  }

  function showPrinterStatus(payload) {
    if (payload.ok) { delete printerProblems[payload.kiosk]; }
    else { printerProblems[payload.kiosk] = payload.message; }
    // null: the event says nothing of the roll.
    if (payload.paper_low === true) { paperLow[payload.kiosk] = true; }
    else if (payload.paper_low === false) { delete paperLow[payload.kiosk]; }
    const banner = $("printer-banner");
    const kiosks = Object.keys(printerProblems);
    const low = Object.keys(paperLow).filter(function (kiosk) { return !(kiosk in printerProblems); });
    banner.hidden = kiosks.length + low.length === 0;
    banner.replaceChildren.apply(banner, kiosks.map(function (kiosk) {
      return el("div", { text: t("printer.failed", { kiosk: kiosk, message: inLanguage(printerProblems[kiosk]) }) });
    }).concat(low.map(function (kiosk) {
      return el("div", { text: t("printer.paper_low", { kiosk: kiosk }) });
    })));
  }

  function setOffline(offline) {
    $("offline-banner").hidden = !offline || view.signedOut;
    document.body.classList.toggle("is-offline", offline && !view.signedOut);
  }

  // The server's link to the other server processes is down: shown, and read again after.
  function setStale(stale) {
    const was = !$("stale-banner").hidden;
    $("stale-banner").hidden = !stale || view.signedOut;
    if (was && !stale) { refresh(); }
  }

  function signOut() {
    if (view.signedOut) { return; }
    view.signedOut = true;
    if (T.live) { T.live.socket.disconnect(); }
    setOffline(false);
    const dialog = $("transfer-dialog");
    if (dialog.open) { dialog.close(); }
    $("signed-out").hidden = false;
    document.body.classList.add("is-signed-out");
    T.render();
  }

  // ------------------------------------------------------------------ reading the state
  let refreshing = null;
  let refreshAgain = false;

  function refresh() {
    if (view.signedOut || view.signingOut) { return Promise.resolve(); }
    refreshAgain = true;
    if (refreshing) { return refreshing; }
    refreshing = (async function () {
      // `refreshing` is cleared in the same step as the loop's last check: a refresh asked
      // for between the two (a later `.finally`) was lost, and with it the on-hold list.
      try {
        while (refreshAgain && !view.signingOut) {
          refreshAgain = false;
          const changesBefore = view.ownChanges;
          let response;
          try {
            response = await timedFetch(urls.state, { headers: authHeaders() });
          } catch (err) {
            // Offline: the socket's reconnect brings a snapshot and another refresh. But a
            // refresh asked for meanwhile (our own action just succeeded) must still run.
            continue;
          }
          if (response.status === 401) { signOut(); return; }
          if (!response.ok) { continue; }
          const data = await readJson(response);
          // A state read before our own change landed would undraw it (the visitor just
          // called vanished, and a key pressed then found nobody): read again instead.
          if (view.ownChanges !== changesBefore) { refreshAgain = true; continue; }
          if (data) {
            view.data = data;
            view.fetchedAt = performance.now();
            T.render();
            T.checkPendingNoShow();
          }
        }
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  // ------------------------------------------------------------------ what can be pressed now
  function canCall() {
    const data = view.data;
    return !view.busy && !view.signedOut && data.counter.status === "open" && !data.current;
  }

  function allowed(ticket, action) {
    return !view.busy && !view.signedOut && !!ticket &&
      (ticket.allowed_actions || []).indexOf(action) >= 0;
  }

  Object.assign(T, {
    $: $, el: el, sleep: sleep, newKey: newKey, authHeaders: authHeaders, timedFetch: timedFetch,
    readJson: readJson, serviceName: serviceName, minutesSince: minutesSince,
    minutesBetween: minutesBetween, priorityLabel: priorityLabel,
    showMessage: showMessage, renderMessage: renderMessage, refusal: refusal,
    showRefusal: showRefusal, showPrinterStatus: showPrinterStatus, setOffline: setOffline,
    setStale: setStale, signOut: signOut, refresh: refresh, canCall: canCall, allowed: allowed,
  });
})();
