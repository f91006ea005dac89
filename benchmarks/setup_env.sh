#!/usr/bin/env bash
# Create benchmarks/.venv, the benchmark environment: the project's packages plus the C
# reference implementations the benchmarks compare against (fht-cpu). The project's own
# .venv is left untouched. (fht-cpu is a default dependency of the package on the platforms
# with wheels, see benchmarks/README.md; this environment has it whatever .venv holds, and
# INAL_TUTORIAL_FWHT=torch selects the pure-PyTorch kernel for the comparison.)
#
# The benchmark venv reuses the project's installed packages (torch, numpy, the editable
# inal_tutorial) through a site-packages hook instead of installing a second torch, so the
# benchmarks time exactly the code the book runs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
project_python="$root/.venv/bin/python"
bench="$here/.venv"

if [ ! -x "$project_python" ]; then
    make -C "$root" venv
fi
"$project_python" -m venv --clear "$bench"
project_site="$("$project_python" -c 'import site; print(site.getsitepackages()[0])')"
bench_site="$("$bench/bin/python" -c 'import site; print(site.getsitepackages()[0])')"
# A .pth line starting with "import" runs at start-up: add the project's site-packages as a
# site directory (so its own .pth files, e.g. the editable install, are processed too).
echo "import site; site.addsitedir('$project_site')" > "$bench_site/_project_site.pth"
# numpy (fht-cpu's only dependency) comes from the project's environment.
"$bench/bin/python" -m pip install -q --no-deps "fht-cpu==1.0.1"
"$bench/bin/python" - <<'PY'
from importlib.metadata import version
import fht_cpu, numpy, torch, inal_tutorial
print(f"benchmark env ready: torch {torch.__version__}, numpy {numpy.__version__}, "
      f"fht-cpu {version('fht-cpu')}")
PY
