// The officer checks a booking in for a visitor without a phone (or whose battery died):
// the ticket is issued like a kiosk's and joins the same queue; the terminal refreshes
// itself from the live event of the new ticket.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("terminal-config").textContent);
  const form = document.getElementById("checkin-form");
  const answer = document.getElementById("checkin-answer");
  if (!form) { return; }
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const code = document.getElementById("checkin-code").value.replace(/[\s-]/g, "").toUpperCase();
    if (!code) { return; }
    answer.textContent = "…";
    try {
      const response = await fetch("/api/v1/bookings/" + encodeURIComponent(code) + "/check-in", {
        method: "POST",
        headers: { "Authorization": "Bearer " + config.token, "Content-Type": "application/json" },
        body: "{}",
      });
      const body = await response.json();
      if (!response.ok) {
        answer.textContent = (body.error && body.error.message) || response.statusText;
        answer.dataset.ok = "false";
        return;
      }
      answer.dataset.ok = "true";
      answer.textContent = (body.repeat ? "Sudah check-in / Already checked in: " : "Tiket / Ticket ")
        + body.number + (body.slot ? " · Booking " + body.slot : "");
      document.getElementById("checkin-code").value = "";
    } catch (err) {
      // The server was not reached (or its reply lost): checking in again is safe, a booking
      // already checked in answers with its ticket.
      answer.textContent = "Gagal terhubung ke server, silakan coba lagi. / " +
        "Cannot reach the server, please try again.";
      answer.dataset.ok = "false";
    }
  });
})();
