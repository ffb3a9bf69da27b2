/*
 * What both report pages share: the filter form, the API call with the page's token, the
 * export links, printing, and small DOM helpers. No inline script or style (CSP).
 */
(function (global) {
  "use strict";

  const config = JSON.parse(document.getElementById("page-config").textContent);
  const $ = function (id) { return document.getElementById(id); };

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function table(node, head, rows) {
    node.textContent = "";
    const thead = el("thead");
    const tr = el("tr");
    head.forEach(function (h) { tr.appendChild(el("th", h)); });
    thead.appendChild(tr);
    node.appendChild(thead);
    const tbody = el("tbody");
    rows.forEach(function (cells, n) {
      const row = el("tr");
      cells.forEach(function (cell, i) {
        row.appendChild(el(i === 0 ? "th" : "td", cell === null || cell === undefined ? "–" : cell));
      });
      if (n === rows.length - 1 && rows.lastIsTotal) { row.className = "total"; }
      tbody.appendChild(row);
    });
    node.appendChild(tbody);
  }

  // Numbers as the page's language writes them: a decimal comma in Bahasa Indonesia
  // ("100,0 %", "88,31"), as the SKM legend does; the exports keep plain numbers.
  const LOCALE = document.documentElement.lang === "en" ? "en-GB" : "id-ID";
  function fmtNum(v, digits) {
    if (v === null || v === undefined || v === "" || isNaN(Number(v))) { return "–"; }
    return new Intl.NumberFormat(LOCALE, {
      minimumFractionDigits: digits || 0, maximumFractionDigits: digits || 0,
    }).format(Number(v));
  }
  function fmtShare(v) { return v === null || v === undefined ? "–" : fmtNum(v * 100, 1) + " %"; }

  function query() {
    return new URLSearchParams({ from: $("from").value, to: $("to").value, by: $("by").value });
  }

  const charts = {};
  function chart(id, spec) {
    if (charts[id]) { charts[id].destroy(); }
    spec.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false,
      locale: LOCALE }, spec.options || {});
    charts[id] = new global.Chart($(id).getContext("2d"), spec);
    return charts[id];
  }

  function start(render) {
    const params = new URLSearchParams(global.location.search);
    $("from").value = params.get("from") || config.today.slice(0, 8) + "01";
    $("to").value = params.get("to") || config.today;
    // An address kept from the other report page may group by what this one does not offer
    // (the survey has no per-officer index): its default then, never an empty grouping.
    const by = params.get("by");
    $("by").value = config.groups.indexOf(by) >= 0 ? by
      : (config.groups.indexOf("service") >= 0 ? "service" : config.groups[0]);

    function load() {
      const q = query();
      $("error").hidden = true;
      global.history.replaceState(null, "", "?" + q);
      return fetch(config.api + "?" + q, {
        headers: { Authorization: "Bearer " + config.token, Accept: "application/json" },
      }).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error((body.error && body.error.message) || response.statusText); }
          return body;
        });
      }).then(function (report) {
        // The downloads follow the figures shown: set only once the period was accepted.
        $("export-csv").href = config.api + "?" + q + "&format=csv";
        $("export-xlsx").href = config.api + "?" + q + "&format=xlsx";
        $("period").textContent = report.mall + " · " + report.from + " – " + report.to;
        $("report").hidden = false;
        render(report);
        document.body.dataset.loaded = report.from + ":" + report.to + ":" + report.by;
      }).catch(function (err) {
        // The figures below were for another period: hide them rather than show them under
        // the new dates.
        $("report").hidden = true;
        delete document.body.dataset.loaded;
        $("error").textContent = err.message;
        $("error").hidden = false;
      });
    }

    $("filters").addEventListener("submit", function (event) { event.preventDefault(); load(); });
    $("print").addEventListener("click", function () { global.print(); });
    load();
  }

  global.AntrianReports = { config: config, $: $, el: el, table: table, chart: chart, start: start, fmtShare: fmtShare, fmtNum: fmtNum };
})(window);
