# Every target sets up what it needs: a fresh clone needs only Python 3.9+, Rust and make.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Tools built once per machine, outside the clone, so that every fresh clone (CI's too) reuses them.
TOOLS_DIR ?= $(HOME)/.cache/dynamo-lambda-tools
DYNOXIDE_VERSION := 3.2.0
DYNOXIDE_ROOT := $(TOOLS_DIR)/dynoxide-$(DYNOXIDE_VERSION)
export DYNOXIDE_BIN := $(DYNOXIDE_ROOT)/bin/dynoxide

.PHONY: run test develop dynoxide lint test-rust test-python build-ItemsFunction clean

run: develop dynoxide
	$(PY) -m py_handler.local

test: test-rust lint test-python

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Builds rust_core (release, as Lambda runs it) into the virtual environment.
develop: $(VENV)/.installed
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --release --quiet

# Dynoxide: a DynamoDB-compatible server on SQLite, with only its HTTP server built.
$(DYNOXIDE_BIN):
	cargo install dynoxide-rs --version $(DYNOXIDE_VERSION) --locked --quiet \
		--no-default-features --features native-sqlite,http-server,cli --root $(DYNOXIDE_ROOT)

dynoxide: $(DYNOXIDE_BIN)

test-rust:
	cargo test --quiet

lint: develop
	cargo fmt --check
	cargo clippy --all-targets --quiet -- -D warnings
	PYO3_PYTHON=$(abspath $(PY)) cargo clippy --all-targets --features python --quiet -- -D warnings
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/cfn-lint template.yaml

test-python: develop dynoxide
	$(PY) -m pytest

# `sam build` (BuildMethod: makefile): the function's package is py_handler alone; rust_core and
# Powertools arrive in the layer.
build-ItemsFunction:
	mkdir -p "$(ARTIFACTS_DIR)/py_handler"
	cp py_handler/*.py py_handler/schema.json "$(ARTIFACTS_DIR)/py_handler/"

clean:
	rm -rf $(VENV) target dist
