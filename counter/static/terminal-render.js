/*
 * Drawing the counter terminal from the state it holds: the counter's status, the ticket at the
 * counter, the waiting list, the tickets on hold, the day's no-shows, the day's figures and the
 * day-close banner, and which buttons can be pressed. Separate from reading and sending: every
 * function here only draws view.data, so a change to what is shown stays in this file.
 */
(function () {
  "use strict";

  const t = window.AntrianI18n.t;
  const T = window.AntrianTerminal;
  const config = T.config;
  const view = T.view;
  const $ = T.$;
  const el = T.el;
  const serviceName = T.serviceName;
  const minutesSince = T.minutesSince;
  const minutesBetween = T.minutesBetween;
  const priorityLabel = T.priorityLabel;
  const canCall = T.canCall;
  const allowed = T.allowed;

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
    T.keepFocus();
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
      call.addEventListener("click", function () { T.callTicket(entry); });
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
      resume.addEventListener("click", function () { T.ticketAction(ticket, "resume"); });
      const requeue = el("button", { type: "button", className: "requeue",
                                      text: t("action.requeue") });
      requeue.disabled = !allowed(ticket, "requeue");
      requeue.addEventListener("click", function () { T.ticketAction(ticket, "requeue"); });
      const transfer = el("button", { type: "button", className: "transfer",
                                       text: t("action.transfer") });
      transfer.disabled = !allowed(ticket, "transfer");
      transfer.addEventListener("click", function () { T.openTransfer(ticket); });
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
      back.addEventListener("click", function () { T.callTicket(ticket); });
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

  T.render = render;
})();
