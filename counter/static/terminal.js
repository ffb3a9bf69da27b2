/*
 * The officer's counter terminal, its entry script, loaded after the others of terminal.html:
 * the shortcut keys and buttons, signing out, the language toggle, the live connection, and
 * the first drawing. Separate so that wiring the page to the parts happens once, after every
 * part is there; the parts themselves are described in terminal-core.js.
 */
(function () {
  "use strict";

  const T = window.AntrianTerminal;
  const config = T.config;
  const urls = config.urls;
  const view = T.view;
  const $ = T.$;
  const timedFetch = T.timedFetch;
  const readJson = T.readJson;
  const showMessage = T.showMessage;
  const renderMessage = T.renderMessage;
  const showPrinterStatus = T.showPrinterStatus;
  const setOffline = T.setOffline;
  const setStale = T.setStale;
  const canCall = T.canCall;
  const allowed = T.allowed;
  const refresh = T.refresh;
  const signOut = T.signOut;
  const TICKING_MS = 20000;

  const actionByKey = {};
  Object.keys(config.shortcuts).forEach(function (action) {
    actionByKey[config.shortcuts[action]] = action;
  });

  // ------------------------------------------------------------------ shortcuts
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
      if (canCall()) { T.callNext(); }
      else { explainNoCall(); }
      return;
    }
    if (action === "undo") { T.undoNoShow(); return; }
    if (action === "resume") {
      const held = data.on_hold[0];
      if (held && allowed(held, "resume")) { T.ticketAction(held, "resume"); }
      return;
    }
    if (!allowed(data.current, action)) { return; }
    // Another action on the ticket the officer was about to mark: they changed their mind.
    if (action !== "no_show") { T.stopPendingNoShow(); }
    if (action === "transfer") { T.openTransfer(data.current); return; }
    if (action === "no_show") { T.startNoShow(data.current); return; }
    T.ticketAction(data.current, action);
  }

  // ------------------------------------------------------------------ wiring
  document.querySelectorAll("button[data-action]").forEach(function (button) {
    button.addEventListener("click", function () { trigger(button.dataset.action); });
  });
  document.querySelectorAll("button[data-status-action]").forEach(function (button) {
    button.addEventListener("click", function () { T.setStatus(button.dataset.statusAction); });
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
    // No reads with the token being given up: the sign-out's own change (the counter
    // closing) comes back as an event, and its read would be refused (a 401 in the console).
    view.signingOut = true;
    let response;
    try {
      response = await timedFetch(urls.logout, { method: "POST",
                                                 headers: { Accept: "application/json" } });
    } catch (err) {
      view.signingOut = false;
      showMessage("msg.not_sent", {}, "error");
      return;
    }
    const body = await readJson(response);
    signOut();
    window.location.assign((body && body.next) || urls.login);
  });

  window.AntrianI18n.onChange(function () {
    T.render();
    T.renderPendingNoShow();
    renderMessage();
    T.renderPicker();
  });
  setInterval(function () { if (!view.signedOut) { T.render(); } }, TICKING_MS);

  T.live = window.AntrianLive.connect({
    auth: { token: config.token },
    onSnapshot: function (snapshot) {
      if (snapshot.server_time) {
        view.clockOffset = Date.parse(snapshot.server_time) - Date.now();
      }
      // Kiosk printers already in trouble when this terminal connected (or reconnected).
      (snapshot.printers || []).forEach(showPrinterStatus);
      refresh();
    },
    onEvent: function (name, payload) {
      if (name === "printer.status") { showPrinterStatus(payload); return; }
      const ticket = (payload || {}).ticket;
      if (name.indexOf("ticket.") === 0 && ticket) { T.onTicketEvent(ticket); }
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

  T.runTypedAhead = runTypedAhead;
  T.render();
  T.ready = true;
})();
