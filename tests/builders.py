"""Small builders for unit tests: catalogue entries without a catalogue file."""

from __future__ import annotations

from typing import Any

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
