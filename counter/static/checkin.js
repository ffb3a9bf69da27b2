// The officer checks a booking in for a visitor without a phone (or whose battery died):
// the ticket is issued like a kiosk's and joins the same queue; the terminal refreshes
// itself from the live event of the new ticket.
//
// The answer is kept as what to say, not as text, so the language toggle redraws it. The
// booking API explains its refusals in both languages at once ("... / ..."); a refusal the
// terminal has its own words for is said in the language shown, any other in the API's.
(function () {
  "use strict";
  const i18n = window.AntrianI18n;
  const config = JSON.parse(document.getElementById("terminal-config").textContent);
  const form = document.getElementById("checkin-form");
  const answer = document.getElementById("checkin-answer");
  if (!form) { return; }
  let said = null; // {ok, key, params, slot} or {ok, text}; ok null while on its way

  function grouped(code) {
    return code.length > 4 ? code.slice(0, 4) + "-" + code.slice(4) : code;
  }

  function render() {
    if (!said) { answer.textContent = ""; delete answer.dataset.ok; return; }
    if (said.ok === null) { delete answer.dataset.ok; } // still on its way
    else { answer.dataset.ok = said.ok ? "true" : "false"; }
    if (said.text !== undefined) { answer.textContent = said.text; return; }
    let text = i18n.t(said.key, said.params);
    if (said.slot) { text += " · " + i18n.t("checkin.slot", { slot: said.slot }); }
    answer.textContent = text;
  }

  function say(next) { said = next; render(); }

  function refused(body, status, code) {
    const error = (body && body.error) || {};
    const key = "checkin.error." + error.code;
    if (error.code && i18n.has(key)) {
      say({ ok: false, key: key, params: { code: grouped(code) } });
    } else if (error.message && error.message.indexOf(" / ") > 0) {
      say({ ok: false, text: error.message }); // the booking API's own words, in both languages
    } else {
      const told = window.AntrianTerminal.refusal(body, status);
      say({ ok: false, key: told.key, params: told.params });
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const code = document.getElementById("checkin-code").value.replace(/[\s-]/g, "").toUpperCase();
    if (!code) { return; }
    say({ ok: null, key: "checkin.sending" });
    try {
      const response = await fetch("/api/v1/bookings/" + encodeURIComponent(code) + "/check-in", {
        method: "POST",
        headers: { "Authorization": "Bearer " + config.token, "Content-Type": "application/json" },
        body: "{}",
      });
      const body = await response.json().catch(function () { return null; });
      if (!response.ok) { refused(body, response.status, code); return; }
      say({ ok: true, key: body.repeat ? "checkin.repeat" : "checkin.ticket",
            params: { number: body.number }, slot: body.slot });
      document.getElementById("checkin-code").value = "";
    } catch (err) {
      // The server was not reached (or its reply lost): checking in again is safe, a booking
      // already checked in answers with its ticket.
      say({ ok: false, key: "checkin.unreachable" });
    }
  });

  i18n.onChange(render);
})();
