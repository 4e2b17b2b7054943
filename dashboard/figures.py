"""Every Plotly figure of the app: the choropleth map (quantile classes, colours, the
figure and its value-only Patch), the compare page's bars and scatter, the profile's
sparklines.

Pure functions of data frames and catalogue indicators; pages only call these. The map's
geometry is referenced by URL (``/geo/{year}/{level}.json``, for the whole country the
coarser ``/geo/overzicht/{year}/{level}.json``; cached by the browser), so a
figure carries values only and switching indicator or year on the same boundaries sends a
small ``Patch``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Patch

from core.catalogue import Indicator
from core.ranking import rankable, ranks
from dashboard.i18n import format_number, format_value, t

# Colour-blind-safe sequential palette (viridis, 5 classes), light = low.
PALETTE: tuple[str, ...] = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
MISSING_COLOUR = "#c8c8c8"
N_CLASSES = 5
NL_BOUNDS = (3.3, 50.7, 7.3, 53.6)
# Typical map size, less the colour bar on the right and the title and source lines above
# and below: a zoom that fits this fits most screens.
MAP_PIXELS = (540, 460)


def fit_view(
    bounds: tuple[float, float, float, float], pixels: tuple[int, int] = MAP_PIXELS
) -> tuple[dict[str, float], float]:
    """Centre and zoom that show the whole box (web Mercator, 512-px tiles as MapLibre)."""
    west, south, east, north = bounds

    def mercator_y(lat: float) -> float:
        return float(np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)))

    width, height = pixels
    lon_span = max(east - west, 1e-6)
    y_span = max(mercator_y(north) - mercator_y(south), 1e-6)
    zoom_x = np.log2(width * 360 / (512 * lon_span))
    zoom_y = np.log2(height * 2 * np.pi / (512 * y_span))
    zoom = float(min(zoom_x, zoom_y, 15.0)) - 0.15  # a small margin
    centre_y = (mercator_y(north) + mercator_y(south)) / 2
    centre_lat = float(np.degrees(2 * np.arctan(np.exp(centre_y)) - np.pi / 2))
    # Shift the centre east by the colour bar's share, so the area sits left of it.
    lon_per_pixel = 360 / (512 * 2**zoom)
    centre_lon = (west + east) / 2 + 0.5 * 100 * lon_per_pixel
    return {"lon": centre_lon, "lat": centre_lat}, round(zoom, 2)


@dataclass(frozen=True)
class Classes:
    breaks: tuple[float, ...]  # n+1 class edges, ascending
    colours: tuple[str, ...]  # n colours, one per class


def classify(values: pd.Series, direction: str, n: int = N_CLASSES) -> Classes:
    """Quantile classes over the non-missing values; the palette reverses when lower is
    better, so the dark end always means the favourable end where there is one."""
    data = values.dropna().to_numpy(dtype=float)
    colours = PALETTE if direction != "lower_better" else tuple(reversed(PALETTE))
    if data.size == 0:
        return Classes((0.0, 1.0), (colours[0],))
    edges = np.unique(np.quantile(data, np.linspace(0, 1, n + 1)))
    if edges.size == 1:
        edges = np.array([edges[0], edges[0] + 1e-9])
    k = edges.size - 1
    # Spread the palette over however many distinct classes the ties leave.
    picks = np.linspace(0, len(colours) - 1, k).round().astype(int)
    return Classes(tuple(float(e) for e in edges), tuple(colours[i] for i in picks))


def colourscale(classes: Classes) -> list[list[float | str]]:
    """A stepped colour scale over class indices 0…k-1: equal bands, one per class."""
    k = len(classes.colours)
    scale: list[list[float | str]] = []
    for i, colour in enumerate(classes.colours):
        scale.append([i / k, colour])
        scale.append([(i + 1) / k, colour])
    return scale


def class_index(values: pd.Series, classes: Classes) -> pd.Series:
    """The class (0…k-1) of each value; missing stays missing."""
    inner = np.asarray(classes.breaks[1:-1])
    idx = np.searchsorted(inner, values.to_numpy(dtype=float), side="right").astype(float)
    return pd.Series(idx, index=values.index).where(values.notna())


def class_labels(classes: Classes, lang: str, indicator: Indicator | None = None
                 ) -> tuple[list[float], list[str]]:
    """Tick positions (class middles, in class-index space) and labels 'a – b' (in the
    indicator's decimals when given)."""
    k = len(classes.colours)
    mids = [(i + 0.5) * (k - 1) / k if k > 1 else 0.0 for i in range(k)]

    def show(v: float) -> str:
        return format_value(v, indicator, lang) if indicator else format_number(v, lang)

    labels = [f"{show(a)} – {show(b)}"
              for a, b in zip(classes.breaks, classes.breaks[1:], strict=False)]
    return mids, labels



def hover_template(indicator: Indicator, lang: str, n_ranked: int) -> str:
    """Name, value and position, the numbers formatted on the server as everywhere else
    (the catalogue's decimals, the page's locale); no position where none is given."""
    rank = (f"<br>{t('rank', lang)}: %{{customdata[1]}} {t('of', lang)} "
            f"{format_number(n_ranked, lang, 0)}" if rankable(indicator) else "")
    return (f"<b>%{{text}}</b><br>{indicator.label.get(lang)}: %{{customdata[0]}} "
            f"{indicator.unit.get(lang)}{rank}<extra></extra>")


def _trace_values(frame: pd.DataFrame, indicator: Indicator, lang: str
                  ) -> tuple[list, list, Classes]:
    """z = class index, customdata = [value, rank] as shown; missing regions get None."""
    values = frame["value"]
    classes = classify(values, indicator.direction)
    present = values.notna().to_numpy()
    z = class_index(values, classes).astype(object)
    z[~present] = None
    ranked = ranks(values, indicator.direction).fillna(0).astype(int).tolist()
    custom = [
        [format_value(v, indicator, lang), format_number(r, lang, 0)] if ok else None
        for v, r, ok in zip(values.tolist(), ranked, present.tolist(), strict=True)
    ]
    ints = [int(v) if v is not None else None for v in z.tolist()]
    return ints, custom, classes


def _colorbar(indicator: Indicator, classes: Classes, lang: str) -> dict:
    tickvals, ticktext = class_labels(classes, lang, indicator)
    return {
        # The unit, and how the classes were made: a screenshot must stand on its own.
        "title": {"text": f"{indicator.unit.get(lang)}<br><sub>{t('class_method', lang)}</sub>",
                  "side": "top"},
        "tickvals": tickvals,
        "ticktext": ticktext,
        "len": 0.6,
        "thickness": 14,
        "x": 0.99,
        "xanchor": "right",
        "bgcolor": "rgba(255,255,255,0.85)",
    }


OUTLINE_COLOUR = "#000000"
# The borders between regions: hairlines (width 0: MapLibre's one-pixel fill outline, see
# tools/plotly-bundle/entry.js), white so that every class colour keeps its own edge.
BORDERS = {"color": "rgba(255,255,255,0.8)", "width": 0}


def map_figure(
    geojson_url: str,
    frame: pd.DataFrame,
    indicator: Indicator,
    lang: str,
    bounds: tuple[float, float, float, float] | None,
    basemap: str = "leeg",
    selected: tuple[str, ...] = (),
    title: str = "",
    source: str = "",
) -> dict[str, Any]:
    """The full figure for one (year, level, selection): a grey base of every region
    ('geen gegevens') under the classed values, and a black outline around the selected
    regions; the title and the source on the map itself."""
    labels = hover_labels(frame)
    codes = frame["code"].tolist()
    z, custom, classes = _trace_values(frame, indicator, lang)
    n_ranked = int(frame["value"].notna().sum())
    missing_codes, missing_labels = _missing(frame, labels)
    # Grey under the regions without a value only: the value trace draws nothing there.
    base = {
        "type": "choroplethmap",
        "geojson": geojson_url,
        "locations": missing_codes,
        "z": [0] * len(missing_codes),
        "featureidkey": "id",
        "colorscale": [[0, MISSING_COLOUR], [1, MISSING_COLOUR]],
        "showscale": False,
        "marker": {"line": BORDERS},
        "text": missing_labels,
        "hovertemplate": f"<b>%{{text}}</b><br>{t('no_data', lang)}<extra></extra>",
        "name": t("no_data", lang),
        "showlegend": True,
    }
    values = {
        "type": "choroplethmap",
        "geojson": geojson_url,
        "locations": codes,
        "z": z,
        "customdata": custom,
        "featureidkey": "id",
        "colorscale": colourscale(classes),
        "zmin": 0,
        "zmax": max(len(classes.colours) - 1, 1),
        "colorbar": _colorbar(indicator, classes, lang),
        "marker": {"line": BORDERS, "opacity": 0.95},
        "text": labels,
        "hovertemplate": hover_template(indicator, lang, n_ranked),
        "name": indicator.label.get(lang),
        "showlegend": False,
    }
    chosen = [c for c in selected if c in set(codes)]
    outline = {
        "type": "choroplethmap",
        "geojson": geojson_url,
        "locations": chosen,
        "z": [0] * len(chosen),
        "featureidkey": "id",
        "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
        "showscale": False,
        "marker": {"line": {"color": OUTLINE_COLOUR, "width": 3}},
        "hoverinfo": "skip",
        "name": t("selected", lang),
        "showlegend": bool(chosen),
    }
    centre, zoom = fit_view(bounds or NL_BOUNDS)
    layout = {
        # "white-bg" always: the background map is put in by the browser where it can be
        # reached (assets/basemap.js reads meta.basemap), so offline the map still draws.
        "map": {"style": "white-bg", "center": centre, "zoom": zoom},
        "meta": {"basemap": basemap},
        # The title above and the source below the map: a screenshot stands on its own.
        "margin": {"l": 0, "r": 0, "t": 30, "b": 22},
        "title": {"text": title, "x": 0.01, "xanchor": "left", "y": 0.995, "yanchor": "top",
                  "font": {"size": 14}},
        "annotations": [{"text": source, "showarrow": False, "xref": "paper", "yref": "paper",
                         "x": 0, "y": 0, "xanchor": "left", "yanchor": "top", "yshift": -4,
                         "font": {"size": 10, "color": "#333333"}}],
        "legend": {"x": 0.01, "y": 0.01, "bgcolor": "rgba(255,255,255,0.85)"},
        "separators": ",." if lang == "nl" else ".,",
        "uirevision": f"{geojson_url}|{bounds}",
        "paper_bgcolor": "#ffffff",
    }
    # A plain figure dict: Plotly's validation of 3,000-region traces costs more than
    # the rest of the page, and these traces are built from checked data only.
    return {"data": [base, values, outline], "layout": layout}


def hover_labels(frame: pd.DataFrame) -> list[str]:
    """'Wijk (Gemeente)' for hover texts."""
    return [
        f"{n} ({g})" if isinstance(g, str) and g != n else str(n)
        for n, g in zip(frame["name"], frame["gemeente_name"], strict=True)
    ]


def _missing(frame: pd.DataFrame, labels: list[str]) -> tuple[list[str], list[str]]:
    gaps = frame["value"].isna().to_numpy()
    codes = frame["code"].to_numpy()[gaps].tolist()
    return codes, [label for label, gap in zip(labels, gaps, strict=True) if gap]


def values_patch(frame: pd.DataFrame, indicator: Indicator, lang: str, title: str = "",
                 source: str = "") -> Patch:
    """What changes when only the indicator or year changes on the same regions."""
    z, custom, classes = _trace_values(frame, indicator, lang)
    missing_codes, missing_labels = _missing(frame, hover_labels(frame))
    patch = Patch()
    patch["data"][0]["locations"] = missing_codes
    patch["data"][0]["z"] = [0] * len(missing_codes)
    patch["data"][0]["text"] = missing_labels
    patch["data"][1]["z"] = z
    patch["data"][1]["customdata"] = custom
    patch["data"][1]["colorscale"] = colourscale(classes)
    patch["data"][1]["zmax"] = max(len(classes.colours) - 1, 1)
    patch["data"][1]["colorbar"] = _colorbar(indicator, classes, lang)
    patch["data"][1]["name"] = indicator.label.get(lang)
    patch["data"][1]["hovertemplate"] = hover_template(
        indicator, lang, int(frame["value"].notna().sum())
    )
    patch["layout"]["title"]["text"] = title
    patch["layout"]["annotations"][0]["text"] = source
    return patch


# ------------------------------------------------------------------- compare page
# Okabe–Ito colours: distinguishable with every common colour-vision deficiency.
BAR_COLOUR = "#0072B2"  # blue
REFERENCE_COLOUR = "#D55E00"  # vermillion: the NL reference line
HIGHLIGHT_COLOUR = "#D55E00"
OTHER_COLOUR = "#56B4E9"  # sky blue


def _axis_title(indicator: Indicator, lang: str) -> str:
    return f"{indicator.label.get(lang)} ({indicator.unit.get(lang)})"


def bar_figure(indicator: Indicator, labels: Sequence[str], values: Sequence[float | None],
               nl_value: float | None, lang: str) -> go.Figure:
    """One bar per chosen area; NL (when given) as a dashed reference line; 'geen gegevens'
    where an area has no value."""
    ys = [None if v is None or pd.isna(v) else float(v) for v in values]
    texts = [format_number(v, lang) for v in ys]
    unit = indicator.unit.get(lang)
    figure = go.Figure(
        go.Bar(
            x=list(labels), y=[0 if v is None else v for v in ys],
            text=texts, textposition="outside", cliponaxis=False,
            marker={"color": [BAR_COLOUR if v is not None else "rgba(0,0,0,0)" for v in ys]},
            hovertemplate="<b>%{x}</b><br>%{text} " + unit + "<extra></extra>",
            name=indicator.label.get(lang),
        )
    )
    if nl_value is not None and pd.notna(nl_value):
        figure.add_hline(
            y=float(nl_value), line_dash="dash", line_color=REFERENCE_COLOUR, line_width=2,
            annotation_text=f"{t('nl', lang)}: {format_number(float(nl_value), lang)}",
            annotation_position="top left", annotation_font_color=REFERENCE_COLOUR,
        )
    top = max([v for v in ys if v is not None] + [float(nl_value or 0), 0.0])
    figure.update_layout(
        title={"text": indicator.label.get(lang), "font": {"size": 14}, "x": 0.01},
        yaxis={"title": {"text": unit}, "range": [0, top * 1.18 or 1], "rangemode": "tozero"},
        xaxis={"tickangle": 0, "automargin": True},
        margin={"l": 50, "r": 10, "t": 40, "b": 10},
        height=300,
        showlegend=False,
        separators=",." if lang == "nl" else ".,",
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
    )
    figure.update_yaxes(gridcolor="#e5e5e5")
    return figure


def bar_summary(indicator: Indicator, labels: Sequence[str], values: Sequence[float | None],
                nl_value: float | None, lang: str) -> str:
    """The bar chart in words, for screen readers."""
    parts = [f"{lab}: {format_number(v, lang)}" for lab, v in zip(labels, values, strict=True)]
    if nl_value is not None and pd.notna(nl_value):
        parts.append(f"{t('nl', lang)}: {format_number(nl_value, lang)}")
    return f"{t('chart_of', lang)} {_axis_title(indicator, lang)}. " + "; ".join(parts)


def scatter_figure(table: pd.DataFrame, ix: Indicator, iy: Indicator,
                   highlight: Collection[str], lang: str,
                   nl: tuple[float | None, float | None] = (None, None)) -> go.Figure:
    """All wijken of the selection as points, the chosen areas highlighted and labelled,
    the NL values as dashed reference lines."""
    table = table.assign(_label=hover_labels(table))
    chosen = table["code"].isin(list(highlight))
    hover = (
        "<b>%{text}</b><br>"
        f"{ix.label.get(lang)}: %{{x:,.4~r}} {ix.unit.get(lang)}<br>"
        f"{iy.label.get(lang)}: %{{y:,.4~r}} {iy.unit.get(lang)}<extra></extra>"
    )
    rest = table[~chosen]
    picked = table[chosen]
    figure = go.Figure([
        go.Scatter(
            x=rest["x"], y=rest["y"], text=rest["_label"], customdata=rest["code"],
            mode="markers", name=t("other_wijken", lang),
            marker={"color": OTHER_COLOUR, "size": 7, "opacity": 0.6,
                    "line": {"width": 0.5, "color": "#1f4e79"}},
            hovertemplate=hover,
        ),
        go.Scatter(
            x=picked["x"], y=picked["y"], text=picked["_label"], customdata=picked["code"],
            mode="markers+text", name=t("chosen", lang), textposition="top center",
            marker={"color": HIGHLIGHT_COLOUR, "size": 13, "symbol": "diamond",
                    "line": {"width": 1.5, "color": "#000000"}},
            hovertemplate=hover,
        ),
    ])
    nx, ny = nl
    if nx is not None and pd.notna(nx):
        figure.add_vline(x=float(nx), line_dash="dash", line_color="#555555",
                         annotation_text=t("nl", lang), annotation_position="top")
    if ny is not None and pd.notna(ny):
        figure.add_hline(y=float(ny), line_dash="dash", line_color="#555555",
                         annotation_text=t("nl", lang), annotation_position="top right")
    figure.update_layout(
        xaxis={"title": {"text": _axis_title(ix, lang)}, "gridcolor": "#e5e5e5"},
        yaxis={"title": {"text": _axis_title(iy, lang)}, "gridcolor": "#e5e5e5"},
        margin={"l": 60, "r": 20, "t": 20, "b": 50},
        height=520,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        separators=",." if lang == "nl" else ".,",
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
    )
    return figure


# ------------------------------------------------------------------ area profile
SPARK_COLOUR = "#3b3b3b"


def sparkline_figure(segments: Sequence[Sequence[tuple[int, float]]],
                     years: tuple[int, int]) -> go.Figure:
    """A small static line per trend segment, on a shared year axis (breaks stay gaps)."""
    figure = go.Figure()
    for segment in segments:
        figure.add_scatter(
            x=[y for y, _ in segment], y=[v for _, v in segment], mode="lines+markers",
            line={"color": SPARK_COLOUR, "width": 1.5},
            marker={"size": 4, "color": SPARK_COLOUR}, hoverinfo="skip", showlegend=False,
        )
    figure.update_layout(
        margin={"l": 2, "r": 2, "t": 4, "b": 4}, height=34, width=140,
        xaxis={"visible": False, "range": [years[0] - 0.5, years[1] + 0.5]},
        yaxis={"visible": False}, paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
    )
    return figure


# ------------------------------------------------------------------ NPLV monitor
#: Better / worse than the reference (Okabe-Ito blue and vermillion, as the other charts);
#: grey where there is no judgement (neutral indicator) or no difference.
GAP_COLOURS = {"better": "#0072B2", "worse": "#D55E00", None: "#8c8c8c", "same": "#8c8c8c"}


def gap_figure(indicator: Indicator, table: pd.DataFrame, lang: str) -> go.Figure:
    """One small multiple of the monitor: a horizontal bar per focus area, its gap to the
    Netherlands (area − NL) in the indicator's unit, coloured by the judgement; areas
    without a figure keep their row, without a bar."""
    table = table.iloc[::-1]  # the first area on top
    gaps = [None if pd.isna(v) else float(v) for v in table["diff_nl"]]
    judged = [j if isinstance(j, str) else None for j in table["judged_nl"]]
    texts = [format_value(g, indicator, lang) if g is not None else t("profile_na", lang)
             for g in gaps]
    figure = go.Figure(go.Bar(
        y=list(table["area"]), x=[0 if g is None else g for g in gaps], orientation="h",
        marker={"color": [GAP_COLOURS.get(j, GAP_COLOURS[None]) if g is not None
                          else "rgba(0,0,0,0)" for g, j in zip(gaps, judged, strict=True)]},
        text=texts, textposition="outside", cliponaxis=False,
        hovertemplate="<b>%{y}</b><br>%{text}<extra></extra>",
    ))
    figure.add_vline(x=0, line_color="#333333", line_width=1)
    # Room beside the longest bars for their numbers (outside the bar, never over a name).
    low, high = min([0.0, *(g for g in gaps if g is not None)]), max(
        [0.0, *(g for g in gaps if g is not None)])
    pad = 0.3 * (high - low or 1.0)
    figure.update_xaxes(range=[low - (pad if low < 0 else 0), high + (pad if high > 0 else 0)])
    figure.update_layout(
        title={"text": indicator.label.get(lang), "font": {"size": 13}, "x": 0.01},
        xaxis={"title": {"text": t("monitor_gap_axis", lang, unit=indicator.unit.get(lang)),
                         "font": {"size": 11}}, "zeroline": False, "gridcolor": "#e5e5e5"},
        yaxis={"automargin": True, "tickfont": {"size": 10}},
        margin={"l": 10, "r": 40, "t": 36, "b": 40}, height=460, showlegend=False,
        separators=",." if lang == "nl" else ".,",
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
    )
    return figure
