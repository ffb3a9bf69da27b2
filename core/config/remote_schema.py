"""The keys of numbers from home (*antrean dari rumah*) in ``config.yaml``: a service's
``remote`` (offered, its share of the quota) and the mall's ``remote_numbers`` (limits per
phone and per address, the travel margin)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, field_validator, model_validator

from core.config.booking_schema import check_limits
from core.config.fields import KeyProblem, Text
from core.config.sections import _Section
from core.config.values import DEFAULT_REMOTE_SHARE, Remote, RemoteNumbers
from core.config.visitors import Share, Switch


class RemoteSection(_Section):
    """``{enabled: true, share: 0.3}``: numbers from home, within a share of the quota."""

    expected: ClassVar[str] = "a mapping like {enabled: true, share: 0.3}"

    enabled: Switch = False
    share: Share = DEFAULT_REMOTE_SHARE

    @model_validator(mode="after")
    def _some_share(self) -> RemoteSection:
        if self.enabled and self.share == 0:
            raise KeyProblem(
                "0 leaves no number for remote visitors; write a share above 0 or enabled: false",
                "share",
            )
        return self

    def to_value(self) -> Remote:
        return Remote(enabled=self.enabled, share=self.share)


class RemoteNumbersSection(_Section):
    """``remote_numbers``: requests per phone and per address, and the travel margin."""

    phone_limits: Text = RemoteNumbers.phone_limits
    address_limits: Text = RemoteNumbers.address_limits
    travel_margin_minutes: Annotated[int, Field(strict=True, ge=0, le=480)] = (
        RemoteNumbers.travel_margin_minutes
    )

    @field_validator("phone_limits", "address_limits")
    @classmethod
    def _limits(cls, value: str) -> str:
        return check_limits(value)

    def to_value(self) -> RemoteNumbers:
        return RemoteNumbers(self.phone_limits, self.address_limits, self.travel_margin_minutes)
