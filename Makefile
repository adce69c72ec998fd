# The two commands of the README: `make demo` and `make test`. Both set up .venv on first use: the demo only
# what the program needs (quicker from a fresh clone), the tests, lint and bench the test extra as well.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# pytest-xdist workers for `make test` (0: one process); tests/conftest.py keeps the heavy tests (node
# processes, Request Tracker) on one of them, one after another
JOBS ?= 2

.PHONY: demo test test-fast lint setup bench i18n clean

demo: $(VENV)/.runtime
	$(BIN)/antiport demo

# lint first (seconds), then the whole suite with its services
test: lint
	PYTHON=$(BIN)/python bash scripts/test.sh -n $(JOBS) --dist loadgroup

# protocol, crypto, store and ops: no node process, no network, no Request Tracker
test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -m "fast and not slow and not rt" -q

# ruff over everything; mypy --strict on protocol/ and crypto/, reached as the installed antiport.* packages
# (the editable install is an import hook mypy cannot follow, so it gets links to the sources)
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	mkdir -p $(VENV)/mypy-path/antiport
	ln -sfn $(CURDIR)/protocol $(VENV)/mypy-path/antiport/protocol
	ln -sfn $(CURDIR)/crypto $(VENV)/mypy-path/antiport/crypto
	MYPYPATH=$(VENV)/mypy-path $(BIN)/mypy

setup: $(VENV)/.installed

# only the runtime dependencies, with uv when it can be had (scripts/setup-runtime.sh says why and how)
$(VENV)/.runtime: pyproject.toml
	sh scripts/setup-runtime.sh $(PYTHON) $(VENV)
	touch $@

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.runtime

# every bench, each printing its rows as ratios against a reference measured in the same run, then the one table of
# them all (bench/summary.py); the long ones (bench/line.py, bench/sync.py) run short by default and take --full for
# the lengths of issue 20; the network simulator (bench/simulate.py, docs/scale.md) is not a ratio and runs apart, as
# does the testbed of real nodes in network namespaces (bench/testbed, as root), a directory the loop leaves out
bench: $(VENV)/.installed
	rm -f $(VENV)/bench-rows.jsonl
	for b in bench/*.py; do [ $$b = bench/summary.py ] || [ $$b = bench/simulate.py ] || BENCH_SUMMARY=$(CURDIR)/$(VENV)/bench-rows.jsonl \
		$(BIN)/python $$b || exit 1; done
	$(BIN)/python bench/summary.py $(VENV)/bench-rows.jsonl

# the TUI's strings (tui/i18n.py) into the template, the template into each language's .po, each .po into the .mo
# the TUI reads (docs/translating.md); tests/tui/test_translations.py fails while any of them is behind
i18n: $(VENV)/.installed
	$(BIN)/pybabel extract --no-location --project Antiport --copyright-holder "the Antiport authors" -k _ -k ngettext:1,2 -o tui/locale/antiport.pot tui
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i tui/locale/antiport.pot \
		-d tui/locale -D antiport
	$(BIN)/pybabel compile --statistics -d tui/locale -D antiport

clean:
	rm -rf $(VENV) *.egg-info
