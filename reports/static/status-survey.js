/*
 * The survey on the visitor's status page: once the ticket is finished ("done"), the page asks
 * whether it was rated; if not, it shows the form. Watches the status the page's own script
 * keeps on <body data-status>, so it needs nothing from that script. A ticket of an earlier
 * day (<body data-past-day="true">) is asked about that day, as the page writes it (#day),
 * not about "today": the survey stays open for it (core/usecases/surveying.py).
 * The answer carries the visitor's survey key, the `#k=` fragment of the address the ticket's
 * QR code opened (core/survey_keys.py): kept on this phone for the ticket, so a page opened
 * again without it still answers; a page that never had it does not offer the form.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("page-config").textContent);
  const box = document.getElementById("survey");
  if (!box) { return; }
  const base = "/api/v1/tickets/" + encodeURIComponent(config.ticket_id) + "/survey";
  const key = surveyKey();
  let asked = false;

  function surveyKey() {
    const stored = "antrian.survey-key." + config.ticket_id;
    const found = /(?:^#|&)k=([A-Za-z0-9_-]+)/.exec(window.location.hash);
    try {
      if (found) { window.localStorage.setItem(stored, found[1]); return found[1]; }
      return window.localStorage.getItem(stored);
    } catch (e) {  // storage blocked (private mode): the address's key, if any
      return found ? found[1] : null;
    }
  }

  function language() { return (document.documentElement.lang || "id").slice(0, 2); }

  function check() {
    if (asked || document.body.dataset.status !== "done") { return; }
    asked = true;
    fetch(base, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state) { asked = false; return null; }
        if (state.answered) {
          box.textContent = "";
          const thanks = document.createElement("p");
          thanks.className = "skm-thanks";
          thanks.textContent = AntrianSkmForm.text[language() === "en" ? "en" : "id"].thanks;
          box.appendChild(thanks);
          box.dataset.state = "answered";
          box.hidden = false;
          return null;
        }
        if (!state.open || !key) { return null; }
        return fetch("/api/v1/skm/form").then(function (r) { return r.json(); }).then(function (form) {
          const day = document.getElementById("day");
          const past = document.body.dataset.pastDay === "true" && day && day.textContent;
          AntrianSkmForm.render(box, form, language(), function (body) {
            return AntrianSkmForm.postJson(base, Object.assign({ key: key }, body));
          }, { day: past || null });
          box.hidden = false;
        });
      })
      .catch(function () { asked = false; });
  }

  new MutationObserver(check).observe(document.body, { attributes: true, attributeFilter: ["data-status"] });
  check();
})();
