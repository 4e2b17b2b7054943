"""Boundaries: PDOK GeoJSON layers → valid, web-simplified polygons per region code.

Pure functions over GeoJSON dicts and GeoDataFrames; fetching lives in ``extract``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from core.regions import display_name, gemeente_of, normalise_code, region_level

METRIC_CRS = "EPSG:28992"  # Amersfoort / RD New: metres, for areas and overlaps
# Tolerance in degrees (EPSG:4326): ~35 m for wijken/buurten, ~70 m for gemeenten.
TOLERANCE: dict[str, float] = {"gemeente": 0.001, "wijk": 0.0005, "buurt": 0.0002}
DECIMALS = 5  # ~1 m: more digits only make the map slower
# The overview: a whole layer on one screen (the national map), where one pixel is ~0.005°
# (~400 m) wide. Simplified again from the web shapes, as one coverage, so the map stays
# without gaps; ~40% fewer vertices, which is what the browser's time to a drawn map goes
# by (benchmarks/dashboard.py --first-map). Zoomed in, the browser loads the web shapes.
OVERVIEW_TOLERANCE: dict[str, float] = {"gemeente": 0.003, "wijk": 0.003, "buurt": 0.002}
OVERVIEW_DECIMALS = 4  # ~10 m, a fiftieth of a pixel at that scale


def layer_frame(collection: dict[str, Any], level: str) -> gpd.GeoDataFrame:
    """Features of one PDOK layer as (code, name, geometry), one row per code."""
    features = collection.get("features", [])
    rows = []
    for feature in features:
        props = feature.get("properties") or {}
        raw = props.get("statcode")
        if not raw or feature.get("geometry") is None:
            continue
        code = normalise_code(str(raw))
        if region_level(code) != level:
            continue
        rows.append(
            {
                "code": code,
                "name": (props.get("statnaam") or "").strip() or None,
                "geometry": shapely.geometry.shape(feature["geometry"]),
            }
        )
    frame = gpd.GeoDataFrame(rows, columns=["code", "name", "geometry"], crs="EPSG:4326")
    # A code split over several features (land and water parts) becomes one shape.
    if frame["code"].duplicated().any():
        frame = frame.dissolve(by="code", aggfunc="first", as_index=False)
    return frame.sort_values("code").reset_index(drop=True)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Valid (multi)polygons only: make_valid can leave lines and points behind."""
    fixed = shapely.make_valid(geoms, method="structure", keep_collapsed=False)
    out = []
    for geom in fixed:
        if geom is None or geom.is_empty:
            out.append(None)
            continue
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            out.append(geom)
            continue
        parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
        out.append(shapely.union_all(parts) if parts else None)
    return np.array(out, dtype=object)


def valid_polygons(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer with every shape a valid (multi)polygon; shapes that are none are dropped."""
    result = frame.copy()
    result["geometry"] = _polygonal(frame.geometry.to_numpy())
    return result[~result.geometry.isna()].reset_index(drop=True)


def simplify_for_web(frame: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Simplify the layer as one coverage, so neighbours keep their shared borders,
    then round to ~1 m and repair whatever rounding broke."""
    return _simplify_valid(valid_polygons(frame), level)


def _simplify_valid(frame: gpd.GeoDataFrame, level: str, tolerance: float | None = None,
                    decimals: int = DECIMALS) -> gpd.GeoDataFrame:
    geoms = frame.geometry.to_numpy()
    simplified = shapely.coverage_simplify(geoms, tolerance or TOLERANCE.get(level, 0.0005))
    rounded = shapely.transform(simplified, lambda c: np.round(c, decimals))
    result = frame.copy()
    result["geometry"] = _polygonal(rounded)
    return result[~result.geometry.isna()].reset_index(drop=True)


def overview(frame: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """The web shapes of a layer simplified for a map of the whole country (see
    OVERVIEW_TOLERANCE); only for drawing, never for measuring."""
    return _simplify_valid(frame, level, OVERVIEW_TOLERANCE.get(level, 0.003),
                           OVERVIEW_DECIMALS)


def to_geojson(frame: gpd.GeoDataFrame) -> str:
    """A compact FeatureCollection with the region code as feature id (for Plotly)."""
    # GEOS writes the geometries (ten times faster than shapely.geometry.mapping + json).
    geometries = shapely.to_geojson(frame.geometry.to_numpy())
    features = [
        '{"type":"Feature","id":%s,"properties":%s,"geometry":%s}' % (  # noqa: UP031
            json.dumps(code, ensure_ascii=False),
            json.dumps({"code": code, "name": name}, ensure_ascii=False,
                       separators=(",", ":")),
            geometry,
        )
        for code, name, geometry in zip(frame["code"], frame["name"], geometries, strict=True)
    ]
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


@dataclass
class WebLayers:
    """Boundaries ready for the store: shapes per (year, level), the map's GeoJSON, and the
    region rows (code, name) each layer names."""

    shapes: dict[tuple[int, str], gpd.GeoDataFrame] = field(default_factory=dict)
    geojson: dict[tuple[int, str], str] = field(default_factory=dict)
    #: The map's GeoJSON for the national view (coarser; see ``overview``).
    overview: dict[tuple[int, str], str] = field(default_factory=dict)
    regions: list[pd.DataFrame] = field(default_factory=list)
    #: The same layers unsimplified in a metric CRS, for measuring boundary changes.
    metric: dict[tuple[int, str], gpd.GeoDataFrame] = field(default_factory=dict)


def web_layers(
    collections: dict[tuple[int, str], dict[str, Any]],
    say: Callable[[str], None] = lambda _msg: None,
) -> WebLayers:
    """Every fetched PDOK layer as valid, web-simplified shapes with their GeoJSON."""
    out = WebLayers()
    for (year, level), collection in collections.items():
        valid = valid_polygons(layer_frame(collection, level))
        frame = _simplify_valid(valid, level)
        if frame.empty:
            continue
        out.metric[(year, level)] = valid[["code", "geometry"]].to_crs(METRIC_CRS)
        out.shapes[(year, level)] = frame
        out.geojson[(year, level)] = to_geojson(frame)
        out.overview[(year, level)] = to_geojson(overview(frame, level))
        say(f"Boundaries {level} {year}: {len(frame):,} shapes")
        out.regions.append(layer_regions(frame, year, level))
    return out


def layer_regions(frame: gpd.GeoDataFrame, year: int, level: str) -> pd.DataFrame:
    """Region rows named by a boundary layer (priority 0: PDOK names come first)."""
    return pd.DataFrame(
        {
            "year": year,
            "code": frame["code"],
            "level": level,
            "name": [display_name(n, c) for n, c in zip(frame["name"], frame["code"], strict=True)],
            "gemeente_code": frame["code"].map(gemeente_of),
            "priority": 0,
        }
    )
