"""config.yaml: what visitors learn before they come (requirements, fee, numbers from home)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.config import ConfigError, Remote, Requirement, load_settings
from tests.unit.test_config import SHIPPED_CONFIG, minimal, parse


def _service(**keys: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["services"][0].update(keys)


def test_requirements_fee_and_remote_are_read_with_english_wording_when_given() -> None:
    settings = parse(
        minimal(
            _service(
                requirements=["KTP-el asli", {"id": "Fotokopi KK", "en": "Copy of family card"}],
                fee=30000,
                remote={"enabled": True, "share": 0.3},
            )
        )
    )
    ktp = settings.service("KTP")
    assert ktp.requirements == (
        Requirement("KTP-el asli", "KTP-el asli"),
        Requirement("Fotokopi KK", "Copy of family card"),
    )
    assert ktp.fee == 30000
    assert ktp.remote == Remote(enabled=True, share=0.3)


def test_services_without_the_keys_are_free_have_no_requirements_and_no_remote_numbers() -> None:
    settings = parse(minimal())
    kk = settings.service("KK")
    assert (kk.requirements, kk.fee, kk.remote.enabled) == ((), 0, False)
    assert settings.status_page.alert_ahead == 3


@pytest.mark.parametrize(
    ("share", "quota", "cap"),
    [(0.3, 100, 30), (0.3, 10, 3), (0.25, 10, 2), (1, 7, 7), (0.5, None, None), (0.1, 5, 0)],
)
def test_the_remote_cap_is_the_share_of_the_quota_rounded_down(
    share: float, quota: int | None, cap: int | None
) -> None:
    assert Remote(enabled=True, share=share).cap(quota) == cap


def test_the_demo_tells_visitors_what_to_bring_and_offers_numbers_from_home() -> None:
    demo = load_settings(SHIPPED_CONFIG, environ={})
    ktp = demo.service("KTP")
    assert any("KK" in r.text for r in ktp.requirements)
    assert all(r.text_en != r.text for r in ktp.requirements)
    assert ktp.fee == 0 and ktp.remote.enabled and 0 < ktp.remote.share < 1
    assert all(s.requirements for s in demo.services)
    assert any(s.fee > 0 for s in demo.services)
    assert any(not s.remote.enabled for s in demo.services)  # e.g. passports, booked elsewhere


MISTAKES = [
    (
        _service(requirements="KTP-el asli"),
        "services[0].requirements",
        "must be a list of documents to bring",
    ),
    (_service(requirements=["a", ["b"]]), "services[0].requirements[1]", "must be text, or"),
    (_service(requirements=["a", None]), "services[0].requirements[1]", "got null"),
    (_service(requirements=[{"idd": "x"}]), "services[0].requirements[0].idd", "did you mean 'id'"),
    (_service(requirements=[{"en": "x"}]), "services[0].requirements[0].id", "required"),
    (_service(fee="gratis"), "services[0].fee", "write 0 for a free service"),
    (_service(fee=30.0), "services[0].fee", "without a decimal point"),
    (_service(fee=-5), "services[0].fee", "whole number of rupiah"),
    (_service(remote=True), "services[0].remote", "a mapping like {enabled: true"),
    (_service(remote={"enabled": "ya"}), "services[0].remote.enabled", "must be true or false"),
    (_service(remote={"enable": True}), "services[0].remote.enable", "did you mean 'enabled'"),
    (_service(remote={"enabled": True, "share": 1.5}), "services[0].remote.share", "0 to 1"),
    (_service(remote={"enabled": True, "share": 0}), "services[0].remote.share", "enabled: false"),
    (lambda d: d.update(status_page={"alert_ahead": -1}), "status_page.alert_ahead", "0 to 50"),
]


@pytest.mark.parametrize(("edit", "key_path", "gist"), MISTAKES)
def test_each_visitor_setting_mistake_names_its_key_path(
    edit: Callable[[dict[str, Any]], None], key_path: str, gist: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(minimal(edit))
    message = str(caught.value)
    assert message.startswith(f"{key_path}: ")
    assert gist in message
