/*
 * The officer's counter terminal.
 *
 * The database is the truth: the page shows GET /api/v1/counters/<n> and fetches it again
 * whenever the socket (through the shared antrian-live.js) hints that something concerning this
 * counter changed, and after every (re)connect. Every user action is one POST with its own
 * Idempotency-Key; when the request fails at the network level it is retried with the same key
 * for a short while, so it is applied once or, if the server stays away, reported as not sent.
 */
(function () {
  "use strict";

  const t = window.AntrianI18n.t;
  const config = JSON.parse(document.getElementById("terminal-config").textContent);
  const urls = config.urls;
  const RETRY_WINDOW_MS = 30000;
  const REQUEST_TIMEOUT_MS = 8000;
  const OK_MESSAGE_MS = 8000;
  const TICKING_MS = 20000;

  const $ = function (id) { return document.getElementById(id); };
  const view = {
    data: config.state,
    fetchedAt: performance.now(),
    clockOffset: 0, // server time minus this browser's time, from the socket's snapshot
    busy: false,
    ownChanges: 0, // own actions drawn so far (a state read before one is stale)
    signedOut: false,
    message: null,
  };
  let live = null;
  const actionByKey = {};
  Object.keys(config.shortcuts).forEach(function (action) {
    actionByKey[config.shortcuts[action]] = action;
  });

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
    // The server explains a refusal in English only: a second line in English, never under
    // the Indonesian text (the terminal's own words say what happened).
    if (message.detail && window.AntrianI18n.language() === "en") {
      box.appendChild(el("span", { className: "detail", lang: "en", text: message.detail }));
    }
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

  function showPrinterStatus(payload) {
    if (payload.ok) { delete printerProblems[payload.kiosk]; }
    else { printerProblems[payload.kiosk] = payload.message; }
    const banner = $("printer-banner");
    const kiosks = Object.keys(printerProblems);
    banner.hidden = kiosks.length === 0;
    banner.replaceChildren.apply(banner, kiosks.map(function (kiosk) {
      return el("div", { text: t("printer.failed", { kiosk: kiosk, message: printerProblems[kiosk] }) });
    }));
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
    if (live) { live.socket.disconnect(); }
    setOffline(false);
    const dialog = $("transfer-dialog");
    if (dialog.open) { dialog.close(); }
    $("signed-out").hidden = false;
    document.body.classList.add("is-signed-out");
    render();
  }

  // ------------------------------------------------------------------ reading the state
  let refreshing = null;
  let refreshAgain = false;

  function refresh() {
    if (view.signedOut) { return Promise.resolve(); }
    refreshAgain = true;
    if (refreshing) { return refreshing; }
    refreshing = (async function () {
      // `refreshing` is cleared in the same step as the loop's last check: a refresh asked
      // for between the two (a later `.finally`) was lost, and with it the on-hold list.
      try {
        while (refreshAgain) {
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
            render();
            checkPendingNoShow();
          }
        }
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  // ------------------------------------------------------------------ drawing
  function canCall() {
    const data = view.data;
    return !view.busy && !view.signedOut && data.counter.status === "open" && !data.current;
  }

  function allowed(ticket, action) {
    return !view.busy && !view.signedOut && !!ticket &&
      (ticket.allowed_actions || []).indexOf(action) >= 0;
  }

  function render() {
    const data = view.data;
    renderStatus(data.counter);
    renderCurrent(data.current);
    renderWaiting(data.waiting);
    renderHeld(data.on_hold);
    renderNoShows(data.no_shows || []);
    renderFigures(data.figures);
    renderDayClose(data.day_close);
    document.querySelectorAll("button[data-action]").forEach(function (button) {
      const action = button.dataset.action;
      button.disabled = action === "call_next" ? !canCall() : !allowed(data.current, action);
      button.title = t("action.shortcut", { key: button.dataset.key });
    });
    const status = data.counter.status;
    const idle = view.busy || view.signedOut;
    $("btn-open").disabled = idle || status === "open";
    $("btn-break").disabled = idle || status === "break";
    $("btn-close").disabled = idle || status === "closed";
    document.body.classList.toggle("is-busy", view.busy);
    keepFocus();
  }

  // Shortly before the day closes: who is not called by then ends unserved (the visit being
  // served may still be finished). Redrawn by the ticking render, on the server's clock.
  function renderDayClose(close) {
    const banner = $("day-close-banner");
    const now = Date.now() + view.clockOffset;
    const shown = !!close && !view.signedOut &&
      now >= Date.parse(close.warn_from) && now < Date.parse(close.at);
    banner.hidden = !shown;
    banner.textContent = shown ? t("day_close.banner", { time: close.local_time }) : "";
  }

  function renderStatus(counter) {
    const badge = $("counter-status");
    badge.dataset.status = counter.status;
    const text = $("counter-status-text");
    text.dataset.i18n = "status." + counter.status;
    text.textContent = t("status." + counter.status);
    $("counter-status-reason").textContent = counter.status !== "open" && counter.reason
      ? counter.reason : "";
    const empty = $("current-empty");
    empty.dataset.i18n = "current.none." + counter.status;
    empty.textContent = t(empty.dataset.i18n);
  }

  function renderCurrent(ticket) {
    const card = $("current");
    card.dataset.empty = ticket ? "false" : "true";
    $("current-empty").hidden = !!ticket;
    if (!ticket) {
      card.removeAttribute("data-status");
      $("current-number").textContent = "—";
      ["current-service", "current-status", "current-waited", "current-serving",
       "current-calls", "current-transfers"].forEach(function (id) { $(id).textContent = ""; });
      $("current-priority").hidden = true;
      $("current-channel").hidden = true;
      return;
    }
    card.dataset.status = ticket.status;
    $("current-number").textContent = ticket.number;
    $("current-service").textContent = serviceName(ticket.service);
    $("current-status").textContent = t("ticket.status." + ticket.status);
    const priority = $("current-priority");
    priority.hidden = !ticket.priority;
    priority.textContent = ticket.priority ? priorityLabel(ticket.priority_level) : "";
    const channel = $("current-channel");
    channel.hidden = !ticket.channel_badge;
    channel.textContent = ticket.channel_badge ? channelLabel(ticket.channel_badge) : "";
    if (ticket.channel_badge) { channel.dataset.channel = ticket.channel_badge.code; }
    const waited = ticket.called_at
      ? minutesBetween(ticket.arrived_at, ticket.called_at)
      : ticket.waiting_minutes;
    $("current-waited").textContent = t("current.waited", { minutes: waited });
    $("current-serving").textContent = ticket.started_at
      ? t("current.serving_for", { minutes: minutesSince(ticket.started_at) }) : "";
    $("current-calls").textContent = ticket.call_count > 1
      ? t("current.called_times", { count: ticket.call_count }) : "";
    const history = ticket.transfers || [];
    $("current-transfers").textContent = history.length
      ? history.concat([ticket.service]).map(serviceName).join(" → ")
      : t("current.no_transfers");
  }

  // How the ticket was taken: "Dari rumah" (a number from home), a booking with its slot;
  // kiosk tickets carry no badge (core/channels.py).
  function channelLabel(badge) {
    const english = window.AntrianI18n.language() === "en";
    return ((english && badge.label_en) || badge.label) + (badge.slot ? " " + badge.slot : "");
  }

  function channelMark(badge) {
    if (!badge) { return null; }
    return el("span", { className: "mark channel", "data-channel": badge.code,
                        text: channelLabel(badge) });
  }

  /* The estimate the visitor's phone shows, so the officer knows what they were told. */
  function etaText(entry) {
    if (entry.eta_today === false) { return t("waiting.not_today"); }
    if (entry.eta_minutes === null || entry.eta_minutes === undefined) { return ""; }
    const range = entry.eta_range;
    return range && !entry.eta_approx && range[1] > range[0]
      ? t("waiting.eta_range", { low: range[0], high: range[1] })
      : t("waiting.eta", { minutes: entry.eta_minutes });
  }

  function renderWaiting(waiting) {
    const body = $("waiting-list");
    const elapsed = Math.floor((performance.now() - view.fetchedAt) / 60000);
    const callable = canCall();
    body.replaceChildren.apply(body, waiting.map(function (entry) {
      const numberCell = el("td", { className: "number" }, [
        el("span", { text: entry.number }),
        el("span", { className: "position", title: entry.reason
          ? t("waiting.reason." + entry.reason) : "", text: "#" + entry.position }),
        entry.priority
          ? el("span", { className: "mark priority-mark", title: priorityLabel(entry.priority),
                         text: "★ " + t("priority." + entry.priority) })
          : null,
        entry.transferred
          ? el("span", { className: "mark transferred", text: "↪ " + t("ticket.transferred") })
          : null,
        channelMark(entry.channel_badge),
      ]);
      // The visible word is short; the accessible name says which ticket it calls.
      const call = el("button", { type: "button", className: "call-one", "data-ticket": entry.id,
                                   "aria-label": t("action.call_ticket", { number: entry.number }),
                                   text: t("action.call") });
      call.disabled = !callable;
      call.addEventListener("click", function () { callTicket(entry); });
      const name = serviceName(entry.service);
      return el("tr", { "data-ticket": entry.id, "data-number": entry.number,
                        "data-position": String(entry.position),
                        className: entry.priority ? "priority" : "" }, [
        numberCell,
        el("td", { className: "service", title: name }, [el("span", { text: name })]),
        el("td", { className: "minutes",
                   text: t("waiting.minutes", { minutes: entry.waiting_minutes + elapsed }) }, [
          el("span", { className: "eta", text: etaText(entry) }),
        ]),
        el("td", {}, [call]),
      ]);
    }));
    $("waiting-empty").hidden = waiting.length > 0;
    $("waiting-table").hidden = waiting.length === 0;
    // The list shows the first of a long queue; the count is of everyone waiting.
    const total = typeof view.data.waiting_total === "number" ? view.data.waiting_total : waiting.length;
    $("waiting-count").textContent = t("waiting.count", { count: total });
  }

  function renderHeld(held) {
    const list = $("on-hold-list");
    list.replaceChildren.apply(list, held.map(function (ticket, index) {
      const resume = el("button", { type: "button", className: "resume",
                                     text: t("action.resume") });
      if (index === 0) { resume.appendChild(el("kbd", { text: config.shortcuts.resume })); }
      resume.disabled = !allowed(ticket, "resume");
      resume.addEventListener("click", function () { ticketAction(ticket, "resume"); });
      const requeue = el("button", { type: "button", className: "requeue",
                                      text: t("action.requeue") });
      requeue.disabled = !allowed(ticket, "requeue");
      requeue.addEventListener("click", function () { ticketAction(ticket, "requeue"); });
      const transfer = el("button", { type: "button", className: "transfer",
                                       text: t("action.transfer") });
      transfer.disabled = !allowed(ticket, "transfer");
      transfer.addEventListener("click", function () { openTransfer(ticket); });
      const name = serviceName(ticket.service);
      return el("li", { "data-ticket": ticket.id, "data-number": ticket.number }, [
        el("strong", { text: ticket.number }),
        el("span", { className: "service", title: name, text: name }),
        el("div", { className: "held-actions" }, [resume, requeue, transfer]),
      ]);
    }));
    $("on-hold-empty").hidden = held.length > 0;
  }

  function renderNoShows(noShows) {
    // Today's no-shows at this counter: a visitor who was only away can be called back.
    const list = $("no-show-list");
    const callable = canCall();
    list.replaceChildren.apply(list, noShows.map(function (ticket) {
      const back = el("button", { type: "button", className: "call-back",
                                   "aria-label": t("action.call_back_ticket",
                                                   { number: ticket.number }),
                                   text: t("action.call_back") });
      back.disabled = !callable || !allowed(ticket, "call");
      back.addEventListener("click", function () { callTicket(ticket); });
      const name = serviceName(ticket.service);
      return el("li", { "data-ticket": ticket.id, "data-number": ticket.number }, [
        el("strong", { text: ticket.number }),
        el("span", { className: "service", title: name, text: name }),
        el("div", { className: "held-actions" }, [back]),
      ]);
    }));
    $("no-show-empty").hidden = noShows.length > 0;
    // Shown only while there is someone to call back: the side column fits a laptop screen.
    $("no-shows").hidden = noShows.length === 0;
  }

  // ------------------------------------------------------------------ keyboard focus
  // The button an officer pressed is disabled while its request runs, or drawn anew (a row of
  // the waiting list), and the browser then drops focus to <body>: a keyboard user would have
  // to Tab from the top again. After every drawing the focus goes back to the same control when
  // it can still be pressed, else to the next thing to do (Start after Call, Finish after Start,
  // Call next after Finish). A click on the page's background lets go of it on purpose.
  const NEXT_STEPS = ["call_next", "start", "finish", "recall", "no_show", "hold", "transfer"];
  let focusKept = null; // {node, id, className, ticket}: the control the officer was on

  document.addEventListener("focusin", function (event) {
    const node = event.target;
    if (!node || node === document.body || !node.matches) { return; }
    const row = node.closest("[data-ticket]");
    focusKept = { node: node, id: node.id, className: node.className,
                  ticket: row ? row.dataset.ticket : null };
  });
  document.addEventListener("pointerdown", function (event) {
    const target = event.target;
    if (!target.closest || !target.closest("button, a, input, select, textarea, [tabindex]")) {
      focusKept = null;
    }
  });

  function usable(node) {
    return !!node && node.isConnected && !node.disabled && node.getClientRects().length > 0;
  }

  function sameControl(kept) {
    if (usable(kept.node)) { return kept.node; }
    if (kept.id) { return usable($(kept.id)) ? $(kept.id) : null; }
    if (!kept.ticket || !kept.className) { return null; }
    // The same button of the same ticket, drawn again.
    const found = document.querySelector("[data-ticket=\"" + CSS.escape(kept.ticket) + "\"] ." +
      kept.className.trim().split(/\s+/).map(CSS.escape).join("."));
    return usable(found) ? found : null;
  }

  function nextStep() {
    for (let i = 0; i < NEXT_STEPS.length; i += 1) {
      const button = document.querySelector("button[data-action=\"" + NEXT_STEPS[i] + "\"]");
      if (usable(button)) { return button; }
    }
    return null;
  }

  function keepFocus() {
    if (!focusKept || view.signedOut || $("transfer-dialog").open) { return; }
    const active = document.activeElement;
    if (active && active !== document.body && usable(active)) { return; }
    const target = sameControl(focusKept) || nextStep();
    if (target) { target.focus(); }
    // Nothing can be pressed yet (a request runs): the next drawing tries again.
  }

  // ------------------------------------------------------------------ no-show with undo
  // X does not act at once: for a few seconds the officer can take it back (Z or the
  // button). The request is sent only when the time is up, so nothing needs undoing.
  let pendingNoShow = null;

  function startNoShow(ticket) {
    if (pendingNoShow) { return; }
    const seconds = config.no_show_undo_seconds;
    pendingNoShow = { ticket: ticket, left: seconds };
    pendingNoShow.timer = setInterval(function () {
      if (!pendingNoShow) { return; }
      pendingNoShow.left -= 1;
      if (pendingNoShow.left <= 0) {
        const due = pendingNoShow;
        clearInterval(due.timer);
        pendingNoShow = null;
        renderPendingNoShow();
        ticketAction(due.ticket, "no_show");
      } else {
        renderPendingNoShow();
      }
    }, 1000);
    renderPendingNoShow();
  }

  function undoNoShow() {
    const undone = stopPendingNoShow();
    if (!undone) { return false; }
    showMessage("msg.no_show_undone", { number: undone.ticket.number }, "ok");
    return true;
  }

  function stopPendingNoShow() {
    if (!pendingNoShow) { return null; }
    const stopped = pendingNoShow;
    clearInterval(stopped.timer);
    pendingNoShow = null;
    renderPendingNoShow();
    return stopped;
  }

  // Another terminal of this counter (or a manager) changed the ticket meanwhile: its no-show
  // would be refused when the time is up, or no longer true. `latest` is the ticket as the
  // server now has it, or null when it has left this counter.
  function dropMootNoShow(latest) {
    if (!pendingNoShow) { return; }
    const ticket = pendingNoShow.ticket;
    if (latest && latest.status === ticket.status) { return; }
    stopPendingNoShow();
    const key = latest && window.AntrianI18n.has("msg.no_show_dropped." + latest.status)
      ? "msg.no_show_dropped." + latest.status : "msg.no_show_dropped";
    showMessage(key, { number: ticket.number }, "warn");
  }

  function checkPendingNoShow() {
    // After a state read: the pending ticket is still this counter's, in the same state.
    if (!pendingNoShow) { return; }
    const current = view.data.current;
    dropMootNoShow(current && current.number === pendingNoShow.ticket.number ? current : null);
  }

  function renderPendingNoShow() {
    const box = $("no-show-pending");
    if (!pendingNoShow) { box.hidden = true; box.replaceChildren(); keepFocus(); return; }
    box.hidden = false;
    const undo = el("button", { type: "button", className: "undo", id: "btn-undo-no-show",
                                 text: t("action.undo") });
    undo.appendChild(el("kbd", { text: config.shortcuts.undo }));
    undo.addEventListener("click", undoNoShow);
    box.replaceChildren(
      el("span", { text: t("msg.no_show_pending", { number: pendingNoShow.ticket.number,
                                                     seconds: pendingNoShow.left }) }),
      undo,
    );
    keepFocus();
  }

  function renderFigures(figures) {
    // Written as the language shown writes numbers: "0,1 menit", "0.1 min".
    const number = window.AntrianI18n.number;
    $("figure-served").textContent = number(figures.served, 0);
    $("figure-no-show").textContent = number(figures.no_show, 0);
    const average = $("figure-average");
    if (figures.average_service_minutes === null) {
      average.textContent = t("figures.none");
    } else {
      average.replaceChildren(
        document.createTextNode(number(figures.average_service_minutes) + " "),
        el("small", { className: "unit", text: t("figures.minutes_unit") }));
    }
  }

  // ------------------------------------------------------------------ acting
  async function perform(url, body, onDone) {
    if (view.busy || view.signedOut) { return; }
    view.busy = true;
    render();
    const key = newKey();
    const deadline = Date.now() + RETRY_WINDOW_MS;
    let delay = 300;
    try {
      for (;;) {
        let response = null;
        try {
          response = await timedFetch(url, {
            method: "POST",
            headers: authHeaders({ "Content-Type": "application/json", "Idempotency-Key": key }),
            body: JSON.stringify(body || {}),
          });
        } catch (err) {
          response = null; // refused, reset or timed out: the server may or may not have acted
        }
        const payload = response ? await readJson(response) : null;
        const inProgress = response && response.status === 409 && payload && payload.error &&
          payload.error.code === "in_progress";
        const unreachable = !response || [502, 503, 504].indexOf(response.status) >= 0;
        if (unreachable || inProgress) {
          if (Date.now() + delay > deadline) {
            showMessage("msg.not_sent", {}, "error");
            return;
          }
          // The same key again: the server answers a request it already ran with that answer.
          showMessage("msg.retrying", {}, "warn");
          await sleep(delay);
          delay = Math.min(delay * 2, 2000);
          continue;
        }
        if (response.status === 401) { signOut(); return; }
        if (!response.ok) { showRefusal(payload, response.status); return; }
        showOwnChange(payload);
        onDone(response.status, payload);
        return;
      }
    } finally {
      view.busy = false;
      render();
      refresh();
      runTypedAhead();
    }
  }

  // A shortcut pressed while the last action is still on its way (N, then H at once) is
  // kept and run when it is done, against the state it left; a stale one is dropped.
  const TYPE_AHEAD_MS = 3000;
  let typedAhead = null;

  function runTypedAhead() {
    const pending = typedAhead;
    typedAhead = null;
    if (pending && Date.now() - pending.at <= TYPE_AHEAD_MS && !view.signedOut) {
      trigger(pending.action);
    }
  }

  function showOwnChange(ticket) {
    // Draw our own change at once; the refresh that follows brings the rest.
    if (!ticket || !ticket.id || !ticket.allowed_actions) { return; }
    view.ownChanges += 1;
    const active = ticket.counter === config.counter &&
      (ticket.status === "called" || ticket.status === "serving");
    if (active) {
      view.data = Object.assign({}, view.data, { current: ticket });
    } else if (view.data.current && view.data.current.id === ticket.id) {
      view.data = Object.assign({}, view.data, { current: null });
    }
  }

  function ticketUrl(ticket, action) {
    return urls.tickets + "/" + encodeURIComponent(ticket.id) + "/" + action.replace("_", "-");
  }

  function callNext() {
    return perform(urls.callNext, null, function (status, ticket) {
      if (status === 204 || !ticket) { showMessage("msg.nobody_waiting", {}, "info"); }
      else { showMessage("msg.done.call", { number: ticket.number }, "ok"); }
    });
  }

  function callTicket(entry) {
    return perform(ticketUrl(entry, "call"), null, function (status, ticket) {
      showMessage("msg.done.call", { number: ticket.number }, "ok");
    });
  }

  function ticketAction(ticket, action) {
    return perform(ticketUrl(ticket, action), null, function () {
      showMessage("msg.done." + action, { number: ticket.number }, "ok");
    });
  }

  function setStatus(status) {
    const reason = status === "break" ? $("break-reason").value.trim() || null : null;
    return perform(urls.status, { status: status, reason: reason }, function () {
      showMessage("msg.done.status", { status: { label: "status." + status } }, "ok");
    });
  }

  function explainNoCall() {
    // A key press that cannot call says why; a request already running needs no words.
    if (view.busy || view.signedOut) { return; }
    const status = view.data.counter.status;
    if (status !== "open") { showMessage("msg.cannot_call." + status, {}, "warn"); }
    else if (view.data.current) { showMessage("error.counter_busy", {}, "warn"); }
  }

  function trigger(action) {
    const data = view.data;
    if (action === "call_next") {
      if (canCall()) { callNext(); }
      else { explainNoCall(); }
      return;
    }
    if (action === "undo") { undoNoShow(); return; }
    if (action === "resume") {
      const held = data.on_hold[0];
      if (held && allowed(held, "resume")) { ticketAction(held, "resume"); }
      return;
    }
    if (!allowed(data.current, action)) { return; }
    // Another action on the ticket the officer was about to mark: they changed their mind.
    if (action !== "no_show") { stopPendingNoShow(); }
    if (action === "transfer") { openTransfer(data.current); return; }
    if (action === "no_show") { startNoShow(data.current); return; }
    ticketAction(data.current, action);
  }

  // ------------------------------------------------------------------ transfer picker
  let transferTicket = null;

  function normalize(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function pickerMatches() {
    const words = normalize($("transfer-search").value).split(/\s+/).filter(Boolean);
    return (view.data.services || []).filter(function (service) {
      if (!transferTicket || service.code === transferTicket.service) { return false; }
      const haystack = normalize([service.code, service.name, service.name_en,
                                  service.agency].join(" "));
      return words.every(function (word) { return haystack.indexOf(word) >= 0; });
    });
  }

  function renderPicker() {
    if (!transferTicket) { return; }
    $("transfer-title").textContent = t("transfer.title", { number: transferTicket.number });
    const matches = pickerMatches();
    const list = $("transfer-list");
    const english = window.AntrianI18n.language() === "en";
    list.replaceChildren.apply(list, matches.map(function (service) {
      const button = el("button", { type: "button", className: "pick",
                                     "data-service": service.code }, [
        el("strong", { text: english && service.name_en ? service.name_en : service.name }),
        el("small", { text: service.code + " · " + service.agency }),
      ]);
      button.addEventListener("click", function () { chooseTransfer(service); });
      return el("li", {}, [button]);
    }));
    $("transfer-empty").hidden = matches.length > 0;
  }

  function openTransfer(ticket) {
    if (!ticket || view.busy || view.signedOut) { return; }
    transferTicket = ticket;
    $("transfer-search").value = "";
    renderPicker();
    $("transfer-dialog").showModal();
    $("transfer-search").focus();
  }

  function chooseTransfer(service) {
    const ticket = transferTicket;
    $("transfer-dialog").close();
    if (!ticket) { return; }
    perform(ticketUrl(ticket, "transfer"), { service: service.code }, function () {
      showMessage("msg.done.transfer",
                  { number: ticket.number, service: { service: service.code } }, "ok");
    });
  }

  $("transfer-search").addEventListener("input", renderPicker);
  $("transfer-search").addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault(); // the dialog's form would close without choosing
      const first = pickerMatches()[0];
      if (first) { chooseTransfer(first); }
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      const button = $("transfer-list").querySelector("button");
      if (button) { button.focus(); }
    }
  });
  $("transfer-list").addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") { return; }
    event.preventDefault();
    const buttons = Array.from($("transfer-list").querySelectorAll("button"));
    const index = buttons.indexOf(document.activeElement) + (event.key === "ArrowDown" ? 1 : -1);
    if (index < 0) { $("transfer-search").focus(); }
    else if (buttons[index]) { buttons[index].focus(); }
  });
  $("transfer-dialog").addEventListener("close", function () { transferTicket = null; });

  // ------------------------------------------------------------------ wiring
  document.querySelectorAll("button[data-action]").forEach(function (button) {
    button.addEventListener("click", function () { trigger(button.dataset.action); });
  });
  document.querySelectorAll("button[data-status-action]").forEach(function (button) {
    button.addEventListener("click", function () { setStatus(button.dataset.statusAction); });
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) { return; }
    if (view.signedOut || $("transfer-dialog").open) { return; }
    const target = event.target;
    if (target && (target.isContentEditable ||
                   ["INPUT", "TEXTAREA", "SELECT"].indexOf(target.tagName) >= 0)) { return; }
    const action = actionByKey[(event.key || "").toUpperCase()];
    if (!action) { return; }
    event.preventDefault();
    if (view.busy) { typedAhead = { action: action, at: Date.now() }; return; }
    trigger(action);
  });

  $("logout-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    let response;
    try {
      response = await timedFetch(urls.logout, { method: "POST",
                                                 headers: { Accept: "application/json" } });
    } catch (err) {
      showMessage("msg.not_sent", {}, "error");
      return;
    }
    const body = await readJson(response);
    signOut();
    window.location.assign((body && body.next) || urls.login);
  });

  window.AntrianI18n.onChange(function () {
    render();
    renderPendingNoShow();
    renderMessage();
    renderPicker();
  });
  setInterval(function () { if (!view.signedOut) { render(); } }, TICKING_MS);

  live = window.AntrianLive.connect({
    auth: { token: config.token },
    onSnapshot: function (snapshot) {
      if (snapshot.server_time) {
        view.clockOffset = Date.parse(snapshot.server_time) - Date.now();
      }
      refresh();
    },
    onEvent: function (name, payload) {
      if (name === "printer.status") { showPrinterStatus(payload); return; }
      const ticket = (payload || {}).ticket;
      if (name.indexOf("ticket.") === 0 && ticket && pendingNoShow &&
          ticket.number === pendingNoShow.ticket.number) {
        dropMootNoShow(ticket);
      }
      if (concernsThisCounter(name, payload || {})) { refresh(); }
    },
    onStatus: function (state) {
      if (view.signedOut) { return; }
      if (state === "refused") { signOut(); }
      else {
        setOffline(state === "offline");
        setStale(state === "stale");
      }
    },
  });

  function concernsThisCounter(name, payload) {
    const mine = view.data.counter.services;
    if (name === "counter.updated") {
      return !!payload.counter && payload.counter.number === config.counter;
    }
    if (name.indexOf("ticket.") !== 0) { return false; }
    const ticket = payload.ticket || {};
    if (ticket.counter === config.counter) { return true; }
    if (payload.counter && payload.counter.number === config.counter) { return true; }
    if (mine.indexOf(ticket.service) >= 0) { return true; }
    return Object.keys(payload.waiting || {}).some(function (s) { return mine.indexOf(s) >= 0; });
  }

  // `ready` tells a script driving the page (the browser tests) that the keys are wired.
  window.AntrianTerminal = { view: view, live: live, refresh: refresh, refusal: refusal,
                             ready: true };
  render();
})();
