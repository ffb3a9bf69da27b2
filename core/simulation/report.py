"""What a simulated day says: `report.json` (figures) and `report.html` (tables and plots).

The waits count the visitors never called too, as the mall's own reports do
(core/reporting.py): a ticket still waiting when the last counter closed waited until then, at
least. Without them a day so overloaded that hundreds went home unserved showed shorter waits
than a day that served them all. `called_wait_*` keep the waits of the called alone. A
checked-in booking waits from the later of its check-in and its slot's start, as there too.

ETA accuracy compares, for every estimate a visitor was shown (at issue, and on the phone page
every few minutes after), the minutes promised against the minutes they really waited from
then until their first call. Errors are estimate − real: a negative bias is a promise too short.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from core.simulation.records import DayResult, Estimate, VisitorRecord

NEAR_FRONT = 5
# The width goal: the model's range at most this many times the oracle's on the same visitor.
WIDTH_GOAL = 1.25
# An oracle range narrower than a minute counts as a minute in the width ratio: the model
# shows whole minutes, and a ratio to a range of nearly nothing says nothing.
MIN_WIDTH = 1.0


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


def _accuracy(pairs: list[tuple[float, float]], ranges: list[tuple[float, float, float]] | None):
    """Figures for (estimate, real) pairs; `ranges` are (low, high, real)."""
    if not pairs:
        return {"count": 0}
    est = np.array([p[0] for p in pairs])
    real = np.array([p[1] for p in pairs])
    err = est - real
    out: dict[str, Any] = {
        "count": len(pairs),
        "mean_abs_error_min": _r(np.mean(np.abs(err))),
        "median_abs_error_min": _r(np.median(np.abs(err))),
        "p90_abs_error_min": _r(np.percentile(np.abs(err), 90)),
        "within_5_min": _r(np.mean(np.abs(err) <= 5), 4),
        "bias_min": _r(np.mean(err)),
    }
    if ranges is not None:
        lows = np.array([r[0] for r in ranges])
        highs = np.array([r[1] for r in ranges])
        reals = np.array([r[2] for r in ranges])
        out["range_coverage"] = _r(np.mean((reals >= lows - 0.5) & (reals <= highs + 0.5)), 4)
        out["mean_range_width_min"] = _r(np.mean(highs - lows))
        out["median_range_width_min"] = _r(np.median(highs - lows))
    return out


def range_width(visitors: list[VisitorRecord]) -> dict[str, Any]:
    """The model's range against the oracle's 10th–90th percentile range, visitor by visitor,
    on the visitors the oracle was asked about (at issue, both ranges finite).

    Per visitor the ratio of the widths; the median ratio and the share of visitors whose
    model range is at most WIDTH_GOAL × the oracle's say how much wider the model is than
    it needs to be, without the few very wide ranges near closing deciding it (as they do a
    mean). The coverages are on the same visitors (those called)."""
    model, oracle, covered_model, covered_oracle = [], [], [], []
    for v in visitors:
        if not v.estimates:
            continue
        e = v.estimates[0]
        if e.low is None or e.high is None or e.oracle_low is None or e.oracle_high is None:
            continue
        model.append(e.high - e.low)
        oracle.append(e.oracle_high - e.oracle_low)
        if v.called is not None:
            real = v.called - e.at
            covered_model.append(e.low - 0.5 <= real <= e.high + 0.5)
            covered_oracle.append(e.oracle_low - 0.5 <= real <= e.oracle_high + 0.5)
    if not model:
        return {"count": 0}
    m, o = np.array(model, dtype=float), np.array(oracle, dtype=float)
    ratio = m / np.maximum(o, MIN_WIDTH)
    return {
        "count": len(model),
        "model_median_width_min": _r(np.median(m)),
        "oracle_median_width_min": _r(np.median(o)),
        "model_mean_width_min": _r(np.mean(m)),
        "oracle_mean_width_min": _r(np.mean(o)),
        "median_ratio": _r(np.median(ratio)),
        "ratio_p25": _r(np.percentile(ratio, 25)),
        "ratio_p75": _r(np.percentile(ratio, 75)),
        "share_within_goal": _r(np.mean(ratio <= WIDTH_GOAL), 4),
        "goal_ratio": WIDTH_GOAL,
        "model_coverage": _r(np.mean(covered_model), 4) if covered_model else None,
        "oracle_coverage": _r(np.mean(covered_oracle), 4) if covered_oracle else None,
    }


def _pairs(visitors: list[VisitorRecord], kind: str, which: str) -> tuple[list, list]:
    pairs, ranges = [], []
    for v in visitors:
        if v.called is None:
            continue
        estimates: list[Estimate] = (
            v.estimates[:1] if which == "issue" else [e for e in v.estimates[1:]]
        )
        if which == "near_front":
            estimates = [e for e in v.estimates if e.ahead is not None and e.ahead <= NEAR_FRONT]
        for e in estimates:
            value = getattr(e, kind)
            if value is None:
                continue
            real = v.called - e.at
            pairs.append((float(value), real))
            if kind == "model" and e.low is not None and e.high is not None:
                ranges.append((e.low, e.high, real))
            if kind == "oracle" and e.oracle_low is not None and e.oracle_high is not None:
                ranges.append((e.oracle_low, e.oracle_high, real))
    return pairs, ranges


def eta_figures(visitors: list[VisitorRecord]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ("model", "baseline", "oracle"):
        pairs, ranges = _pairs(visitors, kind, "issue")
        out[kind] = _accuracy(pairs, ranges if kind != "baseline" else None)
    # The oracle may be asked for every n-th visitor only: the model on the same visitors.
    sampled = [v for v in visitors if v.estimates and v.estimates[0].oracle is not None]
    pairs, ranges = _pairs(sampled, "model", "issue")
    out["model_where_oracle"] = _accuracy(pairs, ranges)
    out["range_width"] = range_width(visitors)
    out["later"] = {}
    out["near_front"] = {}
    for kind in ("model", "baseline"):
        pairs, ranges = _pairs(visitors, kind, "later")
        out["later"][kind] = _accuracy(pairs, ranges if kind == "model" else None)
        pairs, ranges = _pairs(visitors, kind, "near_front")
        out["near_front"][kind] = _accuracy(pairs, ranges if kind == "model" else None)
    said = [v for v in visitors if v.estimates and v.estimates[0].not_today]
    out["not_today"] = {
        "said_at_issue": len(said),
        "really_unserved": sum(1 for v in said if v.called is None),
    }
    out["no_estimate_at_issue"] = {
        kind: sum(
            1
            for v in visitors
            if v.estimates
            and getattr(v.estimates[0], kind) is None
            and not v.estimates[0].not_today
        )
        for kind in ("model", "baseline")
    }
    per_service: dict[str, Any] = {}
    for code in sorted({v.service for v in visitors}):
        mine = [v for v in visitors if v.service == code]
        per_service[code] = {
            kind: _accuracy(*_pick(_pairs(mine, kind, "issue"), kind))
            for kind in ("model", "baseline", "oracle")
        }
    out["per_service"] = per_service
    return out


def day_end(result: DayResult) -> float:
    """The minute the last counter closed: the simulated day ends there."""
    return max(w[-1].end for w in result.windows.values() if w)


def waits_until_called(visitors: list[VisitorRecord], end: float) -> np.ndarray:
    """Each ticket's wait for its first call; one never called waited until `end`."""
    return np.array(
        [v.wait if v.wait is not None else max(0.0, end - v.waits_from) for v in visitors]
    )


def wait_figures(visitors: list[VisitorRecord], end: float) -> dict[str, float | None]:
    """Wait p50, p90 and max of these tickets, the never-called counted until `end`, and
    the same of the called alone."""
    waits = waits_until_called(visitors, end)
    called = np.array([v.wait for v in visitors if v.wait is not None])

    def at(values: np.ndarray, q: float) -> float | None:
        return _r(np.percentile(values, q)) if len(values) else None

    return {
        "wait_p50_min": at(waits, 50),
        "wait_p90_min": at(waits, 90),
        "wait_max_min": _r(waits.max()) if len(waits) else None,
        "called_wait_p50_min": at(called, 50),
        "called_wait_p90_min": at(called, 90),
    }


def _pick(found: tuple[list, list], kind: str) -> tuple[list, list | None]:
    pairs, ranges = found
    return pairs, (ranges if kind != "baseline" else None)


def figures(result: DayResult) -> dict[str, Any]:
    scenario = result.scenario
    settings = scenario.settings
    visitors = result.visitors
    services: dict[str, Any] = {}
    end = day_end(result)
    for code in sorted(scenario.file.services):
        mine = [v for v in visitors if v.service == code]
        issued = [v for v in mine if v.refused is None]
        target = settings.service(code).target_wait_minutes
        services[code] = {
            "arrived": len(mine),
            "refused": len(mine) - len(issued),
            "issued": len(issued),
            "served": sum(1 for v in issued if v.state == "done"),
            "no_show": sum(1 for v in issued if v.state == "no_show"),
            "unserved": sum(1 for v in issued if v.called is None),
            **wait_figures(issued, end),
            "target_wait_min": target,
            "within_target": _r(
                sum(1 for v in issued if v.wait is not None and v.wait <= target)
                / max(1, len(issued)),
                4,
            ),
        }
    hours = sorted({int(w.start // 60) for ws in result.windows.values() for w in ws})
    last = int(max(w.end for ws in result.windows.values() for w in ws) // 60)
    utilisation: dict[str, Any] = {}
    for hour in range(min(hours), last + 1):
        lo, hi = hour * 60.0, hour * 60.0 + 60.0
        available = sum(
            max(0.0, min(hi, w.end) - max(lo, w.start))
            for ws in result.windows.values()
            for w in ws
        )
        busy = sum(
            max(0.0, min(hi, b) - max(lo, a)) for spans in result.busy.values() for a, b in spans
        )
        utilisation[f"{hour:02d}"] = _r(busy / available, 4) if available else None
    per_counter = {
        str(n): _r(sum(b - a for a, b in result.busy[n]) / sum(w.end - w.start for w in ws), 4)
        for n, ws in sorted(result.windows.items())
        if ws
    }
    issued = [v for v in visitors if v.refused is None]
    return {
        "scenario": scenario.file.name,
        "date": scenario.day.isoformat(),
        "seed": result.seed,
        "visitors": {
            "arrived": len(visitors),
            "issued": len(issued),
            "refused": len(visitors) - len(issued),
            "unserved_at_closing": sum(1 for v in issued if v.called is None),
            **wait_figures(issued, end),
        },
        "services": services,
        "utilisation_per_hour": utilisation,
        "utilisation_per_counter": per_counter,
        "queue_length": [[_r(t, 1), n] for t, n in result.queue_length],
        # `recorded`: the mall's own report of the same estimates, from the day's database.
        "eta": {**eta_figures(visitors), "recorded": result.recorded_eta},
        # Waits per ticket channel (walk-ins at the kiosk, checked-in bookings, late ones).
        "channels": {
            "waits": {
                name: {"issued": sum(1 for v in issued if v.channel == name)}
                | wait_figures([v for v in issued if v.channel == name], end)
                for name in sorted({v.channel for v in issued if v.channel})
            },
            "bookings": result.bookings(),
        },
    }


def write(result: DayResult, out: Path) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    data = figures(result)
    (out / "report.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    images = _plots(result, data, out)
    (out / "report.html").write_text(_html(data, images), encoding="utf-8")
    return data


def _plots(result: DayResult, data: dict[str, Any], out: Path) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = []

    def save(fig: Any, name: str, title: str) -> None:
        fig.tight_layout()
        fig.savefig(out / name, dpi=90)
        plt.close(fig)
        images.append((name, title))

    fig, ax = plt.subplots(figsize=(9, 3.5))
    ts = [t / 60 for t, _ in result.queue_length]
    ax.plot(ts, [n for _, n in result.queue_length])
    ax.set_xlabel("jam / hour")
    ax.set_ylabel("menunggu / waiting")
    save(fig, "queue.png", "Panjang antrean / Queue length")

    fig, ax = plt.subplots(figsize=(9, 3.5))
    hours = list(data["utilisation_per_hour"])
    ax.bar(hours, [data["utilisation_per_hour"][h] or 0 for h in hours])
    ax.set_ylim(0, 1)
    ax.set_ylabel("utilisasi / utilisation")
    save(fig, "utilisation.png", "Utilisasi loket per jam / Counter utilisation per hour")

    fig, ax = plt.subplots(figsize=(9, 4))
    codes = sorted(result.scenario.file.services)
    end = day_end(result)
    waits = [
        waits_until_called(
            [v for v in result.visitors if v.service == c and v.refused is None], end
        ).tolist()
        or [0]
        for c in codes
    ]
    ax.boxplot(waits, showfliers=False)
    ax.set_xticks(range(1, len(codes) + 1), codes)
    ax.set_ylabel("menit / minutes")
    ax.tick_params(axis="x", rotation=45)
    save(fig, "waits.png", "Waktu tunggu per layanan / Wait per service")

    fig, ax = plt.subplots(figsize=(9, 4))
    for kind in ("baseline", "model", "oracle"):
        pairs, _ = _pairs(result.visitors, kind, "issue")
        if pairs:
            ax.hist([e - r for e, r in pairs], bins=np.arange(-90, 91, 5), alpha=0.5, label=kind)
    ax.set_xlabel("perkiraan − nyata (menit) / estimate − real (minutes)")
    ax.legend()
    save(fig, "eta_error.png", "Galat perkiraan saat tiket diambil / ETA error at issue")
    return images


def _html(data: dict[str, Any], images: list[tuple[str, str]]) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(code)}</td><td>{s['issued']}</td><td>{s['wait_p50_min']}</td>"
        f"<td>{s['wait_p90_min']}</td><td>{s['wait_max_min']}</td><td>{s['within_target']}</td>"
        f"<td>{s['unserved']}</td></tr>"
        for code, s in data["services"].items()
    )
    eta = data["eta"]
    keys = (
        "mean_abs_error_min",
        "median_abs_error_min",
        "p90_abs_error_min",
        "within_5_min",
        "bias_min",
        "range_coverage",
    )
    eta_rows = "".join(
        f"<tr><td>{kind}</td>" + "".join(f"<td>{eta[kind].get(k, '')}</td>" for k in keys) + "</tr>"
        for kind in ("model", "baseline", "oracle")
    )
    width = eta.get("range_width", {})
    width_keys = (
        "count",
        "model_median_width_min",
        "oracle_median_width_min",
        "median_ratio",
        "ratio_p25",
        "ratio_p75",
        "share_within_goal",
        "model_coverage",
        "oracle_coverage",
    )
    width_table = (
        "<h2>Lebar rentang: model vs oracle / Range width: model against the oracle</h2>"
        f"<p>Same visitors, at issue; share within goal: model width ≤ {WIDTH_GOAL} × the "
        "oracle's.</p><table border='1'><tr>"
        + "".join(f"<th>{k}</th>" for k in width_keys)
        + "</tr><tr>"
        + "".join(f"<td>{width.get(k, '')}</td>" for k in width_keys)
        + "</tr></table>"
        if width.get("count")
        else ""
    )
    pics = "".join(f"<h3>{e(t)}</h3><img src='{e(n)}' alt='{e(t)}'>" for n, t in images)
    v = data["visitors"]
    return f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>Simulasi: {e(data["scenario"])}</title></head><body>
<h1>{e(data["scenario"])} ({e(data["date"])}, seed {data["seed"]})</h1>
<p>Pengunjung / visitors: {v["arrived"]}, tiket / issued {v["issued"]}, ditolak / refused
{v["refused"]}, tidak terlayani / unserved at closing {v["unserved_at_closing"]}.</p>
<h2>Akurasi perkiraan saat tiket diambil / ETA accuracy at issue</h2>
<table border="1"><tr><th></th>{"".join(f"<th>{k}</th>" for k in keys)}</tr>{eta_rows}</table>
{width_table}
<h2>Per layanan / Per service</h2>
<p>Waktu tunggu termasuk pengunjung yang tidak terlayani (dihitung sampai loket terakhir tutup) /
waits include the visitors never called (counted until the last counter closed).</p>
<table border="1"><tr><th>layanan</th><th>issued</th><th>p50</th><th>p90</th><th>max</th>
<th>within target</th><th>unserved</th></tr>{rows}</table>
{pics}
</body></html>
"""
