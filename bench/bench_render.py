"""How long rendering one ticket takes, QR code included, for each paper width.

    python3 bench/bench_render.py --runs 1000

Each run renders a fresh ticket (a new number and status URL, so nothing is cached between
runs) and times `render_ticket` alone. Target: median <= 10 ms per ticket on every width.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

# Runnable as a plain script from anywhere in the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from printers.layout import PaperWidth, TicketSlip, render_ticket  # noqa: E402

TARGET_MEDIAN_MS = 10.0


def slip(index: int) -> TicketSlip:
    return TicketSlip(
        mall_name="Mal Pelayanan Publik Kota Bandung – Gedung Baru Lantai Dua",
        mall_address="Jl. Jenderal Sudirman No. 123, Kelurahan Cibeunying Kaler, Kota Bandung",
        agency_name="Dinas Kependudukan dan Pencatatan Sipil (Dukcapil)",
        service_name="Perekaman KTP-el dan Pencetakan Kartu Identitas Anak",
        number=f"A{index % 1000:03d}",
        issued_at=datetime(2026, 11, 28, 3, 42, tzinfo=UTC),
        timezone_label="WIB",
        ahead=index % 40,
        eta_minutes=None if index % 7 == 0 else index % 90,
        status_url=f"https://antrian.mpp-bandung.go.id/t/{index:010x}",
        footer="Silakan menunggu panggilan",
        priority_label="Prioritas: Lansia" if index % 5 == 0 else None,
    )


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(paper: PaperWidth, native_qr: bool, runs: int, warmup: int) -> list[float]:
    for index in range(warmup):
        render_ticket(slip(index), paper, native_qr=native_qr)
    timings = []
    for index in range(runs):
        ticket = slip(warmup + index)
        started = time.perf_counter()
        render_ticket(ticket, paper, native_qr=native_qr)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500, help="tickets per case (default 500)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed tickets first")
    arguments = parser.parse_args()

    print(f"Python {platform.python_version()} on {platform.machine()}, {arguments.runs} runs")
    print(f"{'paper':<6} {'QR code':<8} {'median ms':>10} {'p95 ms':>8} {'bytes':>7}")
    slow = []
    for paper in PaperWidth:
        for native_qr in (True, False):
            timings = measure(paper, native_qr, arguments.runs, arguments.warmup)
            median = statistics.median(timings)
            size = len(render_ticket(slip(0), paper, native_qr=native_qr))
            mode = "native" if native_qr else "raster"
            print(
                f"{paper.millimetres} mm  {mode:<8} {median:>10.2f} "
                f"{percentile(timings, 0.95):>8.2f} {size:>7}"
            )
            if median > TARGET_MEDIAN_MS:
                slow.append(f"{paper.millimetres} mm {mode}")
    if slow:
        print(f"over the {TARGET_MEDIAN_MS:g} ms median target: {', '.join(slow)}")
        return 1
    print(f"all medians within the {TARGET_MEDIAN_MS:g} ms target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
