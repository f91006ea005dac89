# The two commands: `make book` (set up + build the book) and `make test` (every check).
# Also: `make student` (the book without solutions), `make pdf`, `make screenshots`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# CI and builds: no progress bars in outputs, one thread so outputs and timings reproduce
# (the notebooks' kernels inherit these: PyTorch, MKL and OpenBLAS each run one thread).
export TQDM_DISABLE := 1
export PYTHONHASHSEED := 0
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1

# One pinned environment: constraints.txt (exact versions, written by tools/lock.py) is
# what the Makefile, CI and binder/requirements.txt install. torch comes from PyTorch's
# CPU wheel index (PyPI's torch is a multi-GB CUDA build); it is installed alone, with
# --no-deps, so only that one package is looked up on the extra index.
CONSTRAINTS := constraints.txt
TORCH_INDEX := https://download.pytorch.org/whl/cpu
PIP_INSTALL := $(BIN)/python -m pip install -q -c $(CONSTRAINTS)

BUILD_FLAGS := -W -n --keep-going
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider
# The browser check runs offline: it serves MathJax from the npm package, the version that
# _config.yml's mathjax_path loads (tests/test_book_tools.py checks that they agree).
MATHJAX_VERSION := 3.2.2
MATHJAX := $(VENV)/mathjax/es5/tex-mml-chtml.js
# axe-core, the accessibility engine the browser check runs, from the npm registry
# (defined up here: a rule's prerequisites are expanded when make reads the rule).
AXE_VERSION := 4.14.1
AXE := $(VENV)/axe-core/axe.min.js
# System packages (Debian): root installs them directly, anyone else through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_GET := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get
TEX_PACKAGES := texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended \
  texlive-xetex texlive-plain-generic latexmk lmodern fonts-freefont-otf fonts-dejavu-core xindy
# The page `make screenshots` shows, light and dark.
PAGE ?= book/fourier.html

.PHONY: book test venv lock lint unit nbval build-check browser-check student student-check assignments \
  pdf tex student-pdf screenshots chromium mathjax axe execute clean

venv: $(STAMP)

$(STAMP): pyproject.toml requirements-book.txt $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) pip
	$(PIP_INSTALL) --no-deps --extra-index-url $(TORCH_INDEX) torch
	$(PIP_INSTALL) -r requirements-book.txt -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# Refresh the pins (see tools/lock.py): an unpinned install into a scratch environment,
# written out as constraints.txt and binder/requirements.txt. Then `make venv test`.
# TORCH names the torch release to pin (default: the one pinned now).
LOCK_VENV := .venv-lock
TORCH ?= $(shell grep -m1 '^torch==' $(CONSTRAINTS))
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install -q --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install -q --no-deps --extra-index-url $(TORCH_INDEX) '$(TORCH)'
	$(LOCK_VENV)/bin/python -m pip install -q -r requirements-book.txt .
	$(LOCK_VENV)/bin/python tools/lock.py
	rm -rf $(LOCK_VENV)

# _config.yml executes with jupyter-cache (`execute_notebooks: cache`, kept in
# _build/.jupyter_cache): a chapter whose code is unchanged is not re-run. With XeLaTeX
# installed the PDF is built too (`make pdf` installs TeX Live; the landing page links it).
book: $(STAMP)
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)
	@if command -v xelatex >/dev/null && command -v xindy >/dev/null; then \
	  $(BIN)/python tools/pdf_build.py; \
	else echo "No XeLaTeX here: \`make pdf\` installs TeX Live (Debian) and builds the PDF."; fi
	@echo "Book built: $(CURDIR)/_build/html/index.html"

# Every check, in order: lint, unit tests, notebooks (nbval), the book from a clean build
# folder (so every chapter executes from scratch), its PDF, every page in a browser, the
# student edition and its PDF.
test: lint unit nbval build-check pdf browser-check student-pdf student-check

lint: $(STAMP)
	$(BIN)/ruff check inal_tutorial tests benchmarks book tools

# tests/book needs a built book: browser-check and student-check run it.
unit: $(STAMP)
	$(PYTEST) tests -q --ignore=tests/book

# Three passes, each a different kernel path standing in for another machine: natively,
# with PyTorch's generic kernels (what a CPU without AVX2/AVX-512 runs) and with MKL's
# conditional-numerical-reproducibility mode (another BLAS code path). Printed outputs
# must agree in all three (DESIGN.md section 6; CONTRIBUTING.md, "Reproducible outputs").
NBVAL := $(PYTEST) --nbval book --nbval-sanitize-with tests/nbval_sanitize.cfg -q
nbval: $(STAMP)
	$(NBVAL)
	ATEN_CPU_CAPABILITY=default $(NBVAL)
	MKL_CBWR=COMPATIBLE $(NBVAL)

# From an empty _build: no execution cache, every chapter runs.
build-check: $(STAMP)
	rm -rf _build
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)

# Open every page of _build/html in headless Chromium (tools/browser_check.py).
browser-check: $(STAMP) chromium $(MATHJAX) $(AXE)
	INAL_REQUIRE_BOOK=1 $(PYTEST) tests/book/test_browser.py -q

# The book without solutions, in _build/student/html (tools/student_build.py); it first
# rewrites the student notebooks in student/book/ (commit them: the student edition's
# launch buttons open them; tests/test_student_notebooks.py checks they are up to date).
student: $(STAMP)
	$(BIN)/python tools/student_build.py

student-check: student
	INAL_REQUIRE_BOOK=1 $(PYTEST) tests/book/test_student_build.py -q

# Graded assignments (otter-grader) from the chapters' exercises, in _build/assignments/
# (tools/make_assignments.py): for each chapter, dist/student/ to hand out and
# dist/autograder/*.zip, with which `otter run -a ZIP submission.ipynb` grades.
assignments: $(STAMP)
	$(BIN)/python tools/make_assignments.py

# The whole book as one PDF (XeLaTeX; tools/pdf_build.py), copied to
# _build/html/inal-tutorial.pdf, where the landing page links it. It reuses the execution
# cache of the HTML build; TeX Live comes from Debian's packages when missing.
tex:
	@missing=; for p in $(TEX_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  $(APT_GET) update -q && $(APT_GET) install -y -q --no-install-recommends $$missing; fi

pdf: $(STAMP) tex
	$(BIN)/python tools/pdf_build.py

# The student edition's PDF (no solutions), in _build/student/html/inal-tutorial.pdf.
student-pdf: $(STAMP) tex student
	$(BIN)/python tools/pdf_build.py --source _build/student/src --html _build/student/html

# PAGE of the built book in the light and the dark theme and on a phone, as PNGs in
# _build/screenshots.
screenshots: $(STAMP) chromium $(MATHJAX)
	mkdir -p _build/screenshots
	for theme in light dark; do \
	  $(BIN)/python tools/browser_check.py --screenshot $(PAGE) --theme $$theme \
	    --out _build/screenshots/$$(basename $(PAGE) .html)-$$theme.png || exit 1; \
	done
	$(BIN)/python tools/browser_check.py --screenshot $(PAGE) --phone \
	  --out _build/screenshots/$$(basename $(PAGE) .html)-phone.png

chromium:
	@command -v chromium >/dev/null || { \
	  $(APT_GET) update -q && $(APT_GET) install -y -q chromium chromium-driver; }

mathjax: $(MATHJAX)

axe: $(AXE)

$(AXE):
	@command -v npm >/dev/null || { $(APT_GET) update -q && $(APT_GET) install -y -q npm; }
	rm -rf $(VENV)/axe-core && mkdir -p $(VENV)/axe-core
	tmp=$$(mktemp -d) && (cd $$tmp && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null) \
	  && tar xzf $$tmp/axe-core-$(AXE_VERSION).tgz -C $(VENV)/axe-core --strip-components=1 \
	  && rm -rf $$tmp
	test -f $(AXE)

$(MATHJAX):
	@command -v npm >/dev/null || { $(APT_GET) update -q && $(APT_GET) install -y -q npm; }
	rm -rf $(VENV)/mathjax && mkdir -p $(VENV)/mathjax
	tmp=$$(mktemp -d) && (cd $$tmp && npm pack --silent mathjax@$(MATHJAX_VERSION) >/dev/null) \
	  && tar xzf $$tmp/mathjax-$(MATHJAX_VERSION).tgz -C $(VENV)/mathjax --strip-components=1 \
	  && rm -rf $$tmp
	test -f $(MATHJAX)

# For authors: re-execute every chapter in place (commit the outputs nbval compares against).
# `jupyter execute` is nbclient's (nbconvert is not installed).
execute: $(STAMP)
	for nb in book/*.ipynb; do \
	  $(BIN)/jupyter execute --inplace --timeout=600 "$$nb" || exit 1; \
	done

clean:
	rm -rf _build

# Benchmarks (not tests; see benchmarks/README.md): a separate environment benchmarks/.venv
# holding the C reference fht-cpu on top of the project's packages; results to benchmarks/results/.
.PHONY: bench-env bench
bench-env: $(STAMP)
	bash benchmarks/setup_env.sh

bench: bench-env
	mkdir -p benchmarks/results
	benchmarks/.venv/bin/python benchmarks/bench_fwht.py | tee benchmarks/results/fwht.md
	$(BIN)/python benchmarks/bench_inal.py | tee benchmarks/results/inal.md
	$(BIN)/python benchmarks/bench_training.py | tee benchmarks/results/training.md
	$(BIN)/python benchmarks/bench_book.py | tee benchmarks/results/book.md
