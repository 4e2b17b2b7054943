# Zicht op wijken: the two commands a newcomer needs.
#   make run    build the store (live CBS; offline: from the bundled snapshot data/snapshot;
#               MIRROR=dir to replay a recorded mirror) and serve
#   make test   install everything and run lint + the whole test suite (browser tests too)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MIRROR ?=
STORE ?= data/zow.duckdb
PORT ?= 8050
SNAPSHOT_MIRROR ?= ../shared/cbs-mirror

.PHONY: run test install install-dev etl serve lint bench clean plotly-bundle aggrid-locale \
	snapshot

$(BIN)/zow: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools
	$(BIN)/pip install --quiet -e .
	touch $(BIN)/zow

install: $(BIN)/zow

$(VENV)/.dev: $(BIN)/zow
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.dev

install-dev: $(VENV)/.dev

etl: install
	$(BIN)/zow etl --store $(STORE) $(if $(MIRROR),--mirror $(MIRROR),)

serve: install
	$(BIN)/zow serve --store $(STORE) --port $(PORT)

run: etl serve

# Rebuild data/snapshot (the data `zow etl` falls back on offline) from the mirror: the ETL
# into a temporary store, then `zow snapshot`. Unchanged data leaves the snapshot as it was.
snapshot: install
	@test -d $(SNAPSHOT_MIRROR) || { echo "no mirror at $(SNAPSHOT_MIRROR) (SNAPSHOT_MIRROR=dir)"; exit 2; }
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT \
	  && $(BIN)/zow etl --mirror $(SNAPSHOT_MIRROR) --store "$$tmp/zow.duckdb" \
	  && $(BIN)/zow snapshot --store "$$tmp/zow.duckdb" --out data/snapshot

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/hadolint Dockerfile

test: install-dev
	@command -v chromium >/dev/null || echo "note: Debian chromium missing: browser tests will be skipped (apt-get install chromium)"
	$(BIN)/ruff check .
	$(BIN)/hadolint Dockerfile
	$(BIN)/pytest -q

bench: install-dev
	$(BIN)/python benchmarks/etl.py
	$(BIN)/python benchmarks/dashboard.py
	$(BIN)/python benchmarks/load.py

# Rebuild dashboard/assets/plotly-partial.min.js (needs Node and the npm registry; the
# result is committed, so neither is needed to run or test the app).
plotly-bundle:
	cd tools/plotly-bundle && npm ci --no-audit --no-fund && node build.mjs

aggrid-locale:
	cd tools/aggrid-locale && npm ci --no-audit --no-fund && node build.mjs

clean:
	rm -rf $(VENV) test-output .pytest_cache
