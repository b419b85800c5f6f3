# Every target bootstraps .venv/ at the repo root first, so a fresh clone needs
# nothing but `make demo` or `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run

.PHONY: test demo lint bench bench-audit browser-diff fuzz load clean

N    ?= 5000
SEED ?= 1
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

# Two runs: Playwright's sync API keeps an event loop installed in the process
# that drives Chromium, so the real-browser tests get worker processes of their own.
test: $(STAMP)
	$(PY) -m pytest -q -n 2 -m "not slow and not browser"
	$(PY) -m pytest -q -n 2 -m "browser and not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

demo: $(RUN_STAMP)
	$(VENV)/bin/crossorigin demo

# Wall-clock (interleaved rounds) and CPU instructions per request (callgrind,
# steady on a noisy machine; needs Debian's valgrind).
bench: $(STAMP)
	$(PY) bench/bench_asgi.py
	$(PY) bench/bench_wsgi.py
	$(PY) bench/bench_instructions.py --suite asgi
	$(PY) bench/bench_instructions.py --suite flask --requests 300
	$(PY) bench/bench_instructions.py --suite django --requests 300

# crossorigin audit vs CORScanner on the loopback zoo (CORScanner in a venv of its own:
# it patches the whole process with gevent).
bench-audit: $(STAMP)
	test -x /tmp/corscanner-venv/bin/python || ($(PYTHON) -m venv /tmp/corscanner-venv && /tmp/corscanner-venv/bin/pip install --quiet corscanner)
	$(PY) bench/bench_audit.py --copies 10 --report reports/bench-audit.md

# A large random batch of scenarios in real Chromium; writes reports/browser-diff.md.
browser-diff: $(STAMP)
	$(PY) tests/browser/browser_diff.py --count $(N) --seed $(SEED) --report reports/browser-diff.md

# Coverage-guided fuzzing (atheris) of the parsers and the engine, within a time budget.
fuzz: $(STAMP)
	$(PY) -m pip install --quiet atheris
	$(PY) tests/fuzz/run_fuzz.py --seconds $(FUZZ_SECONDS)

# Bounded load against the ASGI and WSGI adapters on loopback (about a minute).
load: $(STAMP)
	$(PY) tests/load/run_load.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
