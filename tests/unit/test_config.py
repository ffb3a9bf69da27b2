"""config.yaml -> Settings: the demo file loads, and every kind of mistake names its key path."""

from __future__ import annotations

import ast
import copy
import pickle
from collections.abc import Callable
from datetime import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from core import config
from core.config import (
    WEEKDAYS,
    ConfigError,
    Settings,
    TimeRange,
    load_settings,
    parse_settings,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_CONFIG = REPO_ROOT / "config.yaml"

MINIMAL: dict[str, Any] = {
    "mall": {
        "code": "mpp-uji",
        "name": "MPP Uji",
        "timezone": "Asia/Jakarta",
        "opening_hours": {"mon": "07:30-15:30", "fri": "07:30-16:00", "sun": "closed"},
    },
    "zones": [{"code": "A", "name": "Lantai 1"}, {"code": "B", "name": "Lantai 2"}],
    "agencies": [
        {"code": "DUKCAPIL", "name": "Disdukcapil", "color": "#1f6feb"},
        {"code": "POLRI", "name": "Satpas", "color": "#7a4b12"},
    ],
    "services": [
        {"code": "KTP", "agency": "DUKCAPIL", "name": "KTP-el", "prefix": "A"},
        {"code": "KK", "agency": "DUKCAPIL", "name": "Kartu Keluarga", "prefix": "B"},
        {
            "code": "SIM",
            "agency": "POLRI",
            "name": "SIM",
            "prefix": "SIM",
            "daily_quota": 100,
            "hours": {"mon": "08:00-14:00", "fri": "08:00-11:00"},
        },
    ],
    "counters": [
        {"number": 1, "agency": "DUKCAPIL", "services": ["KTP", "KK"], "zone": "A"},
        {"number": 2, "agency": "POLRI", "services": ["SIM", "KTP"], "zone": "B"},
    ],
    "kiosks": [{"code": "K1", "name": "Anjungan", "zone": "A", "printer": {"kind": "dummy"}}],
}


def minimal(edit: Callable[[dict[str, Any]], Any] | None = None) -> dict[str, Any]:
    data = copy.deepcopy(MINIMAL)
    if edit is not None:
        edit(data)
    return data


def parse(data: dict[str, Any], **env: str) -> Settings:
    return parse_settings(data, environ=env)


def write_config(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the shipped demo


@pytest.fixture(scope="module")
def demo() -> Settings:
    return load_settings(SHIPPED_CONFIG, environ={})


def test_the_shipped_demo_describes_a_believable_mall(demo: Settings) -> None:
    assert demo.mall.code == "mpp-merdeka-malang"
    assert demo.mall.timezone == "Asia/Jakarta"
    assert demo.mall.public_base_url == "http://127.0.0.1:5000"
    assert len(demo.agencies) >= 12
    assert len(demo.services) >= 28
    assert len(demo.counters) >= 32
    assert [z.code for z in demo.zones] == ["A", "B"]
    assert 2 <= len(demo.kiosks) <= 3


def test_the_demo_is_open_weekdays_and_saturday_morning_but_not_sunday(demo: Settings) -> None:
    hours = demo.mall.opening_hours
    for weekday in range(4):
        assert str(hours[weekday]) == "07:30-15:30"
    assert hours[4] is not None and hours[4].start == time(7, 30)
    assert str(hours[5]) == "08:00-12:00"
    assert hours[6] is None


def test_the_demo_stops_some_services_before_friday_prayer(demo: Settings) -> None:
    friday = demo.service_hours("KTP", WEEKDAYS.index("fri"))
    assert friday is not None and friday.end <= time(11, 30)


def test_every_demo_service_has_a_counter_and_a_kiosk_printer_is_dummy(demo: Settings) -> None:
    assert all(demo.counters_serving(s.code) for s in demo.services)
    assert all(k.printer is not None and k.printer["kind"] == "dummy" for k in demo.kiosks)


def test_the_demo_database_sits_next_to_the_config_file(demo: Settings) -> None:
    assert demo.database_url == f"sqlite:///{REPO_ROOT / 'antrian.db'}"
    assert demo.source_path == str(SHIPPED_CONFIG)
    assert demo.message_queue is None


def test_the_config_module_imports_neither_flask_nor_sqlalchemy() -> None:
    tree = ast.parse(Path(config.__file__).read_text(encoding="utf-8"))
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    top_level = {m.split(".")[0] for m in modules}
    assert not top_level & {"flask", "flask_socketio", "sqlalchemy"}


# --------------------------------------------------------------------------- lookups


def test_lookups_find_things_by_code_and_number() -> None:
    settings = parse(minimal())
    assert settings.service("SIM").prefix == "SIM"
    assert settings.agency("POLRI").name == "Satpas"
    assert settings.counter(2).zone == "B"
    assert settings.zone("B").name == "Lantai 2"
    assert settings.kiosk("K1").printer_path == "kiosks[0].printer"


@pytest.mark.parametrize(
    "lookup",
    [
        lambda s: s.service("NOPE"),
        lambda s: s.agency("NOPE"),
        lambda s: s.counter(99),
        lambda s: s.zone("Z"),
        lambda s: s.kiosk("K9"),
        lambda s: s.counters_serving("NOPE"),
    ],
)
def test_unknown_codes_raise_key_error(lookup: Callable[[Settings], Any]) -> None:
    with pytest.raises(KeyError):
        lookup(parse(minimal()))


def test_a_counter_may_serve_another_agencys_service() -> None:
    settings = parse(minimal())
    assert [c.number for c in settings.counters_serving("KTP")] == [1, 2]


def test_service_hours_fall_back_to_the_mall_and_days_left_out_are_closed() -> None:
    settings = parse(minimal())
    assert settings.service_hours("KTP", 0) == TimeRange(time(7, 30), time(15, 30))
    assert settings.service_hours("SIM", 4) == TimeRange(time(8), time(11))
    assert settings.service_hours("SIM", 1) is None
    assert settings.service_hours("KTP", 6) is None


def test_a_time_range_includes_its_start_and_excludes_its_end() -> None:
    hours = TimeRange(time(8), time(15))
    assert hours.contains(time(8))
    assert hours.contains(time(14, 59))
    assert not hours.contains(time(15))
    assert not hours.contains(time(7, 59))


def test_hours_may_run_until_midnight_written_24_00() -> None:
    data = minimal()
    data["mall"]["opening_hours"]["mon"] = "00:00-24:00"
    hours = parse(data).mall.opening_hours[0]
    assert hours is not None and str(hours) == "00:00-24:00"
    assert hours.contains(time(0)) and hours.contains(time(23, 59, 59, 999999))
    late = TimeRange(time(20), time.max)
    assert not late.contains(time(19, 59)) and late.contains(time(23, 59, 30))


def test_optional_keys_get_sensible_defaults() -> None:
    settings = parse(minimal())
    ktp, agency, counter = settings.service("KTP"), settings.agency("DUKCAPIL"), settings.counter(1)
    assert (ktp.daily_quota, ktp.hours, ktp.name_en) == (None, None, "KTP-el")
    assert ktp.default_service_minutes == 5.0
    assert agency.logo_letters == "DUK"
    assert counter.name == "Loket 1"
    assert settings.calling.priority_ratio >= 1
    assert settings.announcement.template == "Nomor antrean {number}, silakan menuju {counter}"
    assert settings.database_url == "sqlite:///antrian.db"
    assert settings.secret_key is None
    assert settings.mall.serve_after_closing_minutes == 60  # the day closes an hour late


def test_the_grace_after_closing_may_be_set_or_zero() -> None:
    late = parse(minimal(_set("mall.serve_after_closing_minutes", 90)))
    assert late.mall.serve_after_closing_minutes == 90
    assert (
        parse(minimal(_set("mall.serve_after_closing_minutes", 0))).mall.serve_after_closing_minutes
        == 0
    )


# --------------------------------------------------------------------------- environment


def test_environment_variables_override_the_file() -> None:
    settings = parse(
        minimal(),
        ANTRIAN_DATABASE_URL="postgresql+psycopg://antrian@db/antrian",
        ANTRIAN_MESSAGE_QUEUE="redis://127.0.0.1:6379/0",
        ANTRIAN_PUBLIC_BASE_URL="https://antrian.example.id/",
        ANTRIAN_SECRET_KEY="rahasia",
    )
    assert settings.database_url == "postgresql+psycopg://antrian@db/antrian"
    assert settings.message_queue == "redis://127.0.0.1:6379/0"
    assert settings.mall.public_base_url == "https://antrian.example.id"
    assert settings.secret_key == "rahasia"


def test_previous_secret_keys_come_from_the_file_or_the_environment() -> None:
    assert parse(minimal()).previous_secret_keys == ()
    in_file = parse(minimal(lambda d: d.update(previous_secret_keys=["lama-1", "lama-2"])))
    assert in_file.previous_secret_keys == ("lama-1", "lama-2")
    # The environment wins; blanks between commas are ignored.
    from_env = parse(
        minimal(lambda d: d.update(previous_secret_keys=["lama-1"])),
        ANTRIAN_PREVIOUS_SECRET_KEYS=" a1, ,b2 ",
    )
    assert from_env.previous_secret_keys == ("a1", "b2")
    with pytest.raises(ConfigError, match=r"^previous_secret_keys\[1\]: must not be empty"):
        parse(minimal(lambda d: d.update(previous_secret_keys=["lama", ""])))


def test_a_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^ANTRIAN_DATABASE_URL: expected a URL"):
        parse(minimal(), ANTRIAN_DATABASE_URL="antrian.db")


def test_antrian_config_chooses_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, yaml.safe_dump(minimal()))
    settings = load_settings(environ={"ANTRIAN_CONFIG": str(path)})
    assert settings.source_path == str(path)


# --------------------------------------------------------------------------- sqlite paths


def test_a_relative_sqlite_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    data = minimal(lambda d: d.update(database_url="sqlite:///data/antrian.db"))
    path = write_config(tmp_path / "mpp", yaml.safe_dump(data))
    settings = load_settings(path, environ={})
    assert settings.database_url == f"sqlite:///{tmp_path / 'mpp' / 'data' / 'antrian.db'}"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:////var/lib/antrian/antrian.db",
        "postgresql+psycopg://antrian@localhost/antrian",
    ],
)
def test_other_database_urls_are_kept_as_written(tmp_path: Path, url: str) -> None:
    path = write_config(tmp_path, yaml.safe_dump(minimal(lambda d: d.update(database_url=url))))
    assert load_settings(path, environ={}).database_url == url


# --------------------------------------------------------------------------- mistakes


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit that sets ``a.b[2].c`` to ``value`` (or deletes it when value is DELETE)."""

    def edit(data: dict[str, Any]) -> None:
        parts = path.replace("[", ".").replace("]", "").split(".")
        target: Any = data
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last: Any = int(parts[-1]) if parts[-1].isdigit() else parts[-1]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value

    return edit


DELETE = object()

MISTAKES = [
    # (what is wrong, edit, key path in the message, gist of the message)
    ("missing mall", _set("mall", DELETE), "mall", "required key is missing"),
    ("missing prefix", _set("services[1].prefix", DELETE), "services[1].prefix", "required"),
    (
        "quota is a word",
        _set("services[2].daily_quota", "banyak"),
        "services[2].daily_quota",
        "must be a positive whole number or null, got 'banyak'",
    ),
    ("quota is zero", _set("services[2].daily_quota", 0), "services[2].daily_quota", "positive"),
    ("counter number is text", _set("counters[1].number", "dua"), "counters[1].number", "whole"),
    (
        "services is one string",
        _set("counters[0].services", "KTP"),
        "counters[0].services",
        "must be a list of service codes",
    ),
    ("zones is a mapping", _set("zones", {"A": "Lantai 1"}), "zones", "must be a list"),
    (
        "typo in a counter key",
        lambda d: d["counters"][1].update(servise=["KTP"]),
        "counters[1].servise",
        "unknown key; did you mean 'services'?",
    ),
    (
        "typo in a top-level key",
        lambda d: d.update(kiosk=[]),
        "kiosk",
        "did you mean 'kiosks'?",
    ),
    (
        "duplicate service code",
        _set("services[1].code", "KTP"),
        "services[1].code",
        "'KTP' is already used by services[0]",
    ),
    (
        "duplicate prefix",
        _set("services[2].prefix", "A"),
        "services[2].prefix",
        "'A' is already used by services[0] (KTP)",
    ),
    (
        "duplicate counter number",
        _set("counters[1].number", 1),
        "counters[1].number",
        "1 is already used by counters[0]",
    ),
    ("duplicate zone", _set("zones[1].code", "A"), "zones[1].code", "already used by zones[0]"),
    (
        "duplicate agency",
        _set("agencies[1].code", "DUKCAPIL"),
        "agencies[1].code",
        "already used by agencies[0]",
    ),
    (
        "duplicate kiosk",
        lambda d: d["kiosks"].append({"code": "K1", "name": "Lagi"}),
        "kiosks[1].code",
        "already used by kiosks[0]",
    ),
    (
        "lower-case prefix",
        _set("services[0].prefix", "a"),
        "services[0].prefix",
        "must be 1 to 3 capital letters A-Z, got 'a'; write 'A'",
    ),
    ("prefix too long", _set("services[0].prefix", "ABCD"), "services[0].prefix", "1 to 3"),
    ("prefix with digit", _set("services[0].prefix", "A1"), "services[0].prefix", "A-Z"),
    (
        "service of an unknown agency",
        _set("services[0].agency", "DUKCAPL"),
        "services[0].agency",
        "unknown agency 'DUKCAPL'; did you mean 'DUKCAPIL'?",
    ),
    (
        "counter with an unknown service",
        _set("counters[1].services", ["SIM", "XYZQ"]),
        "counters[1].services[1]",
        "unknown service 'XYZQ'; known: KTP, KK, SIM",
    ),
    (
        "counter lists a service twice",
        _set("counters[0].services", ["KTP", "KK", "KTP"]),
        "counters[0].services[2]",
        "'KTP' is already listed at services[0]",
    ),
    (
        "counter in an unknown zone",
        _set("counters[0].zone", "C"),
        "counters[0].zone",
        "unknown zone 'C'",
    ),
    ("counter of an unknown agency", _set("counters[0].agency", "X"), "counters[0].agency", "X"),
    ("kiosk in an unknown zone", _set("kiosks[0].zone", "Z"), "kiosks[0].zone", "unknown zone"),
    (
        "printer is a word",
        _set("kiosks[0].printer", "dummy"),
        "kiosks[0].printer",
        "must be a mapping",
    ),
    (
        "hours end before they start",
        _set("mall.opening_hours.mon", "15:00-08:00"),
        "mall.opening_hours.mon",
        "'15:00-08:00' ends before it starts",
    ),
    (
        "hours are not a range",
        _set("services[2].hours.fri", "pagi"),
        "services[2].hours.fri",
        "expected 'HH:MM-HH:MM' or 'closed', got 'pagi'",
    ),
    (
        "hours past midnight",
        _set("mall.opening_hours.mon", "07:30-25:00"),
        "mall.opening_hours.mon",
        "not a valid time of day",
    ),
    (
        "hours ending past midnight",
        _set("mall.opening_hours.mon", "20:00-24:30"),
        "mall.opening_hours.mon",
        "or 24:00 as an end",
    ),
    (
        "hours starting at 24:00",
        _set("mall.opening_hours.mon", "24:00-24:00"),
        "mall.opening_hours.mon",
        "not a valid time of day",
    ),
    (
        "empty hours",
        _set("mall.opening_hours.mon", "08:00-08:00"),
        "mall.opening_hours.mon",
        "write 'closed'",
    ),
    (
        "weekday in Indonesian",
        _set("mall.opening_hours.senin", "08:00-15:00"),
        "mall.opening_hours.senin",
        "unknown weekday; expected one of: mon, tue",
    ),
    (
        "weekday typo",
        _set("services[2].hours.thur", "08:00-15:00"),
        "services[2].hours.thur",
        "unknown weekday; did you mean 'thu'?",
    ),
    (
        "misspelt time zone",
        _set("mall.timezone", "Asia/Jakrta"),
        "mall.timezone",
        "unknown time zone 'Asia/Jakrta'; did you mean 'Asia/Jakarta'?",
    ),
    (
        "colour name",
        _set("agencies[0].color", "blue"),
        "agencies[0].color",
        "expected a colour like '#1f6feb', got 'blue'",
    ),
    (
        "colour eaten by a YAML comment",
        _set("agencies[1].color", None),
        "agencies[1].color",
        "write it in quotes",
    ),
    (
        "logo letters too long",
        _set("agencies[0].logo_letters", "DUKC"),
        "agencies[0].logo_letters",
        "1 to 3 characters",
    ),
    (
        "priority ratio zero",
        lambda d: d.update(calling={"priority_ratio": 0}),
        "calling.priority_ratio",
        "at least 1",
    ),
    (
        "database connections as a quoted number",
        lambda d: d.update(database_connections="16"),
        "database_connections",
        "whole number from 1 to 1000 (connections per server process)",
    ),
    (
        "no database connections",
        lambda d: d.update(database_connections=0),
        "database_connections",
        "whole number from 1 to 1000",
    ),
    (
        "announcement without the counter",
        lambda d: d.update(announcement={"template": "Nomor {number}"}),
        "announcement.template",
        "must contain {counter}",
    ),
    (
        "announcement with an unknown placeholder",
        lambda d: d.update(announcement={"template": "{number} ke {counter} ({name})"}),
        "announcement.template",
        "unknown placeholder {name}",
    ),
    (
        "announcement with a format spec the call cannot render",
        lambda d: d.update(announcement={"template": "Nomor {number:>3}, ke {counter}"}),
        "announcement.template",
        "cannot be rendered",
    ),
    ("no services", _set("services", []), "services", "at least one service"),
    ("no counters", _set("counters", []), "counters", "at least one counter"),
    ("counter without services", _set("counters[0].services", []), "counters[0].services", "one"),
    ("NO parsed as false", _set("zones[1].code", False), "zones[1].code", "in quotes"),
    (
        "base url without scheme",
        _set("mall.public_base_url", "mpp.local"),
        "mall.public_base_url",
        "address",
    ),
    ("database url is a file name", lambda d: d.update(database_url="x.db"), "database_url", "URL"),
    (
        "a service no counter serves",
        _set("counters[0].services", ["KTP"]),  # counter 1 was the only one with KK
        "services[1].code",
        "no counter serves 'KK'",
    ),
    (
        "grace after closing in hours",
        _set("mall.serve_after_closing_minutes", "1h"),
        "mall.serve_after_closing_minutes",
        "must be a whole number of minutes from 0 to 1440",
    ),
    (
        "negative grace after closing",
        _set("mall.serve_after_closing_minutes", -30),
        "mall.serve_after_closing_minutes",
        "from 0 to 1440",
    ),
]


@pytest.mark.parametrize(
    ("edit", "key_path", "gist"),
    [pytest.param(edit, path, gist, id=what) for what, edit, path, gist in MISTAKES],
)
def test_each_mistake_names_its_key_path(
    edit: Callable[[dict[str, Any]], Any], key_path: str, gist: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(minimal(edit))
    message = str(caught.value)
    assert message.startswith(f"{key_path}: ")
    assert gist in message
    assert "\n" not in message


def test_a_config_error_survives_pickling_for_worker_processes() -> None:
    error = ConfigError("zones[1].code", "'A' is already used by zones[0]")
    copied = pickle.loads(pickle.dumps(error))
    assert (copied.path, copied.problem, str(copied)) == (error.path, error.problem, str(error))


# --------------------------------------------------------------------------- file problems


def test_a_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as caught:
        load_settings(missing, environ={})
    assert str(caught.value) == (
        f"{missing}: file not found; pass --config PATH or set ANTRIAN_CONFIG"
    )


def test_a_yaml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = write_config(tmp_path, "mall:\n  code: x\n  name: [unclosed\nzones: []\n")
    with pytest.raises(ConfigError, match=r"invalid YAML at line \d+, column \d+") as caught:
        load_settings(path, environ={})
    assert str(caught.value).startswith(f"{path}: ")
    assert caught.value.__cause__ is None


def test_a_key_written_twice_is_refused_instead_of_silently_overwritten(tmp_path: Path) -> None:
    text = "mall:\n  code: a\n  code: b\n"
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError, match=r"line 3, column 3: duplicate key 'code'.*line 2"):
        load_settings(path, environ={})


def test_yaml_merge_keys_may_override_without_being_called_duplicates() -> None:
    text = b"base: &b {a: 1, b: 2}\nother: {<<: *b, b: 3}\n"
    assert config._parse_yaml(text, "x.yaml") == {
        "base": {"a": 1, "b": 2},
        "other": {"a": 1, "b": 3},
    }


@pytest.mark.parametrize("text", ["", "- just\n- a list\n"])
def test_a_file_without_a_top_level_mapping_is_refused(tmp_path: Path, text: str) -> None:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError, match="must contain a YAML mapping"):
        load_settings(path, environ={})
