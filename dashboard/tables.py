"""Server-side rows for AG Grid's infinite row model: sort, filter and slice a frame.

The browser asks for one block of rows at a time (``getRowsRequest``), so a table of every
wijk in the country costs a few kilobytes per view, not the whole table.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

MAX_BLOCK = 500
MAX_ROW = 10**9  # far past any table here: a bigger start is an empty block, not an error
TEXT_OPS = {"contains", "notContains", "equals", "notEqual", "startsWith", "endsWith",
            "blank", "notBlank"}
NUMBER_OPS = {"equals", "notEqual", "greaterThan", "greaterThanOrEqual", "lessThan",
              "lessThanOrEqual", "inRange", "blank", "notBlank"}


def _text_mask(col: pd.Series, op: str, value: str) -> pd.Series:
    text = col.fillna("").astype(str).str.lower()
    value = value.lower()
    return {
        "contains": lambda: text.str.contains(value, regex=False),
        "notContains": lambda: ~text.str.contains(value, regex=False),
        "equals": lambda: text == value,
        "notEqual": lambda: text != value,
        "startsWith": lambda: text.str.startswith(value),
        "endsWith": lambda: text.str.endswith(value),
        "blank": lambda: text == "",
        "notBlank": lambda: text != "",
    }[op]()


def _number_mask(col: pd.Series, op: str, a: float | None, b: float | None) -> pd.Series:
    if op == "blank":
        return col.isna()
    if op == "notBlank":
        return col.notna()
    if a is None:
        return pd.Series(True, index=col.index)
    return {
        "equals": lambda: col == a,
        "notEqual": lambda: col != a,
        "greaterThan": lambda: col > a,
        "greaterThanOrEqual": lambda: col >= a,
        "lessThan": lambda: col < a,
        "lessThanOrEqual": lambda: col <= a,
        "inRange": lambda: (col >= a) & (col <= (b if b is not None else a)),
    }[op]()


def _number(value: Any) -> float | None:
    """A finite number, or None (also for NaN, infinities and what is no number at all)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if value is not None else None
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number is not None and math.isfinite(number) else None


def _row(value: Any, default: int) -> int:
    """A row index from the grid's request, clamped to 0..MAX_ROW (``default`` when it is
    no finite number)."""
    number = _number(value)
    return default if number is None else int(min(max(number, 0), MAX_ROW))


def _condition_mask(col: pd.Series, condition: dict[str, Any]) -> pd.Series:
    kind = condition.get("filterType")
    op = condition.get("type")
    if not isinstance(op, str):
        return pd.Series(True, index=col.index)
    if kind == "number" and op in NUMBER_OPS:
        return _number_mask(col, op, _number(condition.get("filter")),
                            _number(condition.get("filterTo")))
    if kind == "text" and op in TEXT_OPS:
        return _text_mask(col, op, str(condition.get("filter") or ""))
    return pd.Series(True, index=col.index)  # unknown filters are ignored, not errors


def apply_filter_model(frame: pd.DataFrame, model: Any) -> pd.DataFrame:
    """Rows matching an AG Grid filter model (text and number filters, AND/OR pairs)."""
    if not isinstance(model, dict):
        return frame
    mask = pd.Series(True, index=frame.index)
    for column, spec in model.items():
        if not isinstance(column, str) or column not in frame.columns \
                or not isinstance(spec, dict):
            continue
        col = frame[column]
        if "conditions" in spec and isinstance(spec["conditions"], list):
            parts = [_condition_mask(col, c) for c in spec["conditions"] if isinstance(c, dict)]
            if parts:
                combined = parts[0]
                for part in parts[1:]:
                    combined = combined | part if spec.get("operator") == "OR" else combined & part
                mask &= combined
        else:
            mask &= _condition_mask(col, spec)
    return frame[mask]


def apply_sort_model(frame: pd.DataFrame, model: Any) -> pd.DataFrame:
    """Rows sorted as the grid asks; missing values always last."""
    if not isinstance(model, list):
        return frame
    columns, ascending = [], []
    for item in model:
        if isinstance(item, dict) and isinstance(item.get("colId"), str) \
                and item["colId"] in frame.columns:
            columns.append(item["colId"])
            ascending.append(item.get("sort") != "desc")
    if not columns:
        return frame
    return frame.sort_values(columns, ascending=ascending, na_position="last", kind="stable")


def rows_response(frame: pd.DataFrame, request: Any) -> dict[str, Any]:
    """The getRowsResponse for a getRowsRequest over a frame."""
    request = request if isinstance(request, dict) else {}
    filtered = apply_sort_model(apply_filter_model(frame, request.get("filterModel")),
                                request.get("sortModel"))
    start = _row(request.get("startRow"), 0)
    end = min(max(_row(request.get("endRow"), start + 100), start), start + MAX_BLOCK)
    block = filtered.iloc[start:end]
    records = block.astype(object).where(block.notna(), None).to_dict("records")
    return {"rowData": records, "rowCount": len(filtered)}
