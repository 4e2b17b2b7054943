"""The anchor of ``benchmarks/dashboard.py --first-map``: a plain Dash app, written the way
the Plotly documentation shows it, that puts ``px.choropleth_map`` of all 2024 wijken with
the boundaries inline in its figure (no Patch, no URL for the geometry, no asset bundling,
no compression: Dash's defaults, served by ``app.run``).

    python benchmarks/anchor_app.py GEOJSON VALUES.json [--port 8060]

GEOJSON is the boundaries file the app serves (``/geo/2024/wijk.json``); VALUES.json is a
list of ``{"code", "name", "value"}``. The benchmark writes both from the store, so this
file needs neither the store nor anything of the app.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import plotly.express as px
from dash import Dash, dcc, html


def build(geojson: dict, frame: pd.DataFrame) -> Dash:
    figure = px.choropleth_map(
        frame, geojson=geojson, locations="code", featureidkey="id", color="value",
        color_continuous_scale="Viridis", hover_name="name", map_style="white-bg",
        center={"lat": 52.2, "lon": 5.3}, zoom=6,
    )
    figure.update_layout(margin={"l": 0, "r": 0, "t": 30, "b": 0})
    figure.update_traces(marker_line_width=0.4, marker_line_color="#ffffff")
    app = Dash(__name__)
    app.layout = html.Div([
        html.H1("Inwoners per wijk, 2024"),
        dcc.Graph(id="map", figure=figure, style={"height": "600px"}),
    ])
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("geojson", type=Path)
    parser.add_argument("values", type=Path)
    parser.add_argument("--port", type=int, default=8060)
    args = parser.parse_args()
    geojson = json.loads(args.geojson.read_text())
    frame = pd.DataFrame(json.loads(args.values.read_text()))
    build(geojson, frame).run(host="127.0.0.1", port=args.port, debug=False)


if __name__ == "__main__":
    main()
