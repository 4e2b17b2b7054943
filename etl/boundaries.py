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

# Tolerance in degrees (EPSG:4326): ~35 m for wijken/buurten, ~70 m for gemeenten.
TOLERANCE: dict[str, float] = {"gemeente": 0.001, "wijk": 0.0005, "buurt": 0.0002}
DECIMALS = 5  # ~1 m: more digits only make the map slower


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


def simplify_for_web(frame: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Simplify the layer as one coverage, so neighbours keep their shared borders,
    then round to ~1 m and repair whatever rounding broke."""
    geoms = _polygonal(frame.geometry.to_numpy())
    simplified = shapely.coverage_simplify(geoms, TOLERANCE.get(level, 0.0005))
    rounded = shapely.transform(simplified, lambda c: np.round(c, DECIMALS))
    result = frame.copy()
    result["geometry"] = _polygonal(rounded)
    return result[~result.geometry.isna()].reset_index(drop=True)


def to_geojson(frame: gpd.GeoDataFrame) -> str:
    """A compact FeatureCollection with the region code as feature id (for Plotly)."""
    features = [
        {
            "type": "Feature",
            "id": code,
            "properties": {"code": code, "name": name},
            "geometry": shapely.geometry.mapping(geom),
        }
        for code, name, geom in zip(frame["code"], frame["name"], frame.geometry, strict=True)
    ]
    return json.dumps(
        {"type": "FeatureCollection", "features": features},
        ensure_ascii=False,
        separators=(",", ":"),
    )


@dataclass
class WebLayers:
    """Boundaries ready for the store: shapes per (year, level), the map's GeoJSON, and the
    region rows (code, name) each layer names."""

    shapes: dict[tuple[int, str], gpd.GeoDataFrame] = field(default_factory=dict)
    geojson: dict[tuple[int, str], str] = field(default_factory=dict)
    regions: list[pd.DataFrame] = field(default_factory=list)


def web_layers(
    collections: dict[tuple[int, str], dict[str, Any]],
    say: Callable[[str], None] = lambda _msg: None,
) -> WebLayers:
    """Every fetched PDOK layer as valid, web-simplified shapes with their GeoJSON."""
    out = WebLayers()
    for (year, level), collection in collections.items():
        frame = simplify_for_web(layer_frame(collection, level), level)
        if frame.empty:
            continue
        out.shapes[(year, level)] = frame
        out.geojson[(year, level)] = to_geojson(frame)
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
