"""Small builders for unit tests: catalogue entries without a catalogue file, frames of
wijken without a store."""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.catalogue import Indicator


def indicator(id_: str = "x", direction: str = "neutral", aggregation: str = "none",
              subtheme: str = "wonen", **fields: Any) -> Indicator:
    """A valid catalogue indicator: 'Label x' / 'Label x en', unit 'aantal' / 'number'."""
    return Indicator.model_validate({
        "id": id_, "subtheme": subtheme, "direction": direction, "aggregation": aggregation,
        "label": {"nl": f"Label {id_}", "en": f"Label {id_} en"},
        "unit": {"nl": "aantal", "en": "number"},
        "definition": {"nl": "def", "en": "def en"},
        "series": [{"years": [2019, 2025], "source": "kwb", "numerator": ["X"]}],
        **({"weight": "w"} if aggregation == "weighted_mean" else {}),
        **fields,
    })


def frame_of(values: list[float | None]) -> pd.DataFrame:
    """A view's frame of wijken (code, name, gemeente, value) with these values in order;
    None is a missing value."""
    return pd.DataFrame({
        "code": [f"WK{i:06d}" for i in range(len(values))],
        "name": [f"wijk {chr(97 + i)}" for i in range(len(values))],
        "gemeente_code": "GM0001",
        "gemeente_name": "Ergens",
        "value": [float("nan") if v is None else v for v in values],
    })
