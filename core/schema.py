"""The store's schema: the contract between the ETL that writes it and the app that reads it.

One DuckDB file, written whole by ``etl.store`` and then only read. A region is a *version*:
a code within one indeling (``year``); the same code can name another area in another year.
Every observation says both the period it is about (``year``) and the indeling its region
code belongs to (``region_year``): a police table can report 2021 on the 2024 indeling.
``region_change`` says, per code and pair of indelingen, whether the code covers the same
area in both; nothing in the store combines figures of two different areas. A value that
was not stored for a region has its reason in ``observation_gap``.

The views hold the joins every reader needs, so they are written once, here.
"""

from __future__ import annotations

SCHEMA_VERSION = 4

TABLES = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE region (
    year INTEGER NOT NULL,            -- the indeling (gemeente, wijk and buurt boundaries)
    code VARCHAR NOT NULL, level VARCHAR NOT NULL,
    name VARCHAR NOT NULL, gemeente_code VARCHAR,
    PRIMARY KEY (year, code));
CREATE TABLE region_change (          -- is a code the same area in two indelingen?
    code VARCHAR NOT NULL, level VARCHAR NOT NULL,
    from_year INTEGER NOT NULL, to_year INTEGER NOT NULL,
    same_area BOOLEAN NOT NULL,       -- false also where it cannot be told (method unknown)
    method VARCHAR NOT NULL,          -- geometry | geometry+counts | counts | codes | chain
                                      -- | unknown
    overlap DOUBLE,                   -- area overlap (intersection / union, EPSG:28992;
                                      -- below the same-area threshold within the land both
                                      -- layers cover) where measured
    note_nl VARCHAR, note_en VARCHAR,
    PRIMARY KEY (code, level, from_year, to_year));
CREATE TABLE gemeente_merger (        -- a gemeente that ended, and where its area went
    year INTEGER NOT NULL,            -- the first indeling without it
    old_code VARCHAR NOT NULL, old_name VARCHAR,
    new_code VARCHAR NOT NULL, new_name VARCHAR,  -- the gemeente that got most of its area
    method VARCHAR NOT NULL,          -- geometry (shapes of the indelingen around the change)
    area_share DOUBLE,                -- share of the old area that went to new_code
    note_nl VARCHAR, note_en VARCHAR,
    PRIMARY KEY (year, old_code));
CREATE TABLE indicator (
    id VARCHAR PRIMARY KEY, subtheme VARCHAR NOT NULL, position INTEGER NOT NULL,
    label_nl VARCHAR, label_en VARCHAR, unit_nl VARCHAR, unit_en VARCHAR,
    direction VARCHAR NOT NULL, definition_nl VARCHAR, definition_en VARCHAR,
    aggregation VARCHAR NOT NULL, weight VARCHAR, is_percentage BOOLEAN NOT NULL,
    min_value DOUBLE, max_value DOUBLE);  -- plausible range; the ETL fails outside it
CREATE TABLE indicator_series (
    indicator_id VARCHAR NOT NULL, series SMALLINT NOT NULL, first_year INTEGER,
    last_year INTEGER, source VARCHAR, formula VARCHAR, note_nl VARCHAR, note_en VARCHAR,
    min_denominator INTEGER,          -- a computed share/rate needs at least this denominator
    PRIMARY KEY (indicator_id, series));
CREATE TABLE availability (
    indicator_id VARCHAR NOT NULL, year INTEGER NOT NULL, series SMALLINT, status VARCHAR,
    source_table VARCHAR, source_keys VARCHAR, reason VARCHAR, n_values INTEGER,
    region_year INTEGER,              -- the indeling the values are on
    n_withheld INTEGER,               -- regions without a value for a reason in observation_gap
    PRIMARY KEY (indicator_id, year));
CREATE TABLE observation_gap (        -- a value not stored for a region, and why
    year INTEGER NOT NULL, region_year INTEGER NOT NULL, region_code VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,          -- other_area | small_denominator
    note_nl VARCHAR NOT NULL, note_en VARCHAR NOT NULL,
    PRIMARY KEY (year, region_code, indicator_id));
CREATE TABLE observation (
    year INTEGER NOT NULL,            -- the period the figure is about
    region_year INTEGER NOT NULL,     -- the indeling of its region code
    region_code VARCHAR NOT NULL, indicator_id VARCHAR NOT NULL,
    value DOUBLE NOT NULL, series SMALLINT NOT NULL, source_table VARCHAR NOT NULL,
    source_key VARCHAR NOT NULL);
CREATE TABLE boundary (
    year INTEGER NOT NULL, level VARCHAR NOT NULL, code VARCHAR NOT NULL,
    xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE,
    geometry BLOB NOT NULL, PRIMARY KEY (year, level, code));
CREATE TABLE boundary_geojson (
    year INTEGER NOT NULL, level VARCHAR NOT NULL, n_features INTEGER NOT NULL,
    geojson VARCHAR NOT NULL,
    overview VARCHAR,                 -- the same, coarser, for the national map
    PRIMARY KEY (year, level));
CREATE TABLE etl_run (                -- one row per source table or layer: provenance
    source_table VARCHAR NOT NULL, catalog VARCHAR,
    source VARCHAR,                   -- kwb | politie | rivm | pdok
    publisher VARCHAR,                -- who to credit: CBS; Politie, via CBS; RIVM, via CBS; …
    title VARCHAR, modified VARCHAR,
    indeling INTEGER,                 -- the indeling its region codes are on (its MapYear)
    rows BIGINT, fetched_at VARCHAR, status VARCHAR, note VARCHAR);
"""

VIEWS = """
CREATE VIEW region_named AS
    SELECT r.year, r.code, r.level, r.name, r.gemeente_code, g.name AS gemeente_name
    FROM region r LEFT JOIN region g ON g.year = r.year AND g.code = r.gemeente_code;
CREATE VIEW observation_region AS
    SELECT o.year, o.region_year, o.region_code AS code, o.indicator_id, o.value, o.series,
           o.source_table, r.level, r.name, r.gemeente_code, r.gemeente_name
    FROM observation o
    JOIN region_named r ON r.year = o.region_year AND r.code = o.region_code;
"""

INDEXES = """
CREATE INDEX observation_lookup ON observation (indicator_id, year);
CREATE INDEX observation_region_code ON observation (region_code);
"""

#: Every table, in the order a writer fills them.
TABLE_NAMES: tuple[str, ...] = (
    "meta", "region", "region_change", "gemeente_merger", "indicator", "indicator_series",
    "availability", "observation", "observation_gap", "boundary", "boundary_geojson",
    "etl_run",
)
