"""The reports as files: CSV (the csv module), XLSX (openpyxl) and JSON.

The operational report is one table, a row per group and a total; the SKM report follows the
regulation's report layout: per group the NRR of each element, the IKM (converted), the grade,
respondents against the minimum sample, then the respondent profile and the suggestions.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from core import skm

REPORT_COLUMNS = (
    ("key", "Kode / Code"),
    ("label", "Kelompok / Group"),
    ("issued", "Diterbitkan / Issued"),
    ("served", "Dilayani / Served"),
    ("no_show", "Tidak hadir / No-show"),
    ("cancelled", "Dibatalkan / Cancelled"),
    ("unserved", "Tidak terlayani / Unserved"),
    ("transferred_out", "Dialihkan keluar / Transferred out"),
    ("transferred_in", "Dialihkan masuk / Transferred in"),
    ("not_called", "Tidak pernah dipanggil / Never called"),
    # The waits count the visitors never called until their ticket ended (core/reporting.py).
    (
        "wait_p50",
        "Tunggu p50 (menit, termasuk pengunjung yang tidak terlayani) / "
        "Wait p50 (min, including visitors not served)",
    ),
    (
        "wait_p90",
        "Tunggu p90 (menit, termasuk pengunjung yang tidak terlayani) / "
        "Wait p90 (min, including visitors not served)",
    ),
    ("called_wait_p50", "Tunggu p50 yang dipanggil (menit) / Wait p50 of the called (min)"),
    ("called_wait_p90", "Tunggu p90 yang dipanggil (menit) / Wait p90 of the called (min)"),
    ("service_p50", "Layanan p50 (menit) / Service p50 (min)"),
    ("service_p90", "Layanan p90 (menit) / Service p90 (min)"),
    (
        "within_target_share",
        "Dalam target tunggu (termasuk pengunjung yang tidak terlayani) / "
        "Within target wait (including visitors not served)",
    ),
)
PROFILE_TITLES = {
    "sex": "Jenis kelamin / Sex",
    "age_band": "Umur / Age",
    "education": "Pendidikan / Education",
    "occupation": "Pekerjaan / Occupation",
}
FORMATS_CLI = ("csv", "xlsx", "json")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def report_table(report: dict[str, Any]) -> Iterator[list[Any]]:
    yield [title for _, title in REPORT_COLUMNS]
    for row in report["rows"]:
        yield [row.get(key) for key, _ in REPORT_COLUMNS]
    yield ["", "Total"] + [report["total"].get(key) for key, _ in REPORT_COLUMNS[2:]]


def skm_table(report: dict[str, Any]) -> Iterator[list[Any]]:
    codes = [e["code"] for e in report["elements"]]
    # The regulation's table: per element its NRR and its weighted NRR (× 1/9; their sum is
    # the IKM), then the index, its grade and the sample.
    yield (
        ["Kelompok / Group"]
        + [f"NRR {c.upper()}" for c in codes]
        + [f"NRR tertimbang {c.upper()}" for c in codes]
        + ["IKM", "IKM konversi", "Mutu / Grade", "Kinerja / Performance"]
        + ["Responden", "Populasi", "Sampel minimum"]
    )
    for row in [*report["rows"], {"label": "Total", **report["total"]}]:
        nrr = row.get("nrr") or {}
        weighted = row.get("nrr_weighted") or {}
        yield (
            [row["label"]]
            + [nrr.get(c) for c in codes]
            + [weighted.get(c) for c in codes]
            + [row.get("ikm"), row.get("ikm_converted"), row.get("grade"), row.get("grade_name")]
            + [row.get("respondents"), row.get("population"), row.get("minimum_sample")]
        )


def skm_profile(report: dict[str, Any]) -> Iterator[list[Any]]:
    for name, counts in report["profile"].items():
        labels = {value: pair[0] for value, pair in skm.PROFILE[name].items()}
        for value, n in counts.items():
            yield [PROFILE_TITLES[name], labels.get(value, "Tidak diisi / not given"), n]


SUGGESTION_COLUMNS = ["Tanggal / Date", "Layanan / Service", "Saran / Suggestion"]


def skm_suggestions(report: dict[str, Any]) -> Iterator[list[Any]]:
    """The visitors' suggestions (the latest first), under their column titles."""
    yield SUGGESTION_COLUMNS
    for s in report["suggestions"]:
        yield [s["day"], s["service"], s["text"]]


def _heading(report: dict[str, Any], title: str) -> list[list[Any]]:
    return [
        [title],
        [report["mall"]],
        [f"Periode / Period: {report['from']} – {report['to']}"],
        [],
    ]


# A spreadsheet program reads a cell starting with one of these as a formula: a visitor's
# suggestion "=HYPERLINK(…)" would become a live link in a manager's spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: Any) -> Any:
    """`value` as a CSV cell that no spreadsheet program runs: text that would start a
    formula gets a leading apostrophe, the spreadsheets' own mark for "this is text"."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _TextWriter:
    """A csv writer whose cells are never formulas."""

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: list[Any]) -> None:
        self._writer.writerow([as_text(value) for value in row])

    def writerows(self, rows: Iterable[list[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def as_csv(report: dict[str, Any], kind: str) -> bytes:
    out = io.StringIO()
    writer = _TextWriter(out)
    if kind == "skm":
        writer.writerows(skm_table(report))
        writer.writerow([])
        writer.writerow(["Profil responden / Respondent profile"])
        writer.writerows(skm_profile(report))
        # The regulation's report ends with the suggestions; the XLSX has them on a sheet.
        writer.writerow([])
        writer.writerow(["Saran / Suggestions"])
        writer.writerows(skm_suggestions(report))
    else:
        writer.writerows(report_table(report))
    # A byte-order mark: spreadsheet programs then read the file as UTF-8.
    return ("\ufeff" + out.getvalue()).encode()


ESTIMATE_COLUMNS = (
    ("count", "Dibandingkan / Compared"),
    ("not_called", "Tidak dipanggil / Not called"),
    ("mean_abs_error_min", "Galat rata-rata (menit) / Mean abs. error (min)"),
    ("median_abs_error_min", "Galat median (menit) / Median abs. error (min)"),
    ("p90_abs_error_min", "Galat p90 (menit) / p90 abs. error (min)"),
    ("within_5_min", "Dalam ±5 menit / Within ±5 min"),
    ("bias_min", "Bias (menit) / Bias (min)"),
    ("range_coverage", "Dalam rentang / Within the range"),
)


def estimates_table(report: dict[str, Any]) -> Iterator[list[Any]]:
    """The wait estimates against the real waits (core/views/estimates.py), per service."""
    estimates = report["estimates"]
    yield ["Layanan / Service"] + [title for _, title in ESTIMATE_COLUMNS]
    for code, figures in estimates["services"].items():
        yield [code] + [figures.get(key) for key, _ in ESTIMATE_COLUMNS]
    yield ["Total"] + [estimates["overall"].get(key) for key, _ in ESTIMATE_COLUMNS]


def as_xlsx(report: dict[str, Any], kind: str) -> bytes:
    # openpyxl is imported here, by the few who export: it adds a seventh of a second to the
    # start of every server process and command.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    bold = Font(bold=True)
    if kind == "skm":
        sheet.title = "IKM"
        title = "Laporan Survei Kepuasan Masyarakat (PermenPANRB 14/2017)"
        _write(sheet, _heading(report, title), bold_first=True)
        start = sheet.max_row + 1
        _write(sheet, list(skm_table(report)))
        for cell in sheet[start]:
            cell.font = bold
        elements = book.create_sheet("Unsur")
        _write(elements, [["Kode", "Unsur", "Element"]])
        _write(elements, [[e["code"].upper(), e["name"], e["name_en"]] for e in report["elements"]])
        profile = book.create_sheet("Profil")
        _write(profile, [["Profil", "Nilai", "Jumlah"], *skm_profile(report)])
        suggestions = book.create_sheet("Saran")
        _write(suggestions, list(skm_suggestions(report)))
    else:
        sheet.title = "Laporan"
        _write(sheet, _heading(report, "Laporan Antrian / Queue report"), bold_first=True)
        start = sheet.max_row + 1
        _write(sheet, list(report_table(report)))
        for cell in sheet[start]:
            cell.font = bold
        # The share within the target wait is a fraction: shown as a percentage, as on the page.
        share = [key for key, _ in REPORT_COLUMNS].index("within_target_share") + 1
        for (cell,) in sheet.iter_rows(min_row=start + 1, min_col=share, max_col=share):
            cell.number_format = "0.0%"
        heat = book.create_sheet("Kedatangan")
        days = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
        _write(heat, [["Hari / Jam", *range(24)]])
        _write(heat, [[days[d], *hours] for d, hours in enumerate(report["heatmap"])])
        estimates = book.create_sheet("Perkiraan")
        _write(estimates, list(estimates_table(report)))
        for cell in estimates[1]:
            cell.font = bold
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _storable(value: Any) -> Any:
    """`value` as an XLSX cell can hold it. The format has no place for most control
    characters (a vertical tab or form feed pasted from a word processor into a suggestion):
    openpyxl refuses them, and one visitor's text would make the whole export an error. They
    become spaces; tabs and line breaks stay."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub(" ", value)
    return value


def _write(sheet: Any, rows: list[list[Any]], *, bold_first: bool = False) -> None:
    from openpyxl.styles import Font

    for n, row in enumerate(rows):
        sheet.append([_storable(value) for value in row])
        # openpyxl takes any text starting with "=" for a formula; nothing here is one.
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"
        if bold_first and n == 0:
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=14)


def render(report: dict[str, Any], kind: str, fmt: str) -> bytes:
    if fmt == "csv":
        return as_csv(report, kind)
    if fmt == "xlsx":
        return as_xlsx(report, kind)
    return json.dumps(report, ensure_ascii=False, indent=1).encode()


def filename(report: dict[str, Any], kind: str, fmt: str) -> str:
    name = "skm" if kind == "skm" else "laporan"
    return f"{name}-{report['by']}-{report['from']}-{report['to']}.{fmt}"
