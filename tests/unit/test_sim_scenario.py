"""A bad scenario file gets one line naming the key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.simulation.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[2]
GOOD = """
name: test
sources: [made up for a test]
config: {config}
date: 2026-12-07
services:
  KTP:
    arrivals_per_hour: {{8: 10}}
    service_minutes: {{mean: 5, cv: 0.5}}
counters:
  - {{number: 1, services: [KTP], hours: "08:00-10:00", breaks: ["09:00-09:15"]}}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text.format(config=ROOT / "config.yaml"))
    return path


def test_the_shipped_scenarios_load() -> None:
    for name in ("hari-biasa.yaml", "hari-sibuk.yaml"):
        scenario = load_scenario(ROOT / "scenarios" / name)
        assert scenario.file.sources
        assert scenario.settings.counters


def test_a_good_scenario_replaces_the_counters(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, GOOD))
    assert [c.number for c in scenario.settings.counters] == [1]
    assert [(w.start, w.end) for w in scenario.counter_windows()[1]] == [(480, 540), (555, 600)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("mean: 5", "mean: 0"), "services.KTP.service_minutes.mean: "),
        (("{8: 10}", "{25: 10}"), "services.KTP.arrivals_per_hour[25]: "),
        (('"08:00-10:00"', '"10:00-08:00"'), "counters[0].hours: ends before it starts"),
        (('["09:00-09:15"]', '["9-10"]'), "counters[0].breaks: must be a span"),
        (("services: [KTP]", "services: [KTPX]"), "counters[0].services[0]: unknown service"),
        (("cv: 0.5", "cv: 0.5, shape: 2"), "services.KTP.service_minutes.shape: unknown key"),
        (("name: test\n", ""), "name: required key is missing"),
        (
            (
                "counters:",
                "  NOPE:\n    arrivals_per_hour: {{8: 1}}\n"
                "    service_minutes: {{mean: 3}}\ncounters:",
            ),
            "services.NOPE: not a service of the configuration",
        ),
        (("date: 2026-12-07", "date: 2026-12-06"), "services.KTP: the configuration closes it"),
    ],
)
def test_mistakes_name_the_key_path(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    text = GOOD.replace(*change)
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text))
    assert str(err.value).startswith(message), str(err.value)
    assert "\n" not in str(err.value)


def test_a_booked_share_on_a_service_that_takes_bookings(tmp_path: Path) -> None:
    text = GOOD.replace("cv: 0.5}}", "cv: 0.5}}\n    booked: 0.25")
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.file.services["KTP"].booked == 0.25
    assert scenario.settings.service("KTP").booking is not None  # config.yaml books KTP


KK_BOOKED = """  KK:
    arrivals_per_hour: {{8: 5}}
    service_minutes: {{mean: 4}}
    booked: 0.1
counters:"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # KK takes no bookings in config.yaml: a booked share on it is a mistake.
        (("counters:", KK_BOOKED), "services.KK.booked: KK takes no bookings in the configuration"),
        (("cv: 0.5}}", "cv: 0.5}}\n    booked: 1.5"), "services.KTP.booked: "),
        (("cv: 0.5}}", "cv: 0.5}}\n    booked: -0.1"), "services.KTP.booked: "),
    ],
)
def test_a_booked_share_is_checked(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, GOOD.replace(*change)))
    assert str(err.value).startswith(message), str(err.value)
    assert "\n" not in str(err.value)
