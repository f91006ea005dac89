"""A small Sphinx extension with fixes for the book's HTML (loaded from _config.yml).

* **One copy of each inline script.** sphinx-thebe 0.3 registers its inline configuration
  script (``const THEBE_JS_URL = ...``) after the HTML builder has started, and Sphinx 7
  then lists it twice, once with the file name ``None`` and once with ``""``, so every page
  carries it twice; the second copy throws "Identifier
  'THEBE_JS_URL' has already been declared" in the reader's console (the browser check,
  tools/browser_check.py, caught it). Repeated scripts are dropped when a page is written.
"""

from __future__ import annotations


def _script_key(script) -> tuple:
    """What makes two entries of a page's ``script_files`` the same script."""
    filename = getattr(script, "filename", script) or ""  # an inline script: None or ""
    attributes = getattr(script, "attributes", {}) or {}
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def unique_scripts(scripts: list) -> list:
    """``scripts`` without repeats (same file or inline body, same attributes), order kept."""
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    return unique


def _drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    if "script_files" in context:
        context["script_files"] = unique_scripts(context["script_files"])


def setup(app):
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
