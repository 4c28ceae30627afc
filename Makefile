# Every target sets up what it needs: a fresh clone needs only Python 3.10+, Rust and make.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Tools built once per machine, outside the clone, so that every fresh clone (CI's too) reuses them.
TOOLS_DIR ?= $(HOME)/.cache/dynamo-lambda-tools
DYNOXIDE_VERSION := 3.2.0
DYNOXIDE_ROOT := $(TOOLS_DIR)/dynoxide-$(DYNOXIDE_VERSION)
export DYNOXIDE_BIN := $(DYNOXIDE_ROOT)/bin/dynoxide

.PHONY: run check test bench bench-quick develop dynoxide lint test-rust test-python build-ItemsFunction clean \
	wheels check-wheel check-sdist layer check-aarch64 check-template check-release build-RustCoreLayerArm64 \
	build-RustCoreLayerX86

run: develop dynoxide
	$(PY) -m py_handler.local

# The fast loop: the Rust and Python suites and the linters, no release artefacts.
check: test-rust lint test-python

# Then the release artefacts: both wheels and layers built and run (x86_64 natively, aarch64 under
# qemu), and the SAM template validated and built; last, the benchmarks' smoke run.
test: check check-release bench-quick

check-release: check-wheel check-sdist check-aarch64 check-template

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Builds rust_core (release, as Lambda runs it) into the virtual environment, with the tests'
# panic hook (`test-hooks`: one flag read per call; the release wheels are built without it).
develop: $(VENV)/.installed
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --release --quiet --features test-hooks

# Dynoxide: a DynamoDB-compatible server on SQLite, with only its HTTP server built.
$(DYNOXIDE_BIN):
	cargo install dynoxide-rs --version $(DYNOXIDE_VERSION) --locked --quiet \
		--no-default-features --features native-sqlite,http-server,cli --root $(DYNOXIDE_ROOT)

dynoxide: $(DYNOXIDE_BIN)

test-rust:
	cargo test --quiet
	# The fuzz targets' oracles over the checked-in corpus and regressions: stable, no libFuzzer.
	cargo test --quiet --manifest-path fuzz/Cargo.toml

lint: develop
	cargo fmt --check
	cargo clippy --all-targets --quiet -- -D warnings
	PYO3_PYTHON=$(abspath $(PY)) cargo clippy --all-targets --features python --quiet -- -D warnings
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/cfn-lint template.yaml

# The benchmarks' peers (bench/requirements.txt) beside the project's own packages.
$(VENV)/.bench: bench/requirements.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r bench/requirements.txt
	touch $@

# Every task side by side with its peers (under 10 minutes): bench/RESULTS.md and bench/plots.
bench: develop dynoxide $(VENV)/.bench
	$(PY) -m bench

# The same tasks on small inputs, a few rounds (under a minute): fails only if one crashes.
bench-quick: develop dynoxide $(VENV)/.bench
	$(PY) -m bench --quick > /dev/null

# tests/packaging checks built artefacts: the targets that build them run it (check-release).
test-python: develop dynoxide
	$(PY) -m pytest --ignore=tests/packaging


# ---- Release artefacts: manylinux2014 wheels and Lambda layers (x86_64 and arm64) ----------------
DIST := dist
ZIGLANG_VERSION := 0.15.2
AUDITWHEEL_VERSION := 6.8.2
# apt-get (Debian's aarch64 compiler, qemu) runs as root in CI and here; elsewhere through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# A wheel of one architecture (x86_64 or aarch64): rust_core-V-cp310-abi3-manylinux_2_17_ARCH...whl.
wheel = $(firstword $(wildcard $(DIST)/rust_core-*-cp310-abi3-manylinux_2_17_$(1)*.whl))
RUST_CORE_SOURCES := Cargo.toml Cargo.lock pyproject.toml rust_core/Cargo.toml \
	$(wildcard rust_core/src/*.rs python/rust_core/*.py python/rust_core/*.pyi)
# zig links against glibc 2.17 symbols, so the wheels load on Amazon Linux 2 and 2023 alike. maturin
# finds zig (ziglang from PyPI) through the interpreter of the virtual environment on PATH.
VENV_BIN := $(abspath $(VENV))/bin
MATURIN_BUILD := VIRTUAL_ENV=$(abspath $(VENV)) $(VENV_BIN)/maturin build --release --zig \
	--compatibility manylinux2014 --out $(DIST)
# Which toolchain builds each wheel (packaging/rust-target.sh): rustup's, when it has the target's
# standard library or `rustup target add` can fetch it (x86_64 always: there is no other); for
# aarch64 otherwise Debian's rustc-web, which ships one (its arm64 package, installed with apt, the
# only step that may use sudo). Decided once per make run, and only by a run that builds the wheels
# (the first use sets it); AARCH64_TOOLCHAIN=rustup or =debian on the command line decides instead.
AARCH64_TOOLCHAIN = $(eval AARCH64_TOOLCHAIN := $(shell packaging/rust-target.sh \
	aarch64-unknown-linux-gnu))$(AARCH64_TOOLCHAIN)
X86_64_TOOLCHAIN = $(eval X86_64_TOOLCHAIN := $(shell packaging/rust-target.sh \
	x86_64-unknown-linux-gnu))$(X86_64_TOOLCHAIN)
DEBIAN_RUST_AARCH64 := /usr/lib/rustlib/aarch64-unknown-linux-gnu/lib
BUILD_WHEEL_rustup = PATH=$(VENV_BIN):$$PATH $(MATURIN_BUILD) --target $(1)
# Debian's compiler (/usr/bin first on PATH) in its own target dir, so that the two compilers never
# share build artefacts.
BUILD_WHEEL_debian = $(MAKE) --no-print-directory $(DEBIAN_RUST_AARCH64) && \
	PATH=$(VENV_BIN):/usr/bin:$$PATH RUSTC=/usr/bin/rustc CARGO=/usr/bin/cargo \
	CARGO_TARGET_DIR=$(abspath target/debian-aarch64) $(MATURIN_BUILD) --target $(1)
# The command that builds the wheel of target $(1) with toolchain $(2), or make stops.
build_wheel = $(if $(filter rustup debian,$(2)),$(call BUILD_WHEEL_$(2),$(1)),$(error \
	no toolchain builds the $(1) wheel: see packaging/rust-target.sh's messages above))

$(VENV)/.zig: $(VENV)/.installed
	$(PY) -m pip install --quiet ziglang==$(ZIGLANG_VERSION)
	touch $@

$(DEBIAN_RUST_AARCH64):
	$(SUDO) dpkg --add-architecture arm64
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq rustc-web cargo-web libstd-rust-web-dev:arm64

# Both wheels, rebuilt when rust_core changes, each with the toolchain chosen above; zig links both,
# so this runs wherever rustup and Python do (Linux or macOS, either processor).
$(DIST)/.wheels: $(RUST_CORE_SOURCES) | $(VENV)/.zig
	@echo "x86_64 wheel: $(X86_64_TOOLCHAIN)'s toolchain; aarch64 wheel: $(AARCH64_TOOLCHAIN)'s"
	rm -f $(DIST)/rust_core-*.whl
	$(call build_wheel,x86_64-unknown-linux-gnu,$(filter rustup,$(X86_64_TOOLCHAIN)))
	$(call build_wheel,aarch64-unknown-linux-gnu,$(AARCH64_TOOLCHAIN))
	# maturin writes the legacy tag first (manylinux2014_ARCH.manylinux_2_17_ARCH); the same tag
	# set in PEP 600 order gives the name the contract documents.
	cd $(DIST) && for w in rust_core-*-cp310-abi3-manylinux2014_*.whl; do \
		mv "$$w" "$$(echo "$$w" | sed -E 's/manylinux2014_([a-z0-9_]+)\.manylinux_2_17_[a-z0-9_]+/manylinux_2_17_\1.manylinux2014_\1/')"; \
	done
	touch $@

# The sdist: what `pip install rust_core` builds from where no wheel fits.
$(DIST)/.sdist: $(RUST_CORE_SOURCES) LICENSE rust_core/README.md | $(VENV)/.installed
	rm -f $(DIST)/rust_core-*.tar.gz
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV_BIN)/maturin sdist --out $(DIST)
	touch $@

wheels: $(DIST)/.wheels $(DIST)/.sdist
	ls -l $(DIST)/*.whl $(DIST)/*.tar.gz

# The sdist built into a fresh venv by pip (its isolated build fetches maturin from PyPI; LTO off
# to build in half the time: this proves the sdist builds and works, not its speed). The import
# from outside the clone must give Cargo's version and convert a body.
SDISTCHECK_DIR ?= /tmp/rust_core-sdistcheck
CARGO_VERSION = $(shell sed -nE 's/^version = "([^"]+)"/\1/p' rust_core/Cargo.toml | head -1)
check-sdist: $(DIST)/.sdist
	rm -rf $(SDISTCHECK_DIR) && $(PYTHON) -m venv $(SDISTCHECK_DIR)/venv
	CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
		$(SDISTCHECK_DIR)/venv/bin/pip install --quiet $(DIST)/rust_core-*.tar.gz
	cp packaging/check_install.py $(SDISTCHECK_DIR)/
	cd $(SDISTCHECK_DIR) && venv/bin/python check_install.py $(CARGO_VERSION)

# The x86_64 wheel in a fresh venv, with tests/core run from a copy outside the clone (so neither
# python/ nor the rust_core/ crate folder can stand in for the installed package); then auditwheel
# on both wheels must name manylinux_2_17.
WHEELCHECK_DIR ?= /tmp/rust_core-wheelcheck
check-wheel: wheels dynoxide
	rm -rf $(WHEELCHECK_DIR) && mkdir -p $(WHEELCHECK_DIR)/tests
	$(PYTHON) -m venv $(WHEELCHECK_DIR)/venv
	$(WHEELCHECK_DIR)/venv/bin/pip install --quiet auditwheel==$(AUDITWHEEL_VERSION) \
		$(call wheel,x86_64) \
		-r <(grep -E '^(boto3|botocore|pytest|hypothesis|PyYAML)==' requirements-dev.txt)
	cp -r tests/conftest.py tests/core tests/corpus tests/schema_suite $(WHEELCHECK_DIR)/tests/
	touch $(WHEELCHECK_DIR)/tests/__init__.py
	cp -r py_handler template.yaml $(WHEELCHECK_DIR)/
	cp packaging/check_install.py $(WHEELCHECK_DIR)/
	cd $(WHEELCHECK_DIR) && venv/bin/python check_install.py $(CARGO_VERSION)
	# The quick hypothesis profile: this proves the wheel loads and agrees; test-python fuzzes.
	cd $(WHEELCHECK_DIR) && HYPOTHESIS_PROFILE=fast RUST_CORE_RELEASE_WHEEL=1 \
		venv/bin/python -m pytest -q -p no:cacheprovider tests/core
	for w in $(call wheel,x86_64) $(call wheel,aarch64); do \
		$(WHEELCHECK_DIR)/venv/bin/auditwheel show $$w > $(WHEELCHECK_DIR)/auditwheel.txt; \
		cat $(WHEELCHECK_DIR)/auditwheel.txt; \
		grep -q '^"manylinux_2_17_' $(WHEELCHECK_DIR)/auditwheel.txt || exit 1; \
	done

# Lambda layers: python/ with rust_core (from the matching wheel), Powertools and the X-Ray SDK
# (packaging/layer-requirements.txt, pure Python; boto3 comes with the Lambda runtime).
$(DIST)/layer-x86_64.zip: $(DIST)/.wheels packaging/build_layer.py packaging/layer-requirements.txt
	$(PY) packaging/build_layer.py $(call wheel,x86_64) $@

$(DIST)/layer-arm64.zip: $(DIST)/.wheels packaging/build_layer.py packaging/layer-requirements.txt
	$(PY) packaging/build_layer.py $(call wheel,aarch64) $@

# The same without Powertools, for functions that take it from the AWS-managed layer.
$(DIST)/layer-core-x86_64.zip: $(DIST)/.wheels packaging/build_layer.py
	$(PY) packaging/build_layer.py --core $(call wheel,x86_64) $@

$(DIST)/layer-core-arm64.zip: $(DIST)/.wheels packaging/build_layer.py
	$(PY) packaging/build_layer.py --core $(call wheel,aarch64) $@

layer: $(DIST)/layer-x86_64.zip $(DIST)/layer-arm64.zip $(DIST)/layer-core-x86_64.zip \
		$(DIST)/layer-core-arm64.zip
	ls -l $^
	$(PY) -m pytest -q -p no:cacheprovider tests/packaging/test_layers.py

# The aarch64 wheel and the arm64 layer, run by Debian's arm64 python3.11 under qemu-user.
check-aarch64: layer
	command -v qemu-aarch64-static >/dev/null || $(SUDO) apt-get install -y -qq qemu-user-static
	packaging/check-aarch64.sh $(call wheel,aarch64) $(DIST)/layer-arm64.zip \
		$(abspath target/check-aarch64) $(VENV_BIN)/pip

clean:
	rm -rf $(VENV) target dist .aws-sam

# ---- `sam build` (BuildMethod: makefile, in source: samconfig.toml) ------------------------------
# The function's package is py_handler alone; rust_core, Powertools and the X-Ray SDK arrive in
# the layer of the function's architecture, unpacked from the same zip `make layer` builds.
# The local server's modules stay behind.
LOCAL_ONLY := py_handler/local.py py_handler/dynamo_local.py
FUNCTION_FILES := $(filter-out $(LOCAL_ONLY),$(wildcard py_handler/*.py)) py_handler/schema.json

build-ItemsFunction:
	mkdir -p "$(ARTIFACTS_DIR)/py_handler"
	cp $(FUNCTION_FILES) "$(ARTIFACTS_DIR)/py_handler/"

build-RustCoreLayerArm64: $(DIST)/layer-arm64.zip
	$(PY) -m zipfile -e $< "$(ARTIFACTS_DIR)"

build-RustCoreLayerX86: $(DIST)/layer-x86_64.zip
	$(PY) -m zipfile -e $< "$(ARTIFACTS_DIR)"

# The template checks: SAM CLI (its own virtual environment, once per machine: its pins differ
# from the project's) validates and lints, cfn-lint (the project's pin) too, checkov (its own
# virtual environment too) scans it, then `sam build` builds both layers and the function,
# checked by tests/packaging/test_sam_build.py, and served by SAM CLI's `start-api` machinery
# with a process in place of Docker (packaging/sam_local_api.py, tests/packaging/
# test_sam_local_api.py). (tests/template, in `make check`, checks what the template deploys for
# each Auth value.)
SAM_VERSION := 1.170.0
SAM_ROOT := $(TOOLS_DIR)/aws-sam-cli-$(SAM_VERSION)
SAM := SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 $(SAM_ROOT)/bin/sam
CHECKOV_VERSION := 3.3.30
CHECKOV_ROOT := $(TOOLS_DIR)/checkov-$(CHECKOV_VERSION)

$(SAM_ROOT)/bin/sam:
	$(PYTHON) -m venv $(SAM_ROOT)
	$(SAM_ROOT)/bin/pip install --quiet aws-sam-cli==$(SAM_VERSION)

$(CHECKOV_ROOT)/bin/checkov:
	$(PYTHON) -m venv $(CHECKOV_ROOT)
	$(CHECKOV_ROOT)/bin/pip install --quiet checkov==$(CHECKOV_VERSION)

check-template: $(SAM_ROOT)/bin/sam $(CHECKOV_ROOT)/bin/checkov layer dynoxide
	$(SAM) validate --lint
	# cfn-lint fails on warnings too: the project's pin, and the newer one SAM CLI brings.
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM_ROOT)/bin/cfn-lint template.yaml
	# checkov offline (nothing downloaded from its platform), failing on any failed check; each
	# check skipped is skipped next to its resource in template.yaml, with the reason.
	$(CHECKOV_ROOT)/bin/checkov --skip-download --quiet --compact -f template.yaml
	$(SAM) build
	SAM_PYTHON=$(SAM_ROOT)/bin/python $(PY) -m pytest -q -p no:cacheprovider \
		tests/packaging/test_sam_build.py tests/packaging/test_sam_local_api.py

# ---- Fuzzing: the cargo-fuzz targets of fuzz/ (oracles in fuzz/src/lib.rs) ------------------------
# `make fuzz` runs each target for FUZZ_SECONDS (one after another, one process each) and fails if
# one crashes; the crash input lands in fuzz/artifacts/<target>/. cargo-fuzz is built once per
# machine into TOOLS_DIR; it passes nightly flags, which RUSTC_BOOTSTRAP=1 lets stable rustc take.
# New corpus entries go to FUZZ_SCRATCH, never into the checked-in fuzz/corpus/ (read as seeds);
# `make fuzz-merge` adds to fuzz/corpus/ only the scratch entries that bring new coverage.
# `make test-rust` replays the corpus and fuzz/regressions/ through the same oracles, no libFuzzer.
CARGO_FUZZ_VERSION := 0.13.2
CARGO_FUZZ_ROOT := $(TOOLS_DIR)/cargo-fuzz-$(CARGO_FUZZ_VERSION)
CARGO_FUZZ := PATH=$(CARGO_FUZZ_ROOT)/bin:$$PATH RUSTC_BOOTSTRAP=1 cargo fuzz
FUZZ_TARGETS := json_parse json_to_item json_to_wire wire_to_json codec_decode decode_many dynamodb_answers
FUZZ_SECONDS ?= 60
FUZZ_SCRATCH ?= fuzz/target/scratch-corpus
# Inputs up to 64 KB (deep nesting, long strings, many members); the codec targets a little past
# the small test codec's body limits (4 KB for a record, 8 KB for a batch; fuzz/src/lib.rs).
FUZZ_MAX_LEN = case $$t in codec_decode|decode_many) len=16384;; *) len=65536;; esac
FUZZ_DICT = dict=; if [ -f fuzz/dict/$$t.dict ]; then dict=-dict=fuzz/dict/$$t.dict; fi

.PHONY: fuzz fuzz-build fuzz-merge

$(CARGO_FUZZ_ROOT)/bin/cargo-fuzz:
	cargo install cargo-fuzz --version $(CARGO_FUZZ_VERSION) --locked --quiet --root $(CARGO_FUZZ_ROOT)

fuzz-build: $(CARGO_FUZZ_ROOT)/bin/cargo-fuzz
	$(CARGO_FUZZ) build --fuzz-dir fuzz --features libfuzzer

fuzz: fuzz-build
	set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_SCRATCH)/$$t; $(FUZZ_MAX_LEN); $(FUZZ_DICT); \
		echo "== $$t: $(FUZZ_SECONDS) s, inputs up to $$len bytes"; \
		$(CARGO_FUZZ) run --fuzz-dir fuzz --features libfuzzer $$t $(FUZZ_SCRATCH)/$$t fuzz/corpus/$$t -- \
			-max_total_time=$(FUZZ_SECONDS) -max_len=$$len -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 $$dict; \
	done

fuzz-merge: fuzz-build
	set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_SCRATCH)/$$t; $(FUZZ_MAX_LEN); \
		$(CARGO_FUZZ) run --fuzz-dir fuzz --features libfuzzer $$t fuzz/corpus/$$t $(FUZZ_SCRATCH)/$$t -- \
			-merge=1 -max_len=$$len; \
	done

# ---- `make load`: the long load run (bench/load.py; its smoke version is tests/e2e/test_load.py) --
# A mixed workload from 8 client processes against 1, then 2 local server processes sharing one
# Dynoxide, with each DynamoDB client; the table must then hold exactly the acknowledged writes.
# The report is printed, and kept in target/load-report.txt (and .json).
.PHONY: load
LOAD_ARGS ?= --requests 8000 --clients 8 --servers 1,2 --seconds 300 --client both --probes
load: develop dynoxide $(VENV)/.bench
	mkdir -p target
	$(PY) -m bench.load $(LOAD_ARGS) --output target/load-report.txt --json target/load-report.json

# ---- `make docs`: docs/errors.md and docs/openapi.json, written from the code (docs/generate.py) --
# tests/docs, in `make check`, fails when the committed ones differ from what it writes now.
.PHONY: docs
docs: develop
	$(PY) -m docs.generate
