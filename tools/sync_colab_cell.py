"""Write the Colab setup cell into every chapter notebook.

The repository's address is written once, in ``_config.yml`` (``repository.url``), and
the book's version once, in ``pyproject.toml``; this script copies both into the first
cell of each ``book/*.ipynb`` (tag ``remove-cell``), inserting the cell if a notebook
lacks it. ``--check`` only reports notebooks whose cell is missing or stale (exit
status 1), for the tests.

On Colab the cell prints one line and installs the package at the release tag
``v<version>`` (:func:`release_tag`), not the moving ``main``: a reader of this version
of the book gets the package it was executed with. A tag, unlike a commit hash, can be
written into the notebooks before the release commit exists; making a release means
bumping ``version`` in ``pyproject.toml``, running this script, committing and pushing
the tag ``v<version>`` (the tests check that the cells name the version of pyproject).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "# Colab setup:"


def repository_url() -> str:
    text = (ROOT / "_config.yml").read_text()
    match = re.search(r"^repository:\s*\n(?:\s+#.*\n)*(?:\s+\w+:.*\n)*?\s+url:\s*(\S+)", text, re.M)
    if not match:
        raise SystemExit("_config.yml has no repository.url")
    return match.group(1)


def book_version() -> str:
    """The package's version, from ``[project]`` in ``pyproject.toml``."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = re.search(r"^\[project\]\s*\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
    match = re.search(r'^version\s*=\s*"([^"]+)"', project.group(1) if project else "", re.M)
    if not match:
        raise SystemExit("pyproject.toml has no [project] version")
    return match.group(1)


def release_tag(version: str) -> str:
    """The git tag of a release: ``v`` and the version (``v0.1.0``)."""
    return f"v{version}"


def colab_cell_source(url: str, version: str | None = None) -> str:
    """The cell: on Colab, print one line and pip-install the package at its release tag."""
    version = book_version() if version is None else version
    # Wrapped to the book's 88 columns (the address on a line of its own).
    return (
        f"{MARKER} install the companion package when this runs on Google Colab;\n"
        "# does nothing elsewhere.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        f"    url = \"git+{url}@{release_tag(version)}\"\n"
        f"    print(\"Installing inal-tutorial {version} (the book's version) from "
        "GitHub...\")\n"
        "    subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"-q\",\n"
        "                    f\"inal-tutorial @ {url}\"], check=True)"
    )


def sync(path: Path, source: str, check: bool) -> bool:
    nb = json.loads(path.read_text())
    cells = nb["cells"]
    first = cells[0] if cells else None
    has_cell = (first is not None and first["cell_type"] == "code"
                and "".join(first["source"]).startswith(MARKER))
    if has_cell and "".join(first["source"]) == source:
        return True
    if check:
        return False
    cell = {"cell_type": "code", "execution_count": None, "id": "colab-setup",
            "metadata": {"tags": ["remove-cell"]}, "outputs": [],
            "source": source.splitlines(keepends=True)}
    if has_cell:
        cells[0] = {**first, "source": cell["source"]}
    else:
        cells.insert(0, cell)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale cells, change nothing")
    args = parser.parse_args(argv)
    source = colab_cell_source(repository_url())
    stale = [p.name for p in sorted((ROOT / "book").glob("*.ipynb"))
             if not sync(p, source, args.check)]
    if stale:
        print("stale or missing Colab setup cell:", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
