# instalign: `make run` and `make test` set everything up on a fresh machine and are idempotent.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CHROME := /usr/bin/chromium
PYTEST_WARN := -W error::FutureWarning -W error::DeprecationWarning

.PHONY: run test setup chromium lint bench validate findings clean plotly-bundle

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || { BASE=$$(scripts/find-python) && echo "creating $(VENV) with $$BASE" && $$BASE -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,prod]'
	@touch $(STAMP)

# Debian's chromium serves kaleido (figure export) and the browser tests; nothing downloads a browser.
chromium:
	@test -x $(CHROME) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-open-sans; \
	  else echo "figure export and browser tests need Debian's chromium: sudo apt-get install chromium fonts-open-sans" >&2; exit 1; fi; }

# The main job: make a small demo sweep if results/ has none, then serve the dashboard on
# 127.0.0.1 (the URL is printed). Headless runs: `.venv/bin/instalign run|sweep ...`.
run: setup chromium
	$(PY) -m dashboard.demo

test: setup chromium
	$(VENV)/bin/ruff check .
	BROWSER_PATH=$(CHROME) $(PY) -m pytest $(PYTEST_WARN) -p no:cacheprovider

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

validate: setup
	$(VENV)/bin/instalign validate

findings: setup
	$(VENV)/bin/instalign findings --check

bench: setup
	$(PY) -m benchmarks

# The dashboard's partial plotly.js (dashboard/assets/plotly-instalign.min.js, committed):
# rebuild after adding a trace type to a figure or upgrading plotly (needs node and npm).
plotly-bundle:
	cd scripts/plotly-bundle && npm install --no-audit --no-fund --silent && node build.js

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache
