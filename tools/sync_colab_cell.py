"""Write the Colab setup cell into every chapter notebook.

The repository's address is written once, in ``_config.yml`` (``repository.url``);
this script copies it into the first cell of each ``book/*.ipynb`` (tag
``remove-cell``), inserting the cell if a notebook lacks it. ``--check`` only
reports notebooks whose cell is missing or stale (exit status 1), for the tests.
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


def colab_cell_source(url: str) -> str:
    # Wrapped to the book's 88 columns (the address on a line of its own).
    return (
        f"{MARKER} install the companion package when this runs on Google Colab;\n"
        "# does nothing elsewhere.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        f"    url = \"git+{url}\"\n"
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
