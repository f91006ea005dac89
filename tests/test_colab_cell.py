"""Every chapter notebook starts with the Colab setup cell written by tools/sync_colab_cell.py."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path
from unittest import mock

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import sync_colab_cell  # noqa: E402

NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
URL = sync_colab_cell.repository_url()
VERSION = sync_colab_cell.book_version()


def test_repository_url_is_read_from_config():
    assert URL.startswith("https://github.com/")
    assert URL.count("/") == 4, "repository.url should be https://github.com/OWNER/NAME"


def test_check_mode_passes_on_the_book():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "sync_colab_cell.py"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_first_cell_is_the_synced_colab_cell(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    first = cells[0]
    assert first["cell_type"] == "code"
    assert "".join(first["source"]) == sync_colab_cell.colab_cell_source(URL)
    assert "remove-cell" in first["metadata"].get("tags", []), "readers should not see it"
    assert not first.get("outputs"), "it prints nothing outside Colab"


def test_check_mode_reports_a_missing_cell(tmp_path, monkeypatch):
    book = tmp_path / "book"
    book.mkdir()
    (tmp_path / "_config.yml").write_text((ROOT / "_config.yml").read_text())
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Title"]}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (book / "x.ipynb").write_text(json.dumps(notebook))
    monkeypatch.setattr(sync_colab_cell, "ROOT", tmp_path)
    assert sync_colab_cell.main(["--check"]) == 1
    assert sync_colab_cell.main([]) == 0  # inserts the cell
    assert sync_colab_cell.main(["--check"]) == 0
    cells = json.loads((book / "x.ipynb").read_text())["cells"]
    assert len(cells) == 2 and cells[1]["source"] == ["# Title"]


def test_cell_installs_the_release_only_on_colab(capsys):
    source = sync_colab_cell.colab_cell_source(URL)
    with mock.patch("subprocess.run") as run:
        exec(compile(source, "<colab cell>", "exec"), {})  # noqa: S102 - our own cell
        assert run.call_count == 0, "outside Colab the cell must do nothing"
        assert capsys.readouterr().out == "", "outside Colab the cell prints nothing"
        with mock.patch.dict(sys.modules, {"google.colab": types.ModuleType("google.colab")}):
            exec(compile(source, "<colab cell>", "exec"), {})  # noqa: S102
        assert run.call_count == 1
        command = run.call_args.args[0]
        assert command[:4] == [sys.executable, "-m", "pip", "install"]
        # Pinned to the release tag of the book's version, never the moving main.
        assert command[-1] == f"inal-tutorial @ git+{URL}@v{VERSION}"
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 1 and VERSION in printed[0], printed


def test_cell_names_the_version_of_pyproject():
    with open(ROOT / "pyproject.toml", "rb") as f:
        version = tomllib.load(f)["project"]["version"]
    assert sync_colab_cell.book_version() == version == VERSION
    assert sync_colab_cell.release_tag(version) == f"v{version}"
    source = sync_colab_cell.colab_cell_source(URL)
    assert f"@v{version}" in source and "@main" not in source
    assert max(len(line) for line in source.splitlines()) <= 88


def test_check_mode_rejects_a_cell_pinned_to_another_release(tmp_path, monkeypatch):
    """Bumping the version without syncing the cells fails the check."""
    book = tmp_path / "book"
    book.mkdir()
    for name in ("_config.yml", "pyproject.toml"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    old = sync_colab_cell.colab_cell_source(URL, version="0.0.1")
    cell = {"cell_type": "code", "execution_count": None, "id": "colab-setup",
            "metadata": {"tags": ["remove-cell"]}, "outputs": [],
            "source": old.splitlines(keepends=True)}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (book / "x.ipynb").write_text(json.dumps(notebook))
    monkeypatch.setattr(sync_colab_cell, "ROOT", tmp_path)
    assert sync_colab_cell.main(["--check"]) == 1
    assert sync_colab_cell.main([]) == 0
    synced = json.loads((book / "x.ipynb").read_text())["cells"]
    assert len(synced) == 1 and f"@v{VERSION}" in "".join(synced[0]["source"])


def test_repository_url_is_written_in_one_place():
    """Only _config.yml holds the address (notebooks get it from the sync script)."""
    files = [ROOT / name for name in ("README.md", "Makefile", "pyproject.toml",
                                      "CONTRIBUTING.md", "requirements-book.txt")]
    files += list((ROOT / "binder").glob("*")) + list((ROOT / "tools").glob("*.py"))
    files += list((ROOT / "book").glob("*.md"))
    holders = [p.relative_to(ROOT).as_posix() for p in files
               if p.is_file() and URL in p.read_text(encoding="utf-8", errors="replace")]
    assert holders == [], f"the repository URL is also written in {holders}"
