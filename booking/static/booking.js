// The booking pages: load a day's slots, book, cancel, reschedule (public API, no login).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("page-config").textContent);
  var errorBox = document.getElementById("error");
  var chosenSlot = null;
  // On a booking's own page the slots are asked for a move of that booking: the places it
  // holds count as its own, so a day whose online quota it helps fill still offers its
  // other slots (the move gives its place back before taking the new one).
  var moving = document.getElementById("reschedule") ? config.code : null;

  function showError(message) {
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }

  var OFFLINE = "Tidak tersambung ke server; silakan coba lagi. / " +
    "Cannot reach the server; please try again.";
  // An answer that is not the API's own (a proxy's error page while the server restarts).
  var UNEXPECTED = "Server sedang bermasalah; silakan coba lagi sebentar lagi. / " +
    "The server had a problem; please try again in a moment.";

  var newKey = window.AntrianKeys.newKey;

  // A booking sent again after a lost reply carries the same Idempotency-Key, so the server
  // answers with the booking it made (not "already booked" to someone who never saw the
  // code); another booking asked for is a new request with a new key. Kept in this tab's
  // sessionStorage, so a reload before sending again (a flaky mobile network) keeps it too;
  // the request is known by a fingerprint, never its text, which holds the NIK.
  var SENT_STORE = "antrian.booking.sent";
  var sent = null;  // where sessionStorage is blocked (private mode): this page only

  function fingerprint(text) {
    var h1 = 0x9e3779b9, h2 = 0x85ebca6b;
    for (var i = 0; i < text.length; i += 1) {
      var ch = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 0x9e3779b1);
      h2 = Math.imul(h2 ^ ch, 0x5bd1e995);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 15), 0x85ebca77) ^ Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae3d);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 0x27d4eb2f) ^ Math.imul(h1 ^ (h1 >>> 13), 0x165667b1);
    return (h1 >>> 0).toString(16) + "-" + (h2 >>> 0).toString(16);
  }

  function keyFor(text) {
    var print = fingerprint(text);
    try { sent = JSON.parse(window.sessionStorage.getItem(SENT_STORE)) || sent; } catch (err) { /* blocked */ }
    if (!sent || sent.print !== print) {
      sent = { print: print, key: newKey() };
      try { window.sessionStorage.setItem(SENT_STORE, JSON.stringify(sent)); } catch (err) { /* blocked */ }
    }
    return sent.key;
  }

  function forgetSent() {
    sent = null;
    try { window.sessionStorage.removeItem(SENT_STORE); } catch (err) { /* blocked */ }
  }

  function call(method, path, body, keyed) {
    var options = { method: method, headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
      if (keyed) { options.headers["Idempotency-Key"] = keyFor(options.body); }
    }
    return fetch("/api/v1" + path, options).catch(function () {
      throw new Error(OFFLINE); // the server was not reached, or its reply was lost
    }).then(function (response) {
      return response.json().catch(function () {
        if (response.ok) { throw new Error(UNEXPECTED); }
        return {};
      }).then(function (data) {
        if (!response.ok) {
          var error = new Error((data.error && data.error.message) || UNEXPECTED);
          error.code = data.error && data.error.code;
          throw error;
        }
        return data;
      });
    });
  }

  // Two changes in quick succession (a date typed, then picked) start two loads: only the
  // last one's answer is drawn, and it replaces what is there (both used to be appended).
  var slotLoads = 0;

  function clearSlots(box) {
    Array.prototype.slice.call(box.querySelectorAll(".slot")).forEach(function (b) { b.remove(); });
  }

  // Refusals that mean the list on screen is out of date: someone took the last place, or
  // the slot or the day closed while the page was open.
  var STALE = ["slot_full", "quota_full", "slot_closed", "day_closed"];

  /* After a refusal, the list is read again (the refusal stays shown): the slot that was
     chosen no longer looks free and chosen. */
  function reloadAfter(err, service, day) {
    if (STALE.indexOf(err.code) >= 0) { loadSlots(service, day, true); }
  }

  function loadSlots(service, day, keepError) {
    var box = document.getElementById("slots");
    var closed = document.getElementById("closed");
    var load = ++slotLoads;
    chosenSlot = null;
    clearSlots(box);
    if (!service || !day) { return; }
    var path = "/services/" + encodeURIComponent(service) + "/slots?date=" + encodeURIComponent(day);
    if (moving) { path += "&booking=" + encodeURIComponent(moving); }
    call("GET", path).then(function (data) {
      if (load !== slotLoads) { return; }
      clearSlots(box);
      if (!keepError) { showError(""); }
      if (closed) {
        closed.textContent = data.closed_reason || "";
        closed.hidden = !data.closed_reason;
      }
      data.slots.forEach(function (slot) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "slot";
        button.dataset.slot = slot.start;
        button.textContent = slot.start + "–" + slot.end + (slot.yours
          ? " (jadwal Anda / your slot)" : " (" + slot.available + ")");
        button.disabled = slot.yours || slot.available < 1;
        button.setAttribute("aria-pressed", "false");
        button.addEventListener("click", function () {
          chosenSlot = slot.start;
          box.querySelectorAll(".slot").forEach(function (b) {
            b.setAttribute("aria-pressed", b === button ? "true" : "false");
          });
        });
        box.appendChild(button);
      });
    }).catch(function (err) { if (load === slotLoads) { showError(err.message); } });
  }

  var form = document.getElementById("book");
  if (form) {
    var service = document.getElementById("service");
    var date = document.getElementById("date");
    var refresh = function () { loadSlots(service.value, date.value); };
    // `/booking?service=KTP` (a link from the services catalogue) preselects the service.
    var asked = new URLSearchParams(window.location.search).get("service");
    if (asked && service.querySelector("option[value='" + asked.replace(/[^A-Za-z0-9_-]/g, "") + "']")) {
      service.value = asked;
    }
    service.addEventListener("change", refresh);
    date.addEventListener("change", refresh);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!chosenSlot) { showError("Pilih jam / Choose a time."); return; }
      var submit = document.getElementById("submit");
      if (submit.disabled) { return; }  // a double tap books once
      submit.disabled = true;
      call("POST", "/bookings", {
        service: service.value, date: date.value, slot: chosenSlot,
        nik: document.getElementById("nik").value
      }, true).then(function (booking) {
        forgetSent();  // answered: a later booking from this tab is a new request
        window.location.assign("/booking/" + booking.code);
      }).catch(function (err) {
        submit.disabled = false;
        showError(err.message);
        reloadAfter(err, service.value, date.value);
      });
    });
  }

  // Cancelling gives the place away: one tap asks, a second one cancels.
  var cancel = document.getElementById("cancel");
  if (cancel) {
    var confirmBox = document.getElementById("confirm-cancel");
    var askCancel = function (asking) {
      confirmBox.hidden = !asking;
      cancel.hidden = asking;
    };
    cancel.addEventListener("click", function () { askCancel(true); });
    document.getElementById("cancel-no").addEventListener("click", function () { askCancel(false); });
    document.getElementById("cancel-yes").addEventListener("click", function () {
      call("DELETE", "/bookings/" + config.code).then(function () {
        window.location.reload();
      }).catch(function (err) { showError(err.message); });
    });
  }

  var move = document.getElementById("reschedule");
  if (move) {
    var moveDate = document.getElementById("date");
    moveDate.addEventListener("change", function () { loadSlots(config.service, moveDate.value); });
    move.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!chosenSlot) { showError("Pilih jam / Choose a time."); return; }
      call("POST", "/bookings/" + config.code + "/reschedule", { date: moveDate.value, slot: chosenSlot })
        .then(function () { window.location.reload(); })
        .catch(function (err) {
          showError(err.message);
          reloadAfter(err, config.service, moveDate.value);
        });
    });
  }
})();
