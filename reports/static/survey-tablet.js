/*
 * The counter-side survey tablet: waits in the mall's live room; when its own counter finishes
 * a ticket it shows the form, and goes back to waiting `reset_seconds` after the form appeared
 * or was last touched, or shortly after the thanks. It answers for "the ticket my counter
 * finished last" (POST /api/v1/counters/{n}/survey): it never sees a ticket's id.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("page-config").textContent);
  const $ = function (id) { return document.getElementById(id); };
  const box = $("survey");
  const THANKS_MS = 5000;
  let form = null;
  let timer = null;

  function idle() {
    clearTimeout(timer);
    box.hidden = true;
    box.textContent = "";
    box.dataset.state = "idle";
    $("idle").hidden = false;
  }

  function arm(ms) {
    clearTimeout(timer);
    timer = setTimeout(idle, ms);
  }

  function show() {
    if (!form) { return; }
    $("idle").hidden = true;
    box.hidden = false;
    AntrianSkmForm.render(box, form, "id", function (body) {
      return AntrianSkmForm.postJson("/api/v1/counters/" + config.counter + "/survey", body, {
        Authorization: "Bearer " + config.token,
      }).then(function (answer) { arm(THANKS_MS); return answer; });
    });
    arm(config.reset_seconds * 1000);
  }

  box.addEventListener("input", function () {
    if (box.dataset.state === "open") { arm(config.reset_seconds * 1000); }
  });

  fetch("/api/v1/skm/form").then(function (r) { return r.json(); }).then(function (body) { form = body; });

  window.AntrianLive.connect({
    auth: { token: config.token },
    onEvent: function (name, payload) {
      if (name === "ticket.finished" && payload.ticket && payload.ticket.counter === config.counter) {
        show();
      }
    },
    onStatus: function (state) { $("offline").hidden = state === "online"; },
  });
  idle();
})();
