/*
 * The counter terminal's no-show with undo: a countdown before the request is sent, taken back
 * by a key or its button, or dropped when the visitor's ticket changes elsewhere meanwhile.
 * Separate because it is the one action that waits: it keeps a timer and a pending ticket of
 * its own, which the state reads and the live events check against.
 */
(function () {
  "use strict";

  const t = window.AntrianI18n.t;
  const T = window.AntrianTerminal;
  const config = T.config;
  const view = T.view;
  const $ = T.$;
  const el = T.el;
  const showMessage = T.showMessage;

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
        T.ticketAction(due.ticket, "no_show");
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
    if (!pendingNoShow) { box.hidden = true; box.replaceChildren(); T.keepFocus(); return; }
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
    T.keepFocus();
  }

  // A live event about a ticket (as the event tells it): when it is the one about to be
  // marked, its no-show may be moot.
  function onTicketEvent(ticket) {
    if (pendingNoShow && ticket.number === pendingNoShow.ticket.number) {
      dropMootNoShow(ticket);
    }
  }

  Object.assign(T, {
    startNoShow: startNoShow, undoNoShow: undoNoShow, stopPendingNoShow: stopPendingNoShow,
    checkPendingNoShow: checkPendingNoShow, renderPendingNoShow: renderPendingNoShow,
    onTicketEvent: onTicketEvent,
  });
})();
