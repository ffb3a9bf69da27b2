/*
 * What every kiosk script shares, loaded first: the page's config, the one i18n instance (the
 * language on screen is a single switch), the state object and the texts for waits. It is a
 * file of its own so each part of the kiosk can be a script of its own too; they reach it,
 * and each other, through window.antrianKiosk, as checkin.js does.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("page-config").textContent);
  const i18n = AntrianI18n.create(config.labels, "id");
  const t = i18n.t;

  const state = {
    services: new Map(),
    screen: "home",
    agency: null,
    priority: null,
    confirm: null, // {service, priority, key}
    issuing: false,
    issued: null,
    failure: null, // {kind, retry}
    online: null,
    eventsSeen: 0,
  };
  config.services.forEach(function (row) { state.services.set(row.code, row); });

  function people(n) { return t("people", { n: n }); }

  /* A range where the spread is wide, "≈ n" where it is tight, no time after the closing. */
  function eta(minutes, row) {
    if (row && row.eta_today === false) { return t("eta_not_today"); }
    if (minutes === null || minutes === undefined) { return t("eta_unknown"); }
    const range = row && row.eta_range;
    if (range && !row.eta_approx && range[1] > range[0]) {
      return t("minutes_range", { low: range[0], high: range[1] });
    }
    return row ? t("minutes_approx", { n: minutes }) : t("minutes", { n: minutes });
  }

  /* An answer's JSON body, or null when it has none: a proxy's HTML error page, a 502 with
     an empty body. The parser's own message ("Unexpected token '<'") tells a visitor nothing,
     so every fetch on the kiosk reads its answer here and says in words what happened. */
  async function readJson(response) {
    try {
      const body = await response.json();
      return body && typeof body === "object" ? body : null;
    } catch (err) {
      return null;
    }
  }

  // The other scripts add their entry points here; kiosk.js adds `live` once connected.
  window.antrianKiosk = {
    config: config, i18n: i18n, state: state, people: people, eta: eta, readJson: readJson,
  };
})();
