/*
 * The counter terminal's transfer picker: a dialog to search the mall's services by code, name
 * or agency and send the ticket to one, by mouse or by arrow keys and Enter. Separate because
 * it is a page of its own over the terminal, with its own state (the ticket being moved) and
 * keys, while the terminal's shortcuts stay off.
 */
(function () {
  "use strict";

  const t = window.AntrianI18n.t;
  const T = window.AntrianTerminal;
  const view = T.view;
  const $ = T.$;
  const el = T.el;
  const showMessage = T.showMessage;

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
    T.perform(T.ticketUrl(ticket, "transfer"), { service: service.code }, function () {
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

  Object.assign(T, { openTransfer: openTransfer, renderPicker: renderPicker });
})();
