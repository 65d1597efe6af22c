# callframe: two commands, `make demo` and `make test`, on a machine with Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
NOTEBOOKS := $(wildcard notebooks/*.ipynb)

.PHONY: demo test lint typecheck pytest bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when pyproject.toml changes; the stamp keeps repeat runs fast.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,sandbox]'
	touch $@

# the demo runs against the local sandbox: the `sandbox` extra (starlette, uvicorn)
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[sandbox]'
	touch $@

demo: $(VENV)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

lint: $(VENV)/.installed-dev
	$(BIN)/ruff format --check callframe tests benchmarks scripts
	$(BIN)/ruff check callframe tests benchmarks scripts

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy --strict callframe

# pytest exits 5 when it collects nothing; make treats any non-zero exit as a failure.
pytest: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q tests $(if $(NOTEBOOKS),--nbmake $(NOTEBOOKS))

test: lint typecheck pytest

# >= 10,000 hostile inputs per entry point; prints the outcomes per entry point at the end.
# Then the full soak: 200 uploads through random network faults, each stored exactly once.
fuzz: $(VENV)/.installed-dev
	HYPOTHESIS_PROFILE=fuzz CALLFRAME_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest -q -p no:cacheprovider tests/fuzz
	$(BIN)/python -m tests.soak.soak --uploads 200

# the peer (pandas + pandera, pandas backend) gets its own venv: what a user would install
.venv-peer/bin/python:
	$(PYTHON) -m venv .venv-peer
	.venv-peer/bin/python -m pip install --quiet 'pandas>=2.2' 'pandera>=0.35'

bench: $(VENV)/.installed-dev .venv-peer/bin/python
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
