"""Field types for what visitors are told before they come: requirements, fee, remote numbers.

Kept apart from :mod:`core.config.fields` (the mall's machinery) so each stays readable; the
wording follows the same rule: say what the key must hold, in terms of the YAML file.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from core.config.fields import describe, worded


def _requirements(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        raise ValueError(f"must be a list of documents to bring, e.g. [{value!r}], got a text")
    if not isinstance(value, list):
        raise ValueError(
            "must be a list of documents to bring, e.g. ['KTP-el asli', 'Fotokopi KK'], "
            f"got {describe(value)}"
        )
    # A plain text is the Indonesian wording; its English one is then the same text.
    return [
        {"id": item} if isinstance(item, str | int | float) and not isinstance(item, bool) else item
        for item in value
    ]


def _fee_hint(value: Any) -> str:
    if isinstance(value, str) and value.strip().lower() in ("gratis", "free", "-"):
        return "; write 0 for a free service"
    if isinstance(value, float):
        return "; write rupiah without a decimal point, e.g. 30000 (YAML reads 30.000 as 30.0)"
    return ""


Fee = Annotated[
    int,
    Field(strict=True, ge=0),
    worded("must be a whole number of rupiah, 0 for free (gratis)", hint=_fee_hint),
]

Share = Annotated[
    float,
    Field(strict=True, ge=0, le=1),
    worded("must be a fraction of the daily quota from 0 to 1, e.g. 0.3"),
]

Switch = Annotated[bool, Field(strict=True), worded("must be true or false")]

AlertAhead = Annotated[
    int,
    Field(strict=True, ge=0, le=50),
    worded("must be a whole number of people from 0 to 50"),
]

RequirementList = BeforeValidator(_requirements)
"""A service's documents: each a text, or ``{id: 'Indonesian', en: 'English'}``."""
