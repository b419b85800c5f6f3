# Every target bootstraps .venv/ at the repo root first, so a fresh clone needs
# nothing but `make demo` or `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run

.PHONY: test deps dist demo lint bench bench-audit browser-diff fuzz load clean

# Express for the exported middleware's test lives in .ci/node/ (scripts/install-system-deps);
# nginx and apache2 live in /usr/sbin, which a user's PATH may lack.
export NODE_PATH := $(CURDIR)/.ci/node/node_modules$(if $(NODE_PATH),:$(NODE_PATH))
export PATH := $(PATH):/usr/sbin:/sbin
# Extra pytest arguments for both passes, e.g. make test PYTEST_ARGS='-k playground'.
PYTEST_ARGS ?=

N    ?= 5000
SEED ?= 1
BROWSER ?= chromium
FUZZ_SECONDS ?= 300

# The package alone (what `make demo` needs), then the test tools on top.
$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Chromium, nginx, caddy, apache2, node and Express: installed when missing (as
# root), else the one command to run is printed; instant when all are there.
deps:
	scripts/install-system-deps

# Two runs: Playwright's sync API keeps an event loop installed in the process
# that drives Chromium, so the real-browser tests get worker processes of their own.
# A pass that selects no test (pytest's exit 5, e.g. under a narrow PYTEST_ARGS)
# says so and is not a failure; any other failure is.
define pytest_pass
	$(PY) -m pytest -q -n 2 -m $(1) $(PYTEST_ARGS) || { status=$$?; \
	    if [ $$status -eq 5 ]; then echo "make test: this pass selected no test (pytest exit 5)"; \
	    else exit $$status; fi; }
endef

test: $(STAMP) deps
	$(call pytest_pass,"not slow and not browser")
	$(call pytest_pass,"browser and not slow")

# A wheel in dist/, to install into another project's environment:
# pip install dist/crossorigin-*.whl
dist: $(RUN_STAMP)
	rm -rf dist
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir dist .
	@ls dist/*.whl

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

demo: $(RUN_STAMP)
	$(VENV)/bin/crossorigin demo

# Wall-clock (interleaved rounds) and CPU instructions per request (callgrind,
# steady on a noisy machine; needs Debian's valgrind).
bench: $(STAMP)
	$(PY) bench/bench_asgi.py --rounds 25
	$(PY) bench/bench_wsgi.py
	$(PY) bench/bench_instructions.py --suite asgi
	$(PY) bench/bench_instructions.py --suite flask --requests 300
	$(PY) bench/bench_instructions.py --suite django --requests 300
	$(PY) bench/bench_e2e.py --rounds 5
	$(PY) bench/bench_model.py

# crossorigin audit vs CORScanner on the loopback zoo (CORScanner in a venv of its own:
# it patches the whole process with gevent; without it, crossorigin is measured alone),
# then 10,000 and 100,000 targets against nginx on loopback (peak RSS, requests/s, CPU).
bench-audit: $(STAMP)
	test -x /tmp/corscanner-venv/bin/python || ($(PYTHON) -m venv /tmp/corscanner-venv && /tmp/corscanner-venv/bin/pip install --quiet corscanner) || echo "CORScanner could not be installed: crossorigin is measured alone"
	$(PY) bench/bench_audit.py --copies 10 --report reports/bench-audit.md
	$(PY) bench/bench_audit_scale.py --counts 10000,100000 --report reports/bench-audit-scale.md

# A large random batch of scenarios in a real browser (BROWSER=chromium|firefox|webkit);
# writes reports/browser-diff.md (reports/browser-diff-$(BROWSER).md for the others).
browser-diff: $(STAMP)
	$(PY) tests/oracles/browsers/browser_diff.py --browser $(BROWSER) --count $(N) --seed $(SEED) \
		--report reports/browser-diff$(if $(filter-out chromium,$(BROWSER)),-$(BROWSER)).md

# Coverage-guided fuzzing (atheris) of the parsers and the engine, within a time budget.
fuzz: $(STAMP)
	$(PY) -m pip install --quiet atheris
	$(PY) tests/oracles/fuzz/run_fuzz.py --seconds $(FUZZ_SECONDS)

# Bounded load against the ASGI and WSGI adapters on loopback (about a minute).
load: $(STAMP)
	$(PY) tests/oracles/load/run_load.py

clean:
	rm -rf $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache .hypothesis
