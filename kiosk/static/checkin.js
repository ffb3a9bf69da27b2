// "Sudah booking? / Have a booking?": check a booking in at the kiosk, by the barcode scanner
// or the on-screen keypad. A USB/HID scanner types the code and presses Enter, much faster
// than a person: keystrokes less than SCAN_GAP_MS apart that end in Enter are a scan,
// wherever the kiosk is; slower typing is ignored (the kiosk has no keyboard of its own).
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("page-config").textContent);
  const $ = function (id) { return document.getElementById(id); };
  const ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789";
  const LENGTH = 8;
  const SCAN_GAP_MS = 50;
  // A reply this late is taken as lost (the walk-in's issue waits as long): a request that
  // hung kept the check-in busy, every later scan and tap ignored, until the kiosk reloaded.
  const CHECK_IN_TIMEOUT_MS = 30000;
  // No answer from the server itself (the network, a proxy's error page, an empty body):
  // said in words, never the browser's own message ("Failed to fetch", "Unexpected token").
  const UNREACHABLE = "Gagal terhubung ke server. Silakan coba lagi atau hubungi petugas. / "
    + "Cannot reach the server. Please try again or ask an officer.";
  const readJson = window.antrianKiosk.readJson;
  let typed = "";
  let busy = false;

  /* Through the kiosk's own screen switch (kiosk.js), which also arms its idle timer: a
     check-in's number and QR code must not wait on the screen for the next visitor. */
  function show() {
    const kiosk = window.antrianKiosk;
    if (kiosk && kiosk.show) { kiosk.show("checkin"); return; }
    document.body.dataset.screen = "checkin";
    document.querySelectorAll(".screen").forEach(function (section) {
      section.hidden = section.id !== "screen-checkin";
    });
  }

  function render() {
    $("checkin-code").textContent = typed.length > 4 ? typed.slice(0, 4) + "-" + typed.slice(4) : typed;
    $("checkin-submit").disabled = typed.length !== LENGTH || busy;
    $("checkin-backspace").disabled = typed.length === 0 || busy;
  }

  function clear() {
    typed = "";
    showQr(null);
    $("checkin-result").hidden = true;
    $("checkin-error").hidden = true;
    render();
  }

  function open() {
    clear();
    show();
  }

  function failed(message) {
    $("checkin-error").textContent = message;
    $("checkin-error").hidden = false;
    $("checkin-result").hidden = true;
  }

  /* The wait from the ticket's own place: a range where it is wide, "≈ n" where tight. */
  function waitText(body) {
    if (body.eta_today === false) {
      return " · mungkin tidak terlayani hari ini / may not be served today";
    }
    if (body.eta_minutes === null || body.eta_minutes === undefined) { return ""; }
    const range = body.eta_range;
    if (range && !body.eta_approx && range[1] > range[0]) {
      return " · " + range[0] + "–" + range[1] + " menit / min";
    }
    return " · ≈ " + body.eta_minutes + " menit / min";
  }

  /* A slip that did not come out (or that the printer did not confirm, or no printer at
     all) is no "take your ticket": say so, as the walk-in's issued screen does, and keep the
     QR on screen. */
  function printTrouble(body) {
    if (!body.print) { // a kiosk without a printer: nothing to take, the QR stands in
      return "Nomor Anda sudah tercatat: pindai atau foto kode QR-nya. / Your number is "
        + "registered: scan or photograph its QR code.";
    }
    if (!body.print.show_on_screen) { return ""; }
    return body.print.status !== "failed" // sent unconfirmed, or still printing
      ? "Printer tidak memastikan tiket Anda tercetak. Jika tiket tidak keluar, foto layar ini "
        + "atau kode QR-nya. / The printer did not confirm your ticket was printed. If no "
        + "ticket came out, take a photo of this screen or its QR code."
      : "Printer gagal mencetak tiket. Nomor Anda sudah tercatat: foto layar ini atau kode "
        + "QR-nya. / The printer could not print your ticket. Your number is registered: take "
        + "a photo of this screen or its QR code.";
  }

  /* The ticket's status QR (with the survey key the answer carries), or none. */
  function showQr(body) {
    const qr = $("checkin-qr");
    qr.hidden = !body;
    if (!body) { qr.removeAttribute("src"); return; }
    const key = /#k=([A-Za-z0-9_-]+)$/.exec(body.status_url || "");
    const query = [];
    if (document.documentElement.lang === "en") { query.push("lang=en"); }
    if (key) { query.push("k=" + key[1]); }
    qr.setAttribute("src", config.qr_url + encodeURIComponent(body.id) + ".svg"
      + (query.length ? "?" + query.join("&") : ""));
  }

  /* `code` typed or scanned; or `scanned`, a scan that is no booking code, sent as read (an
     address cannot go into the check-in's path) for the server to say what it is. */
  async function submit(code, scanned) {
    if (busy) { return; }
    busy = true;
    render();
    $("checkin-error").hidden = true;
    // A code typed on the keypad is kept when the server was not reached, so one more tap
    // sends it again (a repeated check-in answers with the same ticket); any answer clears it.
    let answered = false;
    const controller = new AbortController();
    const timer = setTimeout(function () { controller.abort(); }, CHECK_IN_TIMEOUT_MS);
    try {
      const url = scanned === undefined
        ? "/api/v1/bookings/" + encodeURIComponent(code) + "/check-in" : "/api/v1/check-ins";
      const response = await fetch(url, {
        method: "POST",
        signal: controller.signal,
        headers: { "Authorization": "Bearer " + config.token, "Content-Type": "application/json" },
        body: JSON.stringify({
          scan: scanned,
          language: document.documentElement.lang === "en" ? "en" : "id",
          // In priority mode (the priority button, as for a walk-in): a booking does not
          // say the visitor is elderly, disabled or pregnant, so the kiosk does.
          priority: (window.antrianKiosk && window.antrianKiosk.state.priority) || null,
        }),
      });
      const body = await readJson(response);
      if (!body) { // not the server's answer: the code is kept for one more tap
        failed(UNREACHABLE);
        return;
      }
      answered = true;
      if (!response.ok) {
        failed((body.error && body.error.message) || UNREACHABLE);
        return;
      }
      $("checkin-number").textContent = body.number;
      $("checkin-slot").textContent = (body.slot ? "BOOKING " + body.slot : "")
        + (body.priority ? " · PRIORITAS / PRIORITY" : "");
      $("checkin-slot").hidden = !body.slot;
      const trouble = printTrouble(body);
      $("checkin-message").textContent = trouble || (body.repeat
        ? "Tiket Anda sudah dicetak sebelumnya / Your ticket was issued before"
        : "Silakan ambil tiket Anda / Please take your ticket");
      showQr(trouble ? body : null);
      // Its place in the real call order: booked visitors whose slot began go first.
      $("checkin-message").textContent += " · " + body.ahead + " di depan Anda / ahead of you"
        + waitText(body);
      $("checkin-result").hidden = false;
    } catch (err) {
      failed(UNREACHABLE);
    } finally {
      clearTimeout(timer);
      busy = false;
      if (answered) { typed = ""; }
      render();
    }
  }

  // The on-screen keypad: the code's own alphabet, so no key can type a wrong character.
  const keypad = $("checkin-keypad");
  ALPHABET.split("").forEach(function (ch) {
    const key = document.createElement("button");
    key.type = "button";
    key.className = "key";
    key.textContent = ch;
    key.dataset.key = ch;
    key.addEventListener("click", function () {
      if (typed.length < LENGTH) { typed += ch; }
      $("checkin-error").hidden = true;
      render();
    });
    keypad.appendChild(key);
  });
  $("booking-open").addEventListener("click", open);
  $("checkin-clear").addEventListener("click", clear);
  // One wrong tap takes back one character, not all eight.
  $("checkin-backspace").addEventListener("click", function () {
    typed = typed.slice(0, -1);
    $("checkin-error").hidden = true;
    render();
  });
  $("checkin-submit").addEventListener("click", function () { submit(typed); });

  // The scanner.
  let burst = "";
  let last = 0;
  document.addEventListener("keydown", function (event) {
    const now = performance.now();
    if (now - last > SCAN_GAP_MS) { burst = ""; }
    last = now;
    if (event.key === "Enter") {
      const raw = burst;
      const code = raw.replace(/[^A-Za-z0-9]/g, "").toUpperCase();
      burst = "";
      // An address is no booking's QR code (that holds the code alone): most often the QR
      // code of a printed queue ticket. The server is asked what it is, and says so.
      if (raw.indexOf("/") >= 0 && raw.length >= LENGTH) {
        event.preventDefault();
        open();
        submit(null, raw);
        return;
      }
      if (code.length >= LENGTH) {
        event.preventDefault();
        open();
        submit(code.slice(-LENGTH));
      }
      return;
    }
    if (event.key.length === 1) { burst += event.key; }
  });
  render();
})();
