/* The SKM report page in the regulation's layout: per-element NRR, IKM, grade, sample, profile. */
(function () {
  "use strict";

  const R = window.AntrianReports;
  const $ = R.$;
  const PROFILE = { sex: "Jenis kelamin", age_band: "Umur", education: "Pendidikan", occupation: "Pekerjaan" };

  function render(report) {
    const t = report.total;
    const verdict = $("verdict");
    verdict.textContent = "";
    const tiles = [
      ["IKM (konversi)", t.ikm_converted !== undefined ? R.fmtNum(t.ikm_converted, 2) : "–"],
      ["Mutu pelayanan / Grade", t.grade ? t.grade + " (" + t.grade_name + ")" : "–"],
      ["Responden / Respondents", R.fmtNum(t.respondents, 0)],
      ["Sampel minimum / Minimum sample", R.fmtNum(t.minimum_sample, 0) + " (populasi " + R.fmtNum(t.population, 0) + ")"],
    ];
    tiles.forEach(function (pair) {
      const box = R.el("div", null, "tile");
      box.appendChild(R.el("span", pair[0], "tile-label"));
      box.appendChild(R.el("strong", pair[1], "tile-value"));
      verdict.appendChild(box);
    });
    if (t.respondents < t.minimum_sample) {
      verdict.appendChild(R.el("p", "Jumlah responden belum memenuhi sampel minimum. / Fewer respondents than the minimum sample.", "warning"));
    }

    const nrr = t.nrr || {};
    const weighted = t.nrr_weighted || {};
    const rows = report.elements.map(function (e) {
      return [e.code.toUpperCase() + " " + e.name, R.fmtNum(nrr[e.code], 3), R.fmtNum(weighted[e.code], 3)];
    });
    rows.push(["IKM unit pelayanan", "", R.fmtNum(t.ikm, 3)]);
    rows.push(["IKM konversi (× 25)", "", R.fmtNum(t.ikm_converted, 2)]);
    rows.lastIsTotal = true;
    R.table($("elements"), ["Unsur / Element", "NRR", "NRR tertimbang (× 1/9)"], rows);

    R.chart("chart-nrr", {
      type: "bar",
      data: {
        labels: report.elements.map(function (e) { return e.code.toUpperCase(); }),
        datasets: [{ label: "NRR", data: report.elements.map(function (e) { return nrr[e.code] ?? null; }), backgroundColor: "#2a9d8f" }],
      },
      options: { scales: { y: { min: 0, max: 4 } } },
    });

    const groups = report.rows.map(function (r) {
      return [r.label, R.fmtNum(r.respondents, 0), R.fmtNum(r.minimum_sample, 0), R.fmtNum(r.population, 0), R.fmtNum(r.ikm_converted, 2), r.grade ? r.grade + " " + r.grade_name : "–"];
    });
    R.table($("groups"), ["Kelompok", "Responden", "Sampel minimum", "Populasi (dilayani)", "IKM", "Mutu"], groups);

    const profile = $("profile");
    profile.textContent = "";
    Object.keys(PROFILE).forEach(function (name) {
      const tableNode = R.el("table", null, "figures small");
      const labels = (report.profile_labels || {})[name] || {};
      const entries = Object.entries(report.profile[name] || {}).map(function (entry) {
        return [labels[entry[0]] || entry[0], entry[1]];
      });
      R.table(tableNode, [PROFILE[name], "Jumlah"], entries.length ? entries : [["–", 0]]);
      profile.appendChild(tableNode);
    });

    const list = $("suggestions");
    list.textContent = "";
    report.suggestions.forEach(function (s) {
      list.appendChild(R.el("li", s.day + " · " + s.service + ": " + s.text));
    });
    if (!report.suggestions.length) { list.appendChild(R.el("li", "–")); }
    // The page lists the latest; the exports hold every one.
    const more = $("suggestions-more");
    more.hidden = report.suggestions_total <= report.suggestions.length;
    more.textContent = report.suggestions.length + " saran terbaru dari " + report.suggestions_total +
      "; semuanya ada di CSV dan XLSX. / The latest " + report.suggestions.length + " of " +
      report.suggestions_total + " suggestions; the CSV and XLSX hold them all.";
  }

  R.start(render);
})();
