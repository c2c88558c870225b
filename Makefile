# The two commands a new machine needs (README):
#   make run    venv + requirements, builds the warehouse from sample_data/ if absent, serves on 127.0.0.1:8501
#   make test   venv + requirements, the test OIDC provider (npm), ruff (ruff.toml), then the whole test suite
#               (unit, PostgreSQL, browser, single sign-on)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DB     := data/warehouse.sqlite
OIDC   := tests/oidc

.PHONY: run test warehouse bench sample

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# The single sign-on tests' OIDC provider (oauth2-mock-server, pinned in tests/oidc/package-lock.json).
# Without npm the step says so and those tests skip (with CI=true they fail: .ci/run installs Node.js).
$(OIDC)/node_modules/.installed: $(OIDC)/package.json $(OIDC)/package-lock.json
	@if command -v npm >/dev/null; then \
		cd $(OIDC) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm 未安装：单点登录测试将跳过（apt-get install nodejs npm）"; fi

# Only when no database URL is configured: the embedded SQLite file is built from the sample.
$(DB): $(VENV)/.installed
	$(PY) -m data_pipeline load sample_data/ledgers
	$(PY) -m geo load-boundaries sample_data/boundaries/townships.geojson --level township
	$(PY) -m geo load-boundaries sample_data/boundaries/villages.geojson --level village
	$(PY) -m access demo-users

warehouse: $(DB)

run: $(VENV)/.installed
	@if [ -z "$$DASHBOARD_DB_URL" ] && [ ! -f $(DB) ]; then $(MAKE) --no-print-directory warehouse; fi
	@# the schema to this release's revision (a warehouse of an earlier release is stamped, then upgraded)
	$(PY) -m warehouse upgrade
	@# an embedded warehouse built before sign-in existed gets its demo users too (only the missing ones, printed once)
	@if [ -z "$$DASHBOARD_DB_URL" ]; then $(PY) -m access demo-users; fi
	$(PY) -m streamlit run serve.py --server.address 127.0.0.1 --server.port 8501

test: $(VENV)/.installed $(OIDC)/node_modules/.installed
	$(PY) -m ruff check . && $(PY) -m pytest -q tests

sample: $(VENV)/.installed
	$(PY) -m data_pipeline sample --out sample_data

bench: $(VENV)/.installed
	$(PY) benchmarks/bench_load.py --repeats 2
	$(PY) benchmarks/bench_exports.py --repeats 20
	$(PY) benchmarks/bench_map.py --repeats 15
	$(PY) benchmarks/bench_pages.py --scales sample,100 --databases sqlite,postgresql --repeat 5
