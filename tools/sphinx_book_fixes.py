"""A small Sphinx extension with the book's additions and fixes (loaded from _config.yml).

* **One copy of each inline script.** sphinx-thebe 0.3 registers its inline configuration
  script (``const THEBE_JS_URL = ...``) after the HTML builder has started, and Sphinx 7
  then lists it twice, once with the file name ``None`` and once with ``""``, so every page
  carries it twice; the second copy throws "Identifier 'THEBE_JS_URL' has already been
  declared" in the reader's console (the browser check, tools/browser_check.py, caught it).
  Repeated scripts are dropped when a page is written.
* **Attribute docstrings as written.** For attributes, properties and module constants,
  napoleon reads a first line ``A: B`` as "type A, description B" (a Google-style
  convention), so prose such as "Layers with parameters: convolutions, ..." became a
  broken type cross-reference. The package's types come from annotations, so these
  docstrings are kept as written: napoleon's change to them is undone.
* **``autosubmodules``**, a directive for the API reference: ``.. autosubmodules:: PACKAGE``
  documents every public submodule of PACKAGE (an ``automodule`` with ``:members:`` each,
  in name order), so that the per-chapter modules of ``inal_tutorial.figures`` and
  ``inal_tutorial.exercises`` appear in book/api.md as soon as a chapter adds one.
* **Launch buttons only where they can launch.** sphinx-book-theme gives a text
  notebook (a ``.md`` page with code cells, such as the instructors page) Binder and
  Colab buttons; Colab cannot open a ``.md`` file and Binder opens it as text. Pages
  whose source is not an ``.ipynb`` lose the rocket menu.
* **A bibliography that is not a broken list.** docutils marks the citations block
  ``role="list"`` while its entries are ``doc-biblioentry`` elements holding back-links,
  which ARIA does not allow as list children (axe-core: aria-required-children,
  critical); the role goes, the entries keep theirs.
* **Author-year labels that match the citations.** The text cites author-year
  ("Abbe et al. (2022a)") but pybtex's styles label the bibliography ``[ACHM22]``. The
  style ``inal_author_year`` labels each entry "Abbe et al. 2022a" (one author: the
  last name; two: both; more: the first "et al."; a letter after the year when two
  entries would read the same), sorts by author, year and title, and the author-year
  citations print the label's year, letter included, so a citation and its entry read
  alike.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

BIBLIOGRAPHY_STYLE = "inal_author_year"


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


def is_launch_menu(button: dict) -> bool:
    """Whether a header button of sphinx-book-theme is its launch (rocket) menu."""
    return button.get("label") == "launch-buttons"


_CITATION_LIST_ROLE = re.compile(r'<div role="list" class="citation-list">')


def without_citation_list_role(body: str) -> str:
    """The page body with the ``role="list"`` of docutils' citation lists removed."""
    return _CITATION_LIST_ROLE.sub('<div class="citation-list">', body)


def _fix_citation_lists(app, pagename, templatename, context, doctree) -> None:
    if "body" in context:
        context["body"] = without_citation_list_role(context["body"])


def _drop_launch_buttons_off_notebooks(app, pagename, templatename, context, doctree):
    if "header_buttons" in context and context.get("page_source_suffix") != ".ipynb":
        context["header_buttons"] = [b for b in context["header_buttons"]
                                     if not is_launch_menu(b)]


_ATTRIBUTE_KINDS = ("attribute", "data", "property")
_UNTOUCHED: dict[tuple[str, str], list[str]] = {}


def _remember_attribute_docstring(app, what, name, obj, options, lines) -> None:
    if what in _ATTRIBUTE_KINDS:
        _UNTOUCHED[(what, name)] = list(lines)


def _restore_attribute_docstring(app, what, name, obj, options, lines) -> None:
    if what in _ATTRIBUTE_KINDS and (what, name) in _UNTOUCHED:
        lines[:] = _UNTOUCHED.pop((what, name))


def public_submodules(package_name: str) -> list[str]:
    """Full names of the submodules of a package whose names do not start with ``_``, sorted."""
    package = importlib.import_module(package_name)
    return sorted(f"{package_name}.{info.name}" for info in pkgutil.iter_modules(package.__path__)
                  if not info.name.startswith("_"))


def submodules_rst(package_name: str) -> list[str]:
    """The reStructuredText that documents each public submodule of a package."""
    lines: list[str] = []
    for name in public_submodules(package_name):
        lines += [f".. rubric:: ``{name}``", "", f".. automodule:: {name}", "   :members:", ""]
    return lines


class AutoSubmodules(SphinxDirective):
    """``.. autosubmodules:: PACKAGE``: an ``automodule`` with members for each submodule."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        source, line = self.get_source_info()
        content = StringList()
        for text in submodules_rst(self.arguments[0]):
            content.append(text, source, line)
        container = nodes.container()
        nested_parse_with_titles(self.state, content, container)
        return container.children


def _last_names(entry) -> list[str]:
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    return [" ".join(person.last_names) for person in persons]


def author_year_label(entry) -> str:
    """"Last 2022", "Last and Other 2022" or "Last et al. 2022" (LaTeX decoded)."""
    import codecs

    import latexcodec  # noqa: F401  (registers the "ulatex" codec; a pybtex dependency)

    names = [codecs.decode(name, "ulatex").replace("{", "").replace("}", "")
             for name in _last_names(entry)]
    if not names:
        authors = entry.fields.get("title", entry.key)
    elif len(names) == 1:
        authors = names[0]
    elif len(names) == 2 and names[1] != "others":
        authors = f"{names[0]} and {names[1]}"
    else:
        authors = f"{names[0]} et al."
    return f"{authors} {entry.fields.get('year', 'n.d.')}"


def disambiguated_labels(entries) -> list[str]:
    """The author-year labels of ``entries`` (in order), with a, b, ... where two collide."""
    labels = [author_year_label(entry) for entry in entries]
    counts = {label: labels.count(label) for label in labels}
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        if counts[label] > 1:
            out.append(label + "abcdefghijklmnopqrstuvwxyz"[seen.get(label, 0)])
            seen[label] = seen.get(label, 0) + 1
        else:
            out.append(label)
    return out


def _register_bibliography_style() -> None:
    from pybtex.plugin import register_plugin
    from pybtex.richtext import Text
    from pybtex.style.formatting.unsrt import Style as UnsrtStyle
    from pybtex.style.labels import BaseLabelStyle
    from pybtex.style.sorting.author_year_title import SortingStyle
    from sphinxcontrib.bibtex.style.referencing import basic_author_year, extra_year
    from sphinxcontrib.bibtex.style.template import node

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries):
            yield from disambiguated_labels(list(sorted_entries))

    class AuthorYearStyle(UnsrtStyle):
        default_label_style = AuthorYearLabels
        default_sorting_style = SortingStyle

    @node
    def label_year(children, data):
        """The year of the entry's label, with its letter ("2022a")."""
        assert not children
        return Text(data["formatted_entry"].label.rsplit(" ", 1)[-1])

    register_plugin("pybtex.style.formatting", BIBLIOGRAPHY_STYLE, AuthorYearStyle,
                    force=True)
    # The author-year reference styles read the year through this module-level node.
    basic_author_year.year = label_year
    extra_year.year = label_year


def setup(app):
    _register_bibliography_style()
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    # After the theme adds its launch buttons (priority 501).
    app.connect("html-page-context", _drop_launch_buttons_off_notebooks, priority=600)
    app.connect("html-page-context", _fix_citation_lists)
    app.add_directive("autosubmodules", AutoSubmodules)
    # Around napoleon's handler (priority 500): before it, remember; after it, restore.
    app.connect("autodoc-process-docstring", _remember_attribute_docstring, priority=400)
    app.connect("autodoc-process-docstring", _restore_attribute_docstring, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
