# oauthcore: every command a developer or CI needs. Each target sets itself up.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEV := $(VENV)/.dev-installed
BASE := $(VENV)/.installed

.PHONY: demo test lint typecheck unit unit-optimized bench docs clean interop-deps

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# The package alone (zero runtime dependencies), with the HTTP clients the demo drives.
$(BASE): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[demo]'
	touch $@

# The package with every test, lint and benchmark tool and the test-only oracles.
$(DEV): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev]'
	touch $@ $(BASE)

demo: $(BASE)
	$(PY) -m oauthcore demo

test: $(DEV) interop-deps lint typecheck unit unit-optimized

# PHP's PECL oauth extension, one of the interop providers: installed with apt when missing
# (where apt cannot be used, the script says so and its tests skip, or fail under CI=true).
interop-deps:
	@sh tests/interop/providers/php_oauth/install.sh

lint: $(DEV)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(DEV)
	$(PY) -m mypy

# Four workers on any machine: most of the suite waits on loopback sockets, not the CPU.
WORKERS ?= 4

unit: $(DEV)
	$(PY) -m pytest --hypothesis-profile=ci -n $(WORKERS) -m "not stress" --cov=oauthcore \
		--cov-report=term-missing:skip-covered

# Checklist N1: the suite gives the same results with assert statements compiled out.
unit-optimized: $(DEV)
	$(PY) -O -m pytest -q -p no:cacheprovider --hypothesis-profile=ci-quick -n $(WORKERS) \
		-W ignore::pytest.PytestConfigWarning

bench: $(DEV)
	$(PY) tests/bench/bench_oauth1.py
	$(PY) tests/bench/bench_oauth2.py

# API reference from the docstrings, written to build/docs (not committed).
docs: $(BASE)
	mkdir -p build/docs
	cd build/docs && ../../$(PY) -m pydoc -w oauthcore oauthcore.http oauthcore.flows \
		oauthcore.errors oauthcore.rsa oauthcore.oauth1 oauthcore.oauth2 oauthcore.redirects \
		oauthcore.limits >/dev/null
	@echo "API reference in build/docs/"

clean:
	rm -rf $(VENV) build .coverage .mypy_cache .ruff_cache .pytest_cache .hypothesis
