/*
 * The kiosk front-end's labels: one table (kiosk/labels.py, handed to the page as JSON), two
 * languages. Elements marked `data-t="key"` are filled from it; scripts call `t(key, values)`
 * for text they build, with `{name}` fields filled from `values`. A count of one picks the
 * key's singular form, `<key>_one`, where the language has one ("1 person", not "1 people");
 * a count of zero picks `<key>_zero` where the label has one ("You are next", not "0 people").
 */
(function (global) {
  "use strict";

  function format(text, values) {
    if (!values) { return text; }
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function create(labels, language) {
    const i18n = { lang: labels[language] ? language : "id" };

    i18n.t = function (key, values) {
      const table = labels[i18n.lang] || labels.id;
      const n = values ? values.n : undefined;
      const form = n === 0 ? "_zero" : n === 1 ? "_one" : null;
      if (form && Object.prototype.hasOwnProperty.call(table, key + form)) { key += form; }
      const text = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : labels.id[key];
      return format(text === undefined ? key : text, values);
    };

    i18n.apply = function (root) {
      (root || document).querySelectorAll("[data-t]").forEach(function (element) {
        element.textContent = i18n.t(element.dataset.t);
      });
      document.documentElement.lang = i18n.lang;
    };

    i18n.set = function (language) {
      i18n.lang = labels[language] ? language : "id";
      i18n.apply();
    };

    i18n.other = function () { return i18n.lang === "id" ? "en" : "id"; };

    /* The name of a service or agency in the current language. */
    i18n.name = function (item, field) {
      const base = field || "name";
      return (i18n.lang === "en" && item[base + "_en"]) || item[base] || "";
    };

    return i18n;
  }

  global.AntrianI18n = { create: create };
})(window);
