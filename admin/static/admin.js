/*
 * The management pages. One script, one section per page (the config's `page`).
 *
 * The dashboard follows the pattern of every live page: the database is the truth, the
 * socket a hint. It reads /api/v1/admin/dashboard on every (re)connection, soon after any
 * live event, and every few seconds besides (a wait grows with time alone), and keeps the
 * answer with the highest version. Alerts arrive as `alert.*` events for this manager only.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("admin-config").textContent);
  const t = function (key, params) { return window.AntrianI18n.t(key, params); };
  const REFRESH_MS = 5000;      // waits grow with time alone
  const DEBOUNCE_MS = 1000;     // a burst of events is one read

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attrs[name]; }
      else if (name.indexOf("data-") === 0) { node.setAttribute(name, attrs[name]); }
      else { node[name] = attrs[name]; }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.append(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function say(text, isError) {
    const box = $("message");
    box.textContent = text;
    box.className = isError ? "message error" : "message";
    box.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { box.hidden = true; }, isError ? 8000 : 3000);
  }

  function call(method, path, body) {
    const options = {
      method: method,
      headers: { Authorization: "Bearer " + config.token, Accept: "application/json" },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(config.api + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401) { window.location.assign(config.login); }
        if (!response.ok) {
          const message = (data.error && data.error.message) || response.statusText;
          say(message, true);
          const error = new Error(message);
          error.shown = true; // told on screen already; the caller's next step is skipped
          throw error;
        }
        return data;
      });
    });
  }

  function numbers(text) {
    return text.split(/[\s,]+/).filter(Boolean).map(Number);
  }

  function codes(text) {
    return text.split(/[\s,]+/).filter(Boolean).map(function (s) { return s.toUpperCase(); });
  }

  // A table row's field has no <label>: its accessible name says which row it belongs to,
  // relabelled with the page when the language changes (data-i18n-label).
  function named(field, key, params) {
    field.dataset.i18nLabel = key;
    field.dataset.i18nParams = JSON.stringify(params);
    field.setAttribute("aria-label", t(key, params));
    return field;
  }

  function button(label, onClick, extra) {
    // data-i18n: the language toggle relabels it with the rest of the page.
    const node = el("button", Object.assign({ type: "button", text: t(label), "data-i18n": label }, extra || {}));
    node.addEventListener("click", onClick);
    return node;
  }

  // A code the API speaks (a role, a device kind, a ticket state) as a word of the page's
  // language; the data-i18n key lets the language toggle relabel it, a code without a word
  // shows as it is.
  function word(prefix, code) {
    const key = prefix + "." + code;
    return window.AntrianI18n.has(key)
      ? { text: t(key), "data-i18n": key } : { text: String(code) };
  }

  function relabel(render) {
    window.AntrianI18n.onChange(render);
  }

  // ------------------------------------------------------------------ dashboard
  function dashboard() {
    let shown = null;
    let timer = null;

    function refresh() {
      clearTimeout(timer);
      timer = null;
      return call("GET", "/dashboard").then(function (board) {
        if (shown && board.version < shown.version) { return; } // an older answer overtaken
        shown = board;
        render();
      }).catch(function () { /* said already; the next refresh tries again */ });
    }

    function soon() {
      if (timer === null) { timer = setTimeout(refresh, DEBOUNCE_MS); }
    }

    function minutes(n) {
      return n === null || n === undefined ? "–" : t("minutes", { n: window.AntrianI18n.number(n) });
    }

    function render() {
      if (!shown) { return; }
      $("services").replaceChildren.apply($("services"), shown.services.map(function (s) {
        const name = window.AntrianI18n.language() === "en" ? s.name_en : s.name;
        // Before its hours begin a service is "not open yet", never red (core/alerts.py).
        const state = s.open ? t("level." + s.level)
          : t(s.level === "not_open" ? "not_open_reason" : "closed_reason",
            { reason: s.closed_reason || "" });
        // A closed service is not "safe" whatever its wait: its badge is grey, not green.
        const rowClass = "level-" + s.level + (s.open ? "" : " service-closed");
        return el("tr", { className: rowClass, "data-service": s.code, "data-level": s.level }, [
          el("td", {}, [el("strong", { text: s.code }), " ", name]),
          el("td", { className: "num", text: String(s.waiting) }),
          el("td", { text: minutes(s.longest_wait_minutes) + " / " + minutes(s.target_wait_minutes) }),
          el("td", { text: minutes(s.eta_minutes) }),
          el("td", { text: s.issued + " / " + s.served + " / " + s.no_show }),
          el("td", { className: "num", text: String(s.open_counters) }),
          el("td", {}, [el("span", { className: "badge", text: state })]),
        ]);
      }));
      $("counters").replaceChildren.apply($("counters"), shown.counters.map(function (c) {
        const status = t("status." + c.status) + (c.reason ? " (" + c.reason + ")" : "");
        return el("tr", { className: "status-" + c.status, "data-counter": String(c.number) }, [
          el("td", { text: c.name }),
          el("td", { text: status }),
          el("td", { text: c.officer || "–" }),
          el("td", c.current ? { "data-status": c.current.status, text: c.current.number + " ("
            + word("ticket", c.current.status).text + ")" } : { text: "–" }),
          el("td", { text: minutes(c.minutes_in_state) }),
          el("td", {}, [c.status === "closed" ? null : button("action.close_counter", function () {
            call("POST", "/counters/" + c.number + "/close", {}).then(refresh);
          })]),
        ]);
      }));
      const alerts = shown.alerts || [];
      $("alerts").replaceChildren.apply($("alerts"), alerts.length ? alerts.map(function (a) {
        const done = a.acknowledged_by
          ? el("span", { className: "acked", text: t("action.acked", { name: a.acknowledged_by }) })
          : button("action.ack", function () {
            call("POST", "/alerts/" + a.id + "/acknowledge").then(refresh);
          });
        return el("li", { className: "alert alert-" + a.kind, "data-alert": a.kind + ":" + a.subject }, [
          el("span", { text: a.message }), " ", done,
        ]);
      }) : [el("li", { className: "none", text: t("dash.no_alerts") })]);
    }

    window.AntrianLive.connect({
      auth: { token: config.token },
      onSnapshot: refresh, // every (re)connection: read the truth again
      onEvent: function (name) { if (name !== "mall.version") { soon(); } },
      onStatus: function (state) {
        const live = $("live");
        live.dataset.state = state;
        live.textContent = t("live." + state);
        live.dataset.i18n = "live." + state;  // relabelled when the language changes
        if (state === "refused") { window.location.assign(config.login); }
      },
    });
    setInterval(refresh, REFRESH_MS);
    relabel(render);
    refresh();
  }

  // ------------------------------------------------------------------ officers
  function officers() {
    let structure = null;

    function load() {
      return call("GET", "/users").then(function (data) {
        $("users").replaceChildren.apply($("users"), data.users.map(row));
      });
    }

    function row(u) {
      const counters = named(el("input", { value: u.counters.join(","), size: 8, "data-counters": u.username }),
        "field.counters", { user: u.username });
      const password = named(el("input", { type: "password", placeholder: t("form.new_password"), size: 10,
        autocomplete: "new-password", "data-i18n-placeholder": "form.new_password" }),
        "field.new_password", { user: u.username });
      const user = encodeURIComponent(u.username);
      return el("tr", { "data-user": u.username }, [
        el("td", { text: u.username }),
        el("td", Object.assign({ "data-role": u.role }, word("role", u.role))),
        el("td", {}, [counters, button("action.save_counters", function () {
          call("POST", "/users/" + user + "/counters", { counters: numbers(counters.value) })
            .then(function () { say(t("done")); load(); });
        })]),
        el("td", { text: u.agencies.join(", ") }),
        el("td", { text: u.active ? t("yes") : t("no") }),
        el("td", {}, [
          button(u.active ? "action.disable" : "action.enable", function () {
            call("POST", "/users/" + user + (u.active ? "/disable" : "/enable")).then(load);
          }),
          password,
          button("action.reset", function () {
            call("POST", "/users/" + user + "/password", { password: password.value })
              .then(function () { say(t("done")); password.value = ""; });
          }),
        ]),
      ]);
    }

    call("GET", "/structure").then(function (data) {
      structure = data;
      $("roles").replaceChildren.apply($("roles"), structure.roles.map(function (role) {
        return el("option", Object.assign({ value: role }, word("role", role)));
      }));
    });
    $("add-user").addEventListener("submit", function (event) {
      event.preventDefault();
      const form = event.target;
      call("POST", "/users", {
        username: form.username.value.trim(),
        password: form.password.value,
        role: form.role.value || "officer",
        counters: numbers(form.counters.value),
        agencies: codes(form.agencies.value),
      }).then(function () { say(t("done")); form.reset(); load(); });
    });
    load();
  }

  // ------------------------------------------------------------------ devices
  function devices() {
    function load() {
      return call("GET", "/devices").then(function (data) {
        $("devices").replaceChildren.apply($("devices"), data.devices.map(function (d) {
          return el("tr", { "data-device": d.name }, [
            el("td", { text: d.name }),
            el("td", Object.assign({ "data-kind": d.kind }, word("kind", d.kind))),
            el("td", { text: d.zone || d.kiosk || (d.counter ? String(d.counter) : "") }),
            el("td", { text: d.active ? t("yes") : t("no") }),
            el("td", {}, [d.active ? button("action.revoke", function () {
              call("POST", "/devices/" + encodeURIComponent(d.name) + "/revoke").then(load);
            }) : null]),
          ]);
        }));
      });
    }
    $("add-device").addEventListener("submit", function (event) {
      event.preventDefault();
      const form = event.target;
      call("POST", "/devices", {
        name: form.name.value.trim(),
        kind: form.kind.value,
        zone: form.zone.value.trim() || null,
        kiosk: form.kiosk.value.trim() || null,
        // A number the server checks; anything else is sent as typed so it can say what.
        counter: form.counter.value.trim() === "" ? null
          : (/^[0-9]+$/.test(form.counter.value.trim()) ? Number(form.counter.value.trim())
            : form.counter.value.trim()),
      }).then(function (device) {
        $("setup-url").textContent = device.setup_url;
        $("setup-qr").src = device.qr;
        $("setup").hidden = false;
        form.reset();
        load();
      });
    });
    load();
  }

  // ------------------------------------------------------------------ services
  function services() {
    function load() {
      return call("GET", "/dashboard").then(function (board) {
        $("service-admin").replaceChildren.apply($("service-admin"), board.services.map(row));
      });
    }

    function row(s) {
      const code = encodeURIComponent(s.code);
      const reason = named(el("input", { placeholder: t("form.reason"), maxLength: 200,
        "data-i18n-placeholder": "form.reason" }), "field.close_reason", { service: s.code });
      const quota = named(el("input", { type: "number", min: 0, value: s.quota === null ? "" : s.quota, size: 5 }),
        "field.quota", { service: s.code });
      const state = s.open ? t("status.open")
        : t("closed_reason", { reason: s.closed_reason || "" });
      return el("tr", { "data-service": s.code }, [
        el("td", {}, [el("strong", { text: s.code }), " ", s.name]),
        el("td", { text: state }),
        el("td", {}, [quota, button("action.set_quota", function () {
          const value = quota.value === "" ? null : Number(quota.value);
          call("POST", "/services/" + code + "/quota", { quota: value })
            .then(function () { say(t("done")); load(); });
        })]),
        el("td", {}, s.closed_by_admin
          ? [button("action.reopen", function () { call("POST", "/services/" + code + "/reopen").then(load); })]
          : [reason, button("action.close", function () {
            call("POST", "/services/" + code + "/close", { reason: reason.value }).then(load);
          })]),
      ]);
    }
    load();
  }

  // ------------------------------------------------------------------ displays
  function displays() {
    const form = $("notices");
    call("GET", "/notices").then(function (data) {
      form.running_text.value = data.running_text;
      form.announcement.value = data.announcement;
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      call("POST", "/notices", {
        running_text: form.running_text.value,
        announcement: form.announcement.value,
      }).then(function () { say(t("done")); });
    });
  }

  // ------------------------------------------------------------------ audit log
  function audit() {
    const form = $("audit-filter");
    let entries = [];
    function load() {
      const query = new URLSearchParams();
      ["actor", "action", "since", "until"].forEach(function (name) {
        if (form[name].value.trim()) { query.set(name, form[name].value.trim()); }
      });
      return call("GET", "/audit?" + query.toString()).then(function (data) {
        entries = data.entries;
        render();
      });
    }
    function render() {
      // The mall's wall clock, as the filter's dates are read: not the browser's zone.
      $("audit").replaceChildren.apply($("audit"), entries.map(function (e) {
        return el("tr", { "data-action": e.action }, [
          el("td", { text: window.AntrianI18n.dateTime(e.at, config.timezone), "data-at": e.at }),
          el("td", { text: e.actor || "" }),
          el("td", { text: e.action }),
          el("td", { text: e.detail }),
        ]);
      }));
    }
    form.addEventListener("submit", function (event) { event.preventDefault(); load(); });
    relabel(render);
    load();
  }

  // A refusal was shown to the user (say); it is not an error of the page.
  window.addEventListener("unhandledrejection", function (event) {
    if (event.reason && event.reason.shown) { event.preventDefault(); }
  });

  const pages = {
    dashboard: dashboard, officers: officers, devices: devices,
    services: services, displays: displays, audit: audit,
  };
  document.addEventListener("DOMContentLoaded", function () { pages[config.page](); });
})();
