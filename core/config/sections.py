"""The base of every mapping in ``config.yaml`` and the weekday hours mapping, shared by the
schema modules (:mod:`core.config.schema`, :mod:`core.config.booking_schema`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

from core.config.fields import Hours, KeyProblem, describe, unknown_key_problem
from core.config.values import WEEKDAYS, TimeRange


class _Section(BaseModel):
    """A mapping in the file. Unknown keys are refused before anything else is checked, with
    a suggestion: a misspelt optional key would otherwise be ignored silently, and a misspelt
    required one would be reported as missing instead of as the typo it is."""

    # Never reached through _known_keys below, but it states the contract of every section.
    model_config = ConfigDict(extra="forbid")

    noun: ClassVar[str] = "key"
    expected: ClassVar[str] = "a mapping of keys"

    @classmethod
    def normal_key(cls, key: Any) -> Any:
        return key

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise ValueError(f"must be {cls.expected}, got {describe(data)}")
        normal = {cls.normal_key(key): value for key, value in data.items()}
        for key in data:
            if cls.normal_key(key) not in cls.model_fields:
                problem = unknown_key_problem(key, cls.model_fields, cls.noun)
                raise KeyProblem(problem, str(key))
        return normal


class Week(_Section):
    """``{mon: "08:00-15:00", sun: closed}``; days left out are closed."""

    noun: ClassVar[str] = "weekday"
    expected: ClassVar[str] = "a mapping like {mon: '08:00-15:00', sun: closed}"

    mon: Hours = None
    tue: Hours = None
    wed: Hours = None
    thu: Hours = None
    fri: Hours = None
    sat: Hours = None
    sun: Hours = None

    @classmethod
    def normal_key(cls, key: Any) -> Any:
        return key.lower() if isinstance(key, str) else key

    def to_value(self) -> dict[int, TimeRange | None]:
        return {i: getattr(self, day) for i, day in enumerate(WEEKDAYS)}
