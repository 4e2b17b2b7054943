"""Every figure without a browser: the map's quantile classes and colours on small
hand-made series, its figure on the mirror store (values only, no geometry), and the
compare page's bars and scatter."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import figures
from dashboard.data import Store
from dashboard.i18n import format_value
from dashboard.views import compare as cmp
from tests.builders import frame_of, indicator

N_WIJKEN_2024 = 3393


def test_classify_quantiles_and_palette() -> None:
    values = pd.Series(np.arange(1.0, 11.0))
    classes = figures.classify(values, "neutral")
    assert len(classes.breaks) == figures.N_CLASSES + 1
    assert classes.breaks[0] == 1.0 and classes.breaks[-1] == 10.0
    assert list(classes.breaks) == sorted(classes.breaks)
    assert classes.colours == figures.PALETTE
    assert figures.classify(values, "higher_better").colours == figures.PALETTE


def test_classify_reverses_palette_when_lower_is_better() -> None:
    values = pd.Series([3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0])
    up = figures.classify(values, "higher_better")
    down = figures.classify(values, "lower_better")
    assert up.breaks == down.breaks
    assert down.colours == tuple(reversed(up.colours))
    # The favourable end is dark in both: highest class dark when higher is better,
    # lowest class dark when lower is better.
    assert up.colours[-1] == figures.PALETTE[-1]
    assert down.colours[0] == figures.PALETTE[-1]


def test_classify_ignores_missing_values() -> None:
    with_gaps = pd.Series([1.0, np.nan, 2.0, 3.0, None, 4.0, 5.0, 6.0])
    assert figures.classify(with_gaps, "neutral") == figures.classify(with_gaps.dropna(), "neutral")


def test_classify_with_ties_spreads_the_palette() -> None:
    tied = pd.Series([1.0, 1.0, 1.0, 1.0, 2.0])
    classes = figures.classify(tied, "neutral")
    assert classes.breaks[0] == 1.0 and classes.breaks[-1] == 2.0
    assert len(classes.colours) == len(classes.breaks) - 1 == 2
    assert classes.colours == (figures.PALETTE[0], figures.PALETTE[-1])


def test_classify_degenerate_series() -> None:
    same = figures.classify(pd.Series([7.0, 7.0, 7.0]), "neutral")
    assert len(same.colours) == 1 and len(same.breaks) == 2
    assert same.breaks[0] == 7.0 < same.breaks[1]
    empty = figures.classify(pd.Series([np.nan, np.nan]), "lower_better")
    assert empty.breaks == (0.0, 1.0)
    assert len(empty.colours) == 1


def test_class_index_covers_every_class_and_keeps_missing() -> None:
    values = pd.Series([10.0, np.nan, 1.0, 5.0, 2.0, 8.0, 3.0, np.nan, 9.0, 4.0, 6.0, 7.0],
                       index=list("abcdefghijkl"))
    classes = figures.classify(values, "neutral")
    idx = figures.class_index(values, classes)
    assert list(idx.index) == list(values.index)
    assert idx[values.isna()].isna().all()
    present = idx[values.notna()]
    assert present.min() == 0 and present.max() == len(classes.colours) - 1
    assert set(present) == set(range(len(classes.colours)))
    # Monotone: a larger value never falls in a lower class.
    order = values.dropna().sort_values().index
    assert present[order].is_monotonic_increasing
    # Each value lies inside its class's edges.
    for code, value in values.dropna().items():
        k = int(idx[code])
        assert classes.breaks[k] <= value <= classes.breaks[k + 1]


def test_class_index_of_ties_is_shared() -> None:
    values = pd.Series([2.0, 2.0, 2.0, 2.0, 9.0])
    idx = figures.class_index(values, figures.classify(values, "neutral"))
    assert list(idx) == [0, 0, 0, 0, 1]


def _colour_at(scale: list[list], position: float) -> str:
    """The colour a stepped Plotly colour scale gives a normalised position inside a band."""
    for (lo, colour), (hi, colour_hi) in itertools.pairwise(scale):
        if colour == colour_hi and lo <= position <= hi:
            return colour
    raise AssertionError(f"no band at {position}")


@pytest.mark.parametrize("direction", ["neutral", "lower_better"])
@pytest.mark.parametrize(
    "values",
    [list(range(20)), [1, 1, 1, 1, 2], [5, 5, 5], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]],
)
def test_colourscale_gives_each_class_its_colour(values: list, direction: str) -> None:
    classes = figures.classify(pd.Series(values, dtype=float), direction)
    scale = figures.colourscale(classes)
    k = len(classes.colours)
    assert len(scale) == 2 * k
    assert scale[0][0] == 0 and scale[-1][0] == 1
    assert [p for p, _ in scale] == sorted(p for p, _ in scale)
    # The figure maps class i to i/(k-1) of the scale (zmin=0, zmax=max(k-1, 1)).
    zmax = max(k - 1, 1)
    for i, colour in enumerate(classes.colours):
        assert _colour_at(scale, i / zmax) == colour


def test_class_labels_sit_in_the_middle_of_their_band() -> None:
    classes = figures.classify(pd.Series(np.arange(1.0, 11.0)), "neutral")
    ticks, labels = figures.class_labels(classes, "nl")
    k = len(classes.colours)
    assert len(ticks) == len(labels) == k
    for i, tick in enumerate(ticks):
        assert i * (k - 1) / k < tick < (i + 1) * (k - 1) / k
    assert labels[0] == "1 – 2,8"
    assert figures.class_labels(classes, "en")[1][0] == "1 – 2.8"


def test_figure_carries_values_only(db: Store) -> None:
    indicator = db.indicators["woz_waarde"]
    frame = db.values("woz_waarde", 2024, "wijk")
    figure = figures.map_figure("/geo/2024/wijk.json", frame, indicator, "nl", None)
    go.Figure(figure)  # a valid Plotly figure, even though built as plain dicts
    base, values, outline = figure["data"]
    assert outline["locations"] == []  # nothing selected: no outline
    assert base["geojson"] == values["geojson"] == "/geo/2024/wijk.json"
    assert len(values["locations"]) == len(frame) == N_WIJKEN_2024
    missing = frame["value"].isna().to_numpy()
    assert missing.any() and not missing.all()
    # The grey base lies under the regions without a value, and only there.
    assert set(base["locations"]) == set(frame.loc[missing, "code"])
    z = np.array([np.nan if v is None else v for v in values["z"]], dtype=float)
    assert np.array_equal(np.isnan(z), missing)
    assert all((c is None) == m for c, m in zip(values["customdata"], missing, strict=True))
    first = int(np.flatnonzero(~missing)[0])
    # Values travel formatted, as the panel and the table show them (catalogue decimals,
    # page locale: '.' thousands in Dutch).
    assert values["customdata"][first][0] == format_value(frame["value"].iloc[first],
                                                          indicator, "nl")
    # Small enough to send on every change: no geometry inside.
    assert len(json.dumps(figure)) < 600_000






def test_bar_figure_reference_line_and_colours() -> None:
    ind = indicator("a")
    fig = figures.bar_figure(ind, ["A", "B"], [1.5, None], 2.0, "nl")
    bar = fig.data[0]
    assert list(bar.x) == ["A", "B"]
    assert bar.text[1] == "geen gegevens"
    assert bar.marker.color[0] == figures.BAR_COLOUR
    shapes = fig.layout.shapes
    assert len(shapes) == 1 and shapes[0].y0 == 2.0
    assert shapes[0].line.color == figures.REFERENCE_COLOUR
    assert "Nederland" in fig.layout.annotations[0].text
    assert not figures.bar_figure(ind, ["A"], [1.0], None, "en").layout.shapes
    summary = figures.bar_summary(ind, ["A", "B"], [1.5, None], 2.0, "nl")
    assert "A: 1,5" in summary and "B: geen gegevens" in summary and "Nederland: 2" in summary


def test_scatter_figure_highlights_chosen() -> None:
    table = cmp.scatter_table(frame_of([1, 2, 3]), frame_of([4, 5, 6]))
    fig = figures.scatter_figure(table, indicator("a"), indicator("b"), ["WK000001"], "en",
                                 (2.0, None))
    rest, chosen = fig.data
    assert list(chosen.customdata) == ["WK000001"]
    assert list(rest.customdata) == ["WK000000", "WK000002"]
    assert chosen.marker.color == figures.HIGHLIGHT_COLOUR
    assert len(fig.layout.shapes) == 1  # only the x reference line


def test_sparkline_draws_one_line_per_segment_on_a_shared_axis() -> None:
    fig = figures.sparkline_figure([[(2020, 1.0), (2021, 2.0)], [(2024, 5.0)]], (2019, 2025))
    assert len(fig.data) == 2
    assert list(fig.data[0].x) == [2020, 2021] and list(fig.data[1].y) == [5.0]
    assert list(fig.layout.xaxis.range) == [2018.5, 2025.5]
