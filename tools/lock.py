"""The project's one pinned environment: ``constraints.txt`` and ``binder/requirements.txt``.

``constraints.txt`` pins, with ``==``, every distribution installed in the environment
that runs this script: the package's dependencies, the book's toolchain
(``requirements-book.txt``) and the tests. The Makefile (so CI) installs with
``-c constraints.txt``. ``binder/requirements.txt`` holds the same pins for the subset
that running the notebooks needs (the package's runtime dependencies and theirs),
written out in full rather than as ``-c ../constraints.txt``: repo2docker caches the
install layer only for a requirements file that references no other file, and that
cache is what keeps a commit from reinstalling torch.

Refresh the pins with ``make lock`` (an unpinned install into a scratch environment,
then this script), then ``make venv test``. By hand::

    python -m venv .venv-lock
    .venv-lock/bin/python -m pip install --no-deps \\
        --extra-index-url https://download.pytorch.org/whl/cpu torch==2.13.0+cpu
    .venv-lock/bin/python -m pip install -r requirements-book.txt .
    .venv-lock/bin/python tools/lock.py

``python tools/lock.py --check`` reports, without writing, whether both files are what
this environment would write.
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"
BINDER_REQUIREMENTS = ROOT / "binder" / "requirements.txt"
PROJECT = "inal-tutorial"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# The project itself, and a build tool that nothing requires at run time. setuptools is
# pinned: torch requires it at run time (setuptools>=77.0.3), and the pin satisfies the
# package's own build requirement (setuptools>=77) too.
UNPINNED = {"wheel", PROJECT}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


def normalize(name: str) -> str:
    """PEP 503 normal form of a distribution name (``Jupyter_Book`` -> ``jupyter-book``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def python_version() -> str:
    """``major.minor`` of the running interpreter: the Python the pins were made with."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def installed_versions() -> dict[str, str]:
    """Every distribution of this environment (normalized name -> version), the project
    and the build tools left out."""
    versions = {}
    for dist in metadata.distributions():
        name = normalize(dist.metadata["Name"])
        if name not in UNPINNED:
            versions[name] = dist.version
    return versions


def read_pins(path: Path) -> dict[str, str]:
    """The ``name==version`` lines of a requirements or constraints file (normalized
    names); options and comments are skipped, anything else is an error."""
    pins = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = PIN.match(line)
        if match is None:
            raise ValueError(f"{path.name}:{number}: not an exact pin: {raw!r}")
        pins[normalize(match.group(1))] = match.group(2)
    return pins


def runtime_closure(root: str = PROJECT) -> set[str]:
    """The distributions that ``root`` needs at run time, recursively (normalized names),
    from the metadata of this environment; extras are not followed."""
    environment = default_environment()
    environment["extra"] = ""
    needed, todo = set(), [root]
    while todo:
        name = todo.pop()
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            dependency = normalize(requirement.name)
            if dependency not in needed:
                needed.add(dependency)
                todo.append(dependency)
    return needed


def render_constraints(pins: dict[str, str], python: str) -> str:
    """The text of ``constraints.txt``."""
    header = [
        "# Exact versions of every package the book, the package and the tests use, made",
        f"# with `tools/lock.py` on Python {python} (binder/runtime.txt names the same).",
        "# The Makefile installs with `-c constraints.txt`; binder/requirements.txt repeats",
        "# the pins Binder needs. Refresh: `make lock`, then `make venv test` (tools/lock.py).",
        "# torch is PyTorch's CPU build, from its CPU wheel index.",
    ]
    return "\n".join(header + [f"{name}=={pins[name]}" for name in sorted(pins)]) + "\n"


def render_binder(pins: dict[str, str], needed: set[str], python: str) -> str:
    """The text of ``binder/requirements.txt``: the pins of ``needed``."""
    missing = sorted(needed - pins.keys())
    if missing:
        raise ValueError(f"not installed, so not pinned: {', '.join(missing)}")
    header = [
        "# What Binder installs before the repository is copied in (repo2docker caches this",
        "# step while the file is unchanged). Written by tools/lock.py from the pins of",
        "# ../constraints.txt: the package's run-time dependencies and theirs, on Python",
        f"# {python} (runtime.txt). The package itself is installed by postBuild, with",
        "# --no-deps, so a commit does not reinstall torch. No -c or -r line here: repo2docker",
        "# does not cache a requirements file that references another file.",
        "#",
        "# torch: PyTorch's CPU build (Binder has no GPU), from PyTorch's CPU wheel index.",
        f"--extra-index-url {TORCH_CPU_INDEX}",
    ]
    return "\n".join(header + [f"{name}=={pins[name]}" for name in sorted(needed)]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare the files with this environment; write nothing")
    args = parser.parse_args(argv)
    pins, python = installed_versions(), python_version()
    wanted = {CONSTRAINTS: render_constraints(pins, python),
              BINDER_REQUIREMENTS: render_binder(pins, runtime_closure(), python)}
    if args.check:
        stale = [path for path, text in wanted.items()
                 if not path.exists() or path.read_text() != text]
        for path in stale:
            print(f"{path.relative_to(ROOT)} differs from this environment", file=sys.stderr)
        return 1 if stale else 0
    for path, text in wanted.items():
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)} ({len(read_pins(path))} pins)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
