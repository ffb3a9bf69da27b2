/*
 * The counter terminal's actions: each one POST with its own Idempotency-Key, resent with the
 * same key while the server is out of reach, and the officer's own change drawn at once.
 * Separate because how a request is sent and retried is one concern, apart from what is drawn;
 * the buttons, the shortcut keys, the no-show's countdown and the transfer picker all end here.
 */
(function () {
  "use strict";

  const T = window.AntrianTerminal;
  const config = T.config;
  const urls = config.urls;
  const view = T.view;
  const $ = T.$;
  const sleep = T.sleep;
  const newKey = T.newKey;
  const authHeaders = T.authHeaders;
  const timedFetch = T.timedFetch;
  const readJson = T.readJson;
  const showMessage = T.showMessage;
  const showRefusal = T.showRefusal;
  const signOut = T.signOut;
  const refresh = T.refresh;
  const RETRY_WINDOW_MS = 30000;

  async function perform(url, body, onDone) {
    if (view.busy || view.signedOut) { return; }
    view.busy = true;
    T.render();
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
      T.render();
      refresh();
      T.runTypedAhead();
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

  Object.assign(T, {
    perform: perform, ticketUrl: ticketUrl, callNext: callNext, callTicket: callTicket,
    ticketAction: ticketAction, setStatus: setStatus,
  });
})();
