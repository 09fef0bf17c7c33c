# capreg: `make help` lists the targets.
.DEFAULT_GOAL := help
.PHONY: help demo test bench build lint fuzz clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-7s %s\n", $$1, $$2}'

demo: ## set up everything (venv, build, install) and run examples/demo.py
	bash scripts/demo.sh

test: ## set up everything and run every test (cargo test, C checks, pytest on 3.9 to 3.13, sanitizers)
	bash scripts/test.sh

bench: ## set up everything (release) and print the benchmark table of ratios against peers
	CAPREG_TEST_PYTHONS="3.11 3.12 3.13" bash scripts/setup.sh --release && bash benches/run.sh

fuzz: ## run each fuzz target for FUZZ_SECONDS (default 180; nightly toolchain; README: Fuzzing)
	bash scripts/fuzz.sh

build: ## build every extension and install it into the test venvs
	bash scripts/setup.sh

lint: ## cargo fmt --check and clippy -D warnings
	cargo fmt --all -- --check && cargo clippy --workspace --all-targets -- -D warnings

clean: ## remove build products and venvs
	rm -rf target dist .venv-* bench-results
