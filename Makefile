# The two commands: `make book` (set up + build the book) and `make test` (every check).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# CI and builds: no progress bars in outputs, one thread so outputs and timings reproduce.
export TQDM_DISABLE := 1
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

BUILD_FLAGS := -W -n --keep-going

.PHONY: book test venv lint unit nbval build-check execute clean

venv: $(STAMP)

$(STAMP): pyproject.toml requirements-book.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# CPU-only torch (the package itself only asks for torch>=2.2).
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -r requirements-book.txt
	$(BIN)/python -m pip install -q -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

book: $(STAMP)
	rm -rf _build
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)
	@echo "Book built: $(CURDIR)/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check inal_tutorial tests benchmarks book tools

unit: $(STAMP)
	$(BIN)/python -m pytest tests -q

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval book --sanitize-with tests/nbval_sanitize.cfg -q -p no:cacheprovider

build-check: $(STAMP)
	rm -rf _build
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)

test: lint unit nbval build-check

# For authors: re-execute every chapter in place (commit the outputs nbval compares against).
execute: $(STAMP)
	for nb in book/*.ipynb; do \
	  $(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=600 "$$nb" || exit 1; \
	done

clean:
	rm -rf _build
