"""Region search: one ranking for every search box of the app.

Searched on the server so that no page carries every name in the country. A hit is a
gemeente, wijk or buurt whose name, another name people use for it (core/aliases.toml:
"Den Haag" for 's-Gravenhage), its code or its gemeente's name contains what was typed,
regardless of case and accents; an exact code comes first, then names that contain the
text, by level (gemeente, NPLV focus area, wijk, buurt), names that start with it before
the rest. Focus areas are found by their id, name and aliases (views.areas.index_with_areas)
in the boxes that list them (``WITH_AREAS``).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from core.areas import LEVEL as AREA_LEVEL
from core.regions import MAP_LEVELS, fold, with_terms
from dashboard.i18n import t

MIN_CHARS = 2
LIMIT = 40
#: The levels of a search box that lists focus areas too, in the order hits are ranked.
WITH_AREAS: tuple[str, ...] = ("gemeente", AREA_LEVEL, "wijk", "buurt")


def level_name(level: str, lang: str) -> str:
    return t(f"level_{level}", lang)


def region_label(level: str, name: str, gemeente_name: str | None, lang: str) -> str:
    """'Amsterdam (gemeente)', 'Jordaan (wijk, Amsterdam)'."""
    if level in ("wijk", "buurt", AREA_LEVEL) and isinstance(gemeente_name, str) and gemeente_name:
        return f"{name} ({level_name(level, lang)}, {gemeente_name})"
    return f"{name} ({level_name(level, lang)})"


def search_regions(index: pd.DataFrame, needle: str | None,
                   levels: Sequence[str] = MAP_LEVELS, limit: int = LIMIT) -> pd.DataFrame:
    """Rows of ``index`` (code, level, name, gemeente_name) that match, best first.

    Without a needle: the gemeenten by name (a start for browsing)."""
    index = index[index["level"].isin(levels)]
    needle = fold(needle if isinstance(needle, str) else "")[:100]
    if not needle:
        return index[index["level"] == "gemeente"].sort_values("name").head(limit)
    if "terms" not in index:
        index = with_terms(index)
    name, gemeente = index["terms"], index["gemeente_terms"]
    code = index["code"].str.lower()
    hits = index[
        name.str.contains(needle, regex=False)
        | code.str.contains(needle, regex=False)
        | gemeente.str.contains(needle, regex=False)
    ]
    order = pd.DataFrame(
        {
            "exact": code[hits.index] != needle,
            "in_name": ~name[hits.index].str.contains(needle, regex=False),
            "level": hits["level"].map({lv: i for i, lv in enumerate(WITH_AREAS)}),
            "starts": ~name[hits.index].str.startswith(needle)
            & ~name[hits.index].str.contains("| " + needle, regex=False),
            "name": name[hits.index],
        },
        index=hits.index,
    ).sort_values(["exact", "in_name", "level", "starts", "name"], kind="stable")
    return hits.loc[order.index].head(limit)


def options(index: pd.DataFrame, needle: str | None, lang: str,
            selected: Sequence[str] = (), levels: Sequence[str] = MAP_LEVELS,
            limit: int = LIMIT) -> list[dict[str, str]]:
    """Dropdown options 'label · code': the chosen regions first (so a multi-select keeps
    them), then the hits. Each carries what it was found by (``search``: its names, its
    gemeente's, its code, folded), because the dropdown filters its options by the typed
    text itself: without it, 's-Gravenhage would be dropped for 'Den Haag'."""
    if "terms" not in index:
        index = with_terms(index)
    known = set(index["code"])
    chosen = index.set_index("code").loc[[c for c in selected if c in known]].reset_index()
    hits = search_regions(index, needle, levels, limit)
    hits = hits[~hits["code"].isin(list(selected))]
    frame = pd.concat([chosen, hits], ignore_index=True)
    labels = [f"{region_label(lv, n, g, lang)} · {c}" for c, lv, n, g in zip(
        frame["code"], frame["level"], frame["name"], frame["gemeente_name"], strict=True)]
    return [
        {"label": label, "value": c, "search": f"{label} {terms} {gemeente_terms}"}
        for label, c, terms, gemeente_terms in zip(
            labels, frame["code"], frame["terms"], frame["gemeente_terms"], strict=True)
    ]
