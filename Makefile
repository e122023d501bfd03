# argus-rs: the one entry point for building, checking and demonstrating the project.
#
#   make demo          system packages + build + read samples/demo.pcap
#   make test          everything CI checks (one release build, lints, Rust and Python tests)
#   make develop       .venv with the extension built in release mode (editable Python sources)
#   make lint          cargo fmt --check, clippy, ruff, mypy
#   make format        apply cargo fmt and ruff's fixes
#   make setup-system  Debian packages (as root, only the missing ones)
#   make bench         the benchmark vs real argus (BENCH_ARGS=--quick: small sizes); bench/RESULTS.md

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
VENV_ABS := $(abspath $(VENV))
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# pyo3's build script and maturin agree on one interpreter, so cargo does not rebuild on every switch
export PYO3_PYTHON := $(VENV_ABS)/bin/python
CARGO ?= cargo

SYSTEM_PACKAGES := libpcap-dev argus-server argus-client tcpdump bzip2 xz-utils zstd iproute2
DEMO_PCAP := samples/demo.pcap

.PHONY: help
help:
	@sed -n '3,10p' Makefile | sed 's/^# //'

# --- system packages ---------------------------------------------------------

.PHONY: setup-system
setup-system:
	@missing=""; \
	for pkg in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "setup-system: not root, not installing:$$missing (the build does not need them; some tests compare against them)"; \
	  exit 0; \
	fi; \
	echo "setup-system: installing$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq; \
	apt-get install -y -qq --no-install-recommends $$missing

# --- Python environment and build --------------------------------------------

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.tools-stamp: $(PY) pyproject.toml
	$(PIP) install --quiet --disable-pip-version-check "maturin>=1.7,<2"
	touch $@

# maturin develop: builds the extension once (release), copies it into python/argus_rs/,
# installs the Python sources editable plus the runtime and [test] dependencies, and the
# argus-rs console script into .venv/bin.
.PHONY: develop build
develop build: $(VENV)/.tools-stamp
	VIRTUAL_ENV=$(VENV_ABS) $(VENV)/bin/maturin develop --release --extras test

# --- checks ------------------------------------------------------------------

.PHONY: lint lint-rust lint-python
lint: lint-rust lint-python

lint-rust: $(PY)
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

lint-python: develop
	$(VENV)/bin/ruff check python tests
	$(VENV)/bin/ruff format --check python tests
	$(VENV)/bin/mypy python/

.PHONY: format
format: $(VENV)/.tools-stamp
	$(CARGO) fmt --all
	$(VENV)/bin/ruff check --fix python tests
	$(VENV)/bin/ruff format python tests

# argus-py is a cdylib linked as a Python extension module: it cannot link a test
# binary on its own, so the Rust tests leave it out (the Python tests cover it).
.PHONY: test-rust
test-rust:
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  $(CARGO) nextest run --workspace --exclude argus-py --release --no-tests=warn; \
	else \
	  $(CARGO) test --workspace --exclude argus-py --release; \
	fi

.PHONY: test-python
test-python: develop
	$(PY) -m pytest -q tests/

.PHONY: test
test: setup-system develop lint test-rust test-python

# --- demo and benchmark ------------------------------------------------------

.PHONY: demo
demo: setup-system develop
	$(VENV)/bin/argus-rs argus -X -r $(DEMO_PCAP) --flows 20

.PHONY: bench
bench: develop
	@if [ -f bench/run.py ]; then \
	  $(PY) bench/run.py $(BENCH_ARGS); \
	else \
	  echo "bench: no benchmark yet (bench/run.py lands with issue 6)"; \
	fi

.PHONY: clean
clean:
	rm -rf $(VENV) target build dist python/argus_rs/*.so .pytest_cache .mypy_cache .ruff_cache
