/*
 * The kiosk's choosing: agency tiles, the services of one agency and the confirm screen with
 * what to bring. Separate from the taking of the number (kiosk-ticket.js) because it only
 * shows the service rows the server sent and never asks for a ticket; loaded after
 * kiosk-common.js, whose window.antrianKiosk it reads and adds its entry points to.
 */
(function () {
  "use strict";

  const kiosk = window.antrianKiosk;
  const config = kiosk.config;
  const i18n = kiosk.i18n;
  const t = i18n.t;
  const state = kiosk.state;
  const people = kiosk.people;
  const eta = kiosk.eta;
  const $ = function (id) { return document.getElementById(id); };

  // A confirm button that appears under a finger still tapping the service card is not armed
  // until the screen has settled.
  const CONFIRM_ARM_MS = 300;

  const agencies = new Map(config.agencies.map(function (a) { return [a.code, a]; }));

  // ------------------------------------------------------------------ small helpers
  function make(tag, className, text) {
    const element = document.createElement(tag);
    if (className) { element.className = className; }
    if (text !== undefined) { element.textContent = text; }
    return element;
  }

  function newKey() { return window.AntrianKeys.newKey("kiosk-" + (config.kiosk || "x") + "-"); }

  function reasonText(row) {
    const code = row.closed_reason_code;
    let text = code ? t("reason_" + code) : (row.closed_reason || "");
    if (code === "closed_by_admin" && row.closed_reason) {
      text += ": " + row.closed_reason;
    } else if (code === "outside_hours") {
      const span = /\d{2}:\d{2}-\d{2}:\d{2}/.exec(row.closed_reason || "");
      if (span) { text += " (" + t("service_hours", { span: span[0] }) + ")"; }
    }
    return text;
  }

  function logo(agency, className) {
    const mark = make("span", "logo " + (className || ""), agency.letters);
    mark.style.setProperty("--agency", agency.color);
    mark.style.setProperty("--logo-ink", agency.ink);
    mark.setAttribute("aria-hidden", "true");
    return mark;
  }

  function agencyBanner(container, agency) {
    container.textContent = "";
    container.append(logo(agency, "logo-small"), make("span", "agency-banner-name", i18n.name(agency)));
  }

  function portrait() { return window.innerHeight >= window.innerWidth; }

  function layoutGrid(grid, count, kind) {
    let cols;
    if (kind === "agencies") {
      cols = portrait() ? (count <= 6 ? 2 : 3) : (count <= 6 ? 3 : 4);
    } else {
      cols = portrait() ? (count <= 6 ? 1 : 2) : (count <= 2 ? count : count <= 4 ? 2 : 3);
    }
    grid.dataset.cols = String(Math.max(cols, 1));
    grid.style.setProperty("--cols", String(Math.max(cols, 1)));
    grid.style.setProperty("--rows", String(Math.max(Math.ceil(count / cols), 1)));
  }

  // ------------------------------------------------------------------ screens
  // Home: tiles are built once and updated in place, so a tile never vanishes under a finger.
  const tiles = new Map();

  function buildHome() {
    const grid = $("agencies");
    grid.textContent = "";
    config.agencies.forEach(function (agency) {
      const tile = make("button", "agency-tile");
      tile.type = "button";
      tile.dataset.agency = agency.code;
      tile.style.setProperty("--agency", agency.color);
      const name = make("span", "agency-name");
      const meta = make("span", "agency-meta");
      tile.append(logo(agency), meta, name);
      tile.addEventListener("click", function () { openAgency(agency.code); });
      grid.append(tile);
      tiles.set(agency.code, { tile: tile, name: name, meta: meta });
    });
    layoutGrid(grid, config.agencies.length, "agencies");
  }

  function renderHome() {
    config.agencies.forEach(function (agency) {
      const parts = tiles.get(agency.code);
      const rows = agency.services.map(function (c) { return state.services.get(c); }).filter(Boolean);
      const open = rows.filter(function (r) { return r.open; });
      const waiting = rows.reduce(function (n, r) { return n + (r.waiting || 0); }, 0);
      parts.name.textContent = i18n.name(agency);
      parts.meta.textContent = open.length
        ? t("services_count", { n: rows.length }) + " · " + t("waiting") + " " + waiting
        : t("all_closed");
      parts.tile.classList.toggle("is-closed", open.length === 0);
      parts.tile.dataset.waiting = String(waiting);
    });
    const priority = state.priority;
    $("priority-open").hidden = Boolean(priority);
    $("priority-mode").hidden = !priority;
    if (priority) {
      $("priority-mode-text").textContent = t("priority_mode", { kind: t("priority_" + priority) });
    }
    document.body.classList.toggle("is-priority", Boolean(priority));
  }

  // Services of one agency.
  const cards = new Map();

  function openAgency(code) {
    const agency = agencies.get(code);
    if (!agency) { return; }
    state.agency = code;
    agencyBanner($("services-agency"), agency);
    const grid = $("services");
    grid.textContent = "";
    cards.clear();
    agency.services.forEach(function (serviceCode) {
      const card = make("button", "service-card");
      card.type = "button";
      card.dataset.service = serviceCode;
      card.style.setProperty("--agency", agency.color);
      const head = make("span", "service-head");
      const prefix = make("span", "service-prefix");
      const name = make("span", "service-name");
      head.append(prefix, name);
      const stats = make("span", "service-stats");
      const values = {};
      ["waiting", "eta", "quota_left"].forEach(function (key) {
        const stat = make("span", "stat");
        const label = make("span", "stat-label");
        label.dataset.t = key;
        const value = make("span", "stat-value");
        value.dataset.stat = key;
        stat.append(label, value);
        stats.append(stat);
        values[key] = value;
      });
      const closed = make("span", "service-closed");
      const closedLabel = make("strong", "closed-label");
      closedLabel.dataset.t = "closed";
      const reason = make("span", "closed-reason");
      closed.append(closedLabel, reason);
      card.append(head, stats, closed);
      card.addEventListener("click", function () { chooseService(serviceCode); });
      grid.append(card);
      cards.set(serviceCode, { card: card, prefix: prefix, name: name, values: values, reason: reason });
    });
    layoutGrid(grid, agency.services.length, "services");
    i18n.apply(grid);
    renderServices();
    kiosk.show("services");
  }

  function renderServices() {
    cards.forEach(function (parts, code) {
      const row = state.services.get(code);
      if (!row) { return; }
      parts.prefix.textContent = row.prefix;
      parts.name.textContent = i18n.name(row);
      parts.values.waiting.textContent = people(row.waiting);
      parts.values.eta.textContent = eta(row.eta_minutes, row);
      parts.values.quota_left.textContent =
        row.quota_left === null || row.quota_left === undefined ? t("quota_unlimited") : String(row.quota_left);
      parts.reason.textContent = row.open ? "" : reasonText(row);
      parts.card.classList.toggle("is-closed", !row.open);
      parts.card.setAttribute("aria-disabled", row.open ? "false" : "true");
      parts.card.dataset.open = row.open ? "true" : "false";
    });
  }

  function chooseService(code) {
    const row = state.services.get(code);
    if (!row || !row.open || state.issuing) {
      const parts = cards.get(code);
      if (parts) { // a closed service: a short shake says "not this one", nothing else happens
        parts.card.classList.remove("shake");
        void parts.card.offsetWidth;
        parts.card.classList.add("shake");
        // Taken off again: with reduced motion the mark is a steady outline (kiosk.css).
        clearTimeout(parts.shakeTimer);
        parts.shakeTimer = setTimeout(function () { parts.card.classList.remove("shake"); }, 800);
      }
      return;
    }
    // The key is made here, once per confirm screen, so every retry of this number reuses it.
    state.confirm = { service: code, priority: state.priority, key: newKey(), language: null };
    state.failure = null;
    const take = $("confirm-take");
    take.disabled = true;
    $("confirm-cancel").disabled = false;
    $("confirm-busy").hidden = true;
    renderConfirm();
    kiosk.show("confirm");
    const confirm = state.confirm;
    setTimeout(function () {
      confirm.armed = true;
      if (state.confirm === confirm) { renderConfirm(); }
    }, CONFIRM_ARM_MS);
  }

  function renderConfirm() {
    const confirm = state.confirm;
    if (!confirm) { return; }
    const row = state.services.get(confirm.service);
    agencyBanner($("confirm-agency"), agencies.get(row.agency));
    $("confirm-service").textContent = i18n.name(row);
    $("confirm-waiting").textContent = people(row.waiting);
    $("confirm-eta").textContent = eta(row.eta_minutes, row);
    renderRequirements(confirm.service);
    // Closed while the visitor reads (an admin, the quota): say why, and do not offer the
    // number; reopened, offer it again.
    const closed = !row.open;
    $("confirm-closed").hidden = !closed;
    $("confirm-closed").textContent = closed ? reasonText(row) : "";
    if (!state.issuing) { $("confirm-take").disabled = closed || !confirm.armed; }
    const badge = $("confirm-priority");
    badge.hidden = !confirm.priority;
    if (confirm.priority) {
      badge.textContent = t("priority_badge") + " · " + t("priority_" + confirm.priority);
    }
  }

  // What to bring, shown before the number is taken: a visitor without a document learns it
  // now, not at the counter after the wait.
  function renderRequirements(code) {
    const info = (config.requirements || {})[code] || { items: [], fee: 0 };
    $("confirm-fee").textContent = info.fee ? "Rp" + info.fee.toLocaleString("id-ID") : t("free");
    const list = $("confirm-requirements-list");
    list.textContent = "";
    info.items.forEach(function (item) {
      const li = document.createElement("li");
      li.textContent = (i18n.lang === "en" && item.text_en) || item.text;
      list.append(li);
    });
    $("confirm-requirements").hidden = info.items.length === 0;
  }

  /* Everything this script shows, again: after a language switch or a reset. */
  function renderCatalogue() {
    renderHome();
    if (state.agency) { agencyBanner($("services-agency"), agencies.get(state.agency)); }
    renderServices();
    renderConfirm();
  }

  // ------------------------------------------------------------------ wiring
  $("confirm-cancel").addEventListener("click", function () {
    if (state.issuing) { return; }
    const agency = state.agency;
    state.confirm = null;
    if (agency) { openAgency(agency); } else { kiosk.goHome(); }
  });
  window.addEventListener("resize", function () {
    layoutGrid($("agencies"), config.agencies.length, "agencies");
    if (state.agency) { layoutGrid($("services"), cards.size, "services"); }
  });

  Object.assign(kiosk, {
    buildHome: buildHome,
    renderHome: renderHome,
    openAgency: openAgency,
    renderServices: renderServices,
    renderConfirm: renderConfirm,
    renderCatalogue: renderCatalogue,
  });
})();
