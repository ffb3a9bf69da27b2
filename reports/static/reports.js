/* The queue report page: totals, the breakdown table, three charts, the arrivals heatmap. */
(function () {
  "use strict";

  const R = window.AntrianReports;
  const $ = R.$;
  const DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"];
  // core/channels.py: how a ticket was taken.
  const CHANNELS = {
    kiosk: "Anjungan / Kiosk",
    officer: "Di loket / At a counter",
    online: "Dari rumah / From home",
    booking: "Booking",
    late_booking: "Booking terlambat / Late booking",
  };
  // The waits and the share within target include the visitors never called, who waited
  // until their ticket ended (unserved at the close, or cancelled); "dipanggil" those of the
  // called alone.
  const HEAD = ["Kelompok", "Diterbitkan", "Dilayani", "Tidak hadir", "Batal", "Tak terlayani",
    "Dialihkan keluar", "Dialihkan masuk", "Tak pernah dipanggil / Never called",
    "Tunggu p50*", "Tunggu p90*", "Tunggu p50 dipanggil / called", "Tunggu p90 dipanggil / called",
    "Layanan p50", "Layanan p90", "Dalam target*"];

  function cells(label, f) {
    const counts = [f.issued, f.served, f.no_show, f.cancelled, f.unserved, f.transferred_out,
      f.transferred_in, f.not_called, f.wait_p50, f.wait_p90, f.called_wait_p50,
      f.called_wait_p90, f.service_p50, f.service_p90];
    return [label].concat(counts.map(function (n) { return R.fmtNum(n, 0); }),
      [R.fmtShare(f.within_target_share)]);
  }

  function render(report) {
    const t = report.total;
    const totals = $("totals");
    totals.textContent = "";
    const n = function (v) { return R.fmtNum(v, 0); };
    [["Diterbitkan / Issued", n(t.issued)], ["Dilayani / Served", n(t.served)],
      ["Tidak hadir / No-show", n(t.no_show)],
      ["Tak pernah dipanggil / Never called", n(t.not_called)],
      ["Tunggu p50 / p90 (menit)*", n(t.wait_p50) + " / " + n(t.wait_p90)],
      ["Tunggu yang dipanggil p50 / p90 / Wait of the called", n(t.called_wait_p50) + " / " + n(t.called_wait_p90)],
      ["Layanan p50 / p90 (menit)", n(t.service_p50) + " / " + n(t.service_p90)],
      ["Dalam target tunggu*", R.fmtShare(t.within_target_share)]].forEach(function (pair) {
      const box = R.el("div", null, "tile");
      box.appendChild(R.el("span", pair[0], "tile-label"));
      box.appendChild(R.el("strong", pair[1], "tile-value"));
      totals.appendChild(box);
    });

    const rows = report.rows.map(function (r) { return cells(r.label, r); });
    rows.push(cells("Total", t));
    rows.lastIsTotal = true;
    R.table($("table"), HEAD, rows);

    const labels = report.rows.map(function (r) { return r.label; });
    R.chart("chart-outcomes", {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          { label: "Dilayani", data: report.rows.map(function (r) { return r.served; }), backgroundColor: "#2a9d8f" },
          { label: "Tidak hadir", data: report.rows.map(function (r) { return r.no_show; }), backgroundColor: "#e9c46a" },
          { label: "Batal", data: report.rows.map(function (r) { return r.cancelled; }), backgroundColor: "#f4a261" },
          { label: "Tak terlayani", data: report.rows.map(function (r) { return r.unserved; }), backgroundColor: "#e76f51" },
          { label: "Dialihkan", data: report.rows.map(function (r) { return r.transferred_out; }), backgroundColor: "#8d99ae" },
        ],
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    });
    R.chart("chart-times", {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          { label: "Tunggu p50", data: report.rows.map(function (r) { return r.wait_p50; }), backgroundColor: "#457b9d" },
          { label: "Tunggu p90", data: report.rows.map(function (r) { return r.wait_p90; }), backgroundColor: "#1d3557" },
          { label: "Layanan p50", data: report.rows.map(function (r) { return r.service_p50; }), backgroundColor: "#a8dadc" },
          { label: "Layanan p90", data: report.rows.map(function (r) { return r.service_p90; }), backgroundColor: "#6c9a9c" },
        ],
      },
      options: { scales: { y: { beginAtZero: true } } },
    });
    const hours = [];
    for (let h = 0; h < 24; h += 1) { hours.push(String(h).padStart(2, "0")); }
    R.chart("chart-hours", {
      type: "bar",
      data: { labels: hours, datasets: [{ label: "Kedatangan / Arrivals", data: report.arrivals_by_hour, backgroundColor: "#0b2545" }] },
      options: { scales: { y: { beginAtZero: true } } },
    });

    // The heatmap: a table whose cells carry their share of the busiest hour as a custom
    // property (set through the CSSOM, which the CSP allows); the stylesheet colours them.
    const max = Math.max(1, ...report.heatmap.flat());
    const heat = $("heatmap");
    heat.textContent = "";
    const head = R.el("tr");
    head.appendChild(R.el("th", ""));
    hours.forEach(function (h) { head.appendChild(R.el("th", h)); });
    heat.appendChild(head);
    report.heatmap.forEach(function (counts, day) {
      const tr = R.el("tr");
      tr.appendChild(R.el("th", DAYS[day]));
      counts.forEach(function (n) {
        const td = R.el("td", n || "");
        td.style.setProperty("--heat", (n / max).toFixed(3));
        tr.appendChild(td);
      });
      heat.appendChild(tr);
    });

    // How the tickets came, in words; each row keeps its code in data-channel.
    const channels = Object.entries(t.channels);
    R.table($("channels"), ["Kanal / Channel", "Tiket / Tickets"], channels.length
      ? channels.map(function (c) { return [CHANNELS[c[0]] || c[0], R.fmtNum(c[1], 0)]; })
      : [["–", 0]]);
    $("channels").querySelectorAll("tbody tr").forEach(function (row, n) {
      if (channels[n]) { row.dataset.channel = channels[n][0]; }
    });

    // The wait each visitor was first told against the wait they had (core/views/estimates.py).
    const estimates = report.estimates;
    const one = function (v) { return R.fmtNum(v, 1); };
    const estimateRow = function (label, f) {
      return [label, n(f.count), n(f.not_called), one(f.mean_abs_error_min),
        one(f.median_abs_error_min), one(f.p90_abs_error_min), R.fmtShare(f.within_5_min),
        one(f.bias_min), R.fmtShare(f.range_coverage)];
    };
    const estimateRows = Object.entries(estimates.services).map(function (s) {
      return estimateRow(s[0], s[1]);
    });
    estimateRows.push(estimateRow("Total", estimates.overall));
    estimateRows.lastIsTotal = true;
    R.table($("estimates"), ["Layanan / Service", "Dibandingkan / Compared",
      "Tak dipanggil / Not called", "Galat rata-rata / Mean error", "Galat median / Median error",
      "Galat p90 / p90 error", "Dalam ±5 menit / Within ±5 min", "Bias",
      "Dalam rentang / Within the range"], estimateRows);
  }

  R.start(render);
})();
