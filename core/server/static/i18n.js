/*
 * The labels of the counter and management pages: one table per front-end (counter/i18n.py,
 * admin/i18n.py) rendered by the server in Bahasa Indonesia and switched here. Elements carry
 * data-i18n="key" (text), data-i18n-params='{...}', data-i18n-placeholder="key",
 * data-i18n-title="key" and data-i18n-label="key" (the accessible name, aria-label, of a field
 * that has no <label>: a table row's; it takes data-i18n-params too). Scripts call
 * AntrianI18n.t(key, params).
 * A {count} of one picks the key's singular form, "<key>_one", when the table has it.
 * Numbers and times are written the way the language shown writes them (a decimal comma and
 * "2 Des 2026 22.36.13" in Bahasa Indonesia), times in the zone the page names: the mall's,
 * never the browser's.
 */
(function (global) {
  "use strict";

  const STORAGE_KEY = "antrian.lang";
  const LANGUAGES = ["id", "en"];
  const LOCALES = { id: "id-ID", en: "en-GB" };
  const texts = JSON.parse(document.getElementById("antrian-texts").textContent);
  const listeners = [];
  let lang = "id";
  try {
    const stored = global.localStorage.getItem(STORAGE_KEY);
    if (LANGUAGES.indexOf(stored) >= 0) { lang = stored; }
  } catch (err) { /* storage blocked: stay in Bahasa Indonesia */ }

  function t(key, params) {
    if (params && params.count === 1 && texts[key + "_one"]) { key += "_one"; }
    const entry = texts[key];
    let text = entry ? (entry[lang] || entry.id) : key;
    if (params) {
      Object.keys(params).forEach(function (name) {
        text = text.split("{" + name + "}").join(String(params[name]));
      });
    }
    return text;
  }

  function locale() { return LOCALES[lang]; }

  // `digits`: a fixed number of decimals; left out, up to one (0.1 stays 0,1; 3 stays 3).
  function number(value, digits) {
    if (value === null || value === undefined || value === "" || isNaN(Number(value))) {
      return "–";
    }
    const fixed = typeof digits === "number";
    return new Intl.NumberFormat(locale(), {
      minimumFractionDigits: fixed ? digits : 0,
      maximumFractionDigits: fixed ? digits : 1,
    }).format(Number(value));
  }

  // An instant (ISO 8601) as "2 Des 2026 22.36.13" / "2 Dec 2026 22:36:13" in `timeZone`.
  function dateTime(iso, timeZone) {
    const moment = new Date(iso);
    if (isNaN(moment.getTime())) { return String(iso || ""); }
    const zone = timeZone || undefined;
    const day = new Intl.DateTimeFormat(locale(), {
      day: "numeric", month: "short", year: "numeric", timeZone: zone,
    }).format(moment);
    const time = new Intl.DateTimeFormat(locale(), {
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone: zone,
    }).format(moment);
    return day + " " + time;
  }

  function paramsOf(el) {
    if (!el.dataset.i18nParams) { return null; }
    try { return JSON.parse(el.dataset.i18nParams); } catch (err) { return null; }
  }

  function apply(root) {
    root = root || document;
    root.querySelectorAll("[data-i18n]").forEach(function (el) {
      el.textContent = t(el.dataset.i18n, paramsOf(el));
    });
    root.querySelectorAll("[data-i18n-label]").forEach(function (el) {
      el.setAttribute("aria-label", t(el.dataset.i18nLabel, paramsOf(el)));
    });
    root.querySelectorAll("[data-i18n-placeholder]").forEach(function (el) {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    });
    root.querySelectorAll("[data-i18n-title]").forEach(function (el) {
      el.title = t(el.dataset.i18nTitle);
    });
    document.documentElement.lang = lang;
  }

  function setLanguage(next) {
    if (LANGUAGES.indexOf(next) < 0) { return; }
    lang = next;
    try { global.localStorage.setItem(STORAGE_KEY, lang); } catch (err) { /* not kept */ }
    apply(document);
    listeners.forEach(function (listener) { listener(lang); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (lang !== "id") { apply(document); }
    document.querySelectorAll("[data-lang-toggle]").forEach(function (button) {
      button.addEventListener("click", function () {
        setLanguage(lang === "id" ? "en" : "id");
      });
    });
  });

  global.AntrianI18n = {
    t: t,
    has: function (key) { return Object.prototype.hasOwnProperty.call(texts, key); },
    apply: apply,
    setLanguage: setLanguage,
    language: function () { return lang; },
    locale: locale,
    number: number,
    dateTime: dateTime,
    onChange: function (listener) { listeners.push(listener); },
  };
})(window);
