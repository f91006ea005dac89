"""Open every page of the built book in headless Chromium and check what a reader sees.

For each HTML page of a build (``_build/html`` by default) the check serves the folder
on localhost (a free port), loads the page in headless Chromium, waits until MathJax has
typeset and the images have loaded, and reports a problem when

* the page does not load, a local resource (script, style, image) answers 404, or a
  script of the book throws;
* some math is not typeset: a ``.math`` element without MathJax output, a MathJax error,
  an unknown macro (which MathJax shows as red text), or raw TeX (``$...$``, ``\\(``, ``\\[``, ``\\begin{``) left in the
  rendered text outside code;
* an image did not load (``naturalWidth == 0``), or a chapter shows fewer figures than
  its source has image outputs, or a figure has a transparent background (figures are
  drawn with ``inal_tutorial.use_book_style()`` on an opaque light background, so that
  their text contrast does not depend on the theme);
* an internal link is broken: its file is missing or its ``#fragment`` names no element.

Chromium (the system's: Debian's ``chromium``) is driven by Playwright. The machine is
offline: requests that leave localhost are answered by the check itself. MathJax comes from a local copy of the
npm package (``make mathjax`` puts it in ``.venv/mathjax``) served at the CDN address the
book uses; any other external request is refused and listed as a note (the Binder and
Colab launch links are links, not requests).

Usage::

    python tools/browser_check.py [--html _build/html]
    python tools/browser_check.py --screenshot book/alignment.html --theme dark --out a.png
    python tools/browser_check.py --screenshot book/alignment.html --phone --out p.png

:meth:`Site.accessibility` runs axe-core (WCAG 2.1 A and AA rules) on a page in either
theme; tests/book/test_browser.py requires no serious or critical violation anywhere.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import mimetypes
import re
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HTML = ROOT / "_build" / "html"
DEFAULT_MATHJAX = ROOT / ".venv" / "mathjax"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic", "--disable-dev-shm-usage", "--no-default-browser-check",
    "--hide-scrollbars", "--mute-audio",
)
#: Where the book loads MathJax from (``mathjax_path`` in _config.yml): mapped to the local copy.
MATHJAX_URL = re.compile(r"^https?://[^/]+/npm/mathjax@(?P<version>[^/]+)/(?P<path>es5/.*)$")
#: axe-core, the accessibility engine (``make axe`` fetches the npm package).
DEFAULT_AXE = ROOT / ".venv" / "axe-core" / "axe.min.js"
#: Folders of a build that hold assets, not pages.
ASSET_DIRS = ("_static", "_sources", "_images", "_sphinx_design_static", "_panels_static")
IMAGE_MIMES = ("image/png", "image/svg+xml", "image/jpeg", "image/gif")
REMOVE_OUTPUT_TAGS = {"remove-output", "remove_output", "remove-cell", "remove_cell"}
PAGE_TIMEOUT_S = 60.0


# ---------------------------------------------------------------------------------------
# The site on disk: pages, anchors, links, expected figures (pure functions, unit-tested)
# ---------------------------------------------------------------------------------------


def html_pages(html_dir: Path) -> list[str]:
    """Every page of a build, as paths relative to ``html_dir`` (assets excluded), sorted."""
    html_dir = Path(html_dir)
    pages = []
    for path in html_dir.rglob("*.html"):
        rel = path.relative_to(html_dir)
        if rel.parts[0] in ASSET_DIRS or rel.parts[0].startswith("."):
            continue
        pages.append(rel.as_posix())
    return sorted(pages)


class _IdCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.refresh: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            content = attrs.get("content") or ""
            match = re.search(r"url=(.+)$", content, re.I)
            self.refresh = match.group(1).strip("'\" ") if match else None


@functools.cache
def _parse_page(path: Path) -> _IdCollector:
    collector = _IdCollector()
    collector.feed(path.read_text(encoding="utf-8", errors="replace"))
    return collector


def page_ids(path: Path) -> set[str]:
    """The ``id`` and ``name`` attributes of an HTML file: the targets of ``#fragment`` links."""
    return _parse_page(Path(path)).ids


def redirect_target(path: Path) -> str | None:
    """The URL of a ``<meta http-equiv="refresh">`` page (Sphinx's root redirect), else None."""
    return _parse_page(Path(path)).refresh


def local_target(url: str, base_url: str, html_dir: Path) -> tuple[Path, str] | None:
    """The file and fragment an absolute ``url`` points to on the local site, or None.

    None for external links (another host, ``mailto:``...). A path ending in ``/`` means
    its ``index.html``.
    """
    if not url.startswith(base_url):
        return None
    address, fragment = urldefrag(url)
    path = unquote(urlsplit(address).path)
    rel = path[len(urlsplit(base_url).path):].lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return Path(html_dir) / rel, unquote(fragment)


def broken_link(url: str, base_url: str, html_dir: Path) -> str | None:
    """Why the local link ``url`` is broken (missing file or anchor), or None if it is fine."""
    target = local_target(url, base_url, html_dir)
    if target is None:
        return None
    path, fragment = target
    if not path.is_file():
        return f"missing file {path.relative_to(html_dir).as_posix()}"
    if fragment and path.suffix == ".html" and fragment not in page_ids(path):
        return f"no element #{fragment} in {path.relative_to(html_dir).as_posix()}"
    return None


_RAW_MATH = (
    re.compile(r"\$\$.+?\$\$", re.S),
    re.compile(r"(?<![\\$])\$(?=\S)[^$\n]{1,200}?(?<=\S)\$(?!\d)"),
    re.compile(r"\\\(.+?\\\)", re.S),
    re.compile(r"\\\[.+?\\\]", re.S),
    re.compile(r"\\begin\{[a-zA-Z*]+\}"),
)


def find_raw_math(text: str) -> list[str]:
    """TeX that MathJax did not typeset: ``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``, ``\\begin{..}``.

    ``text`` is a page's rendered text with code, scripts and typeset math removed. A lone
    dollar (a price, a shell prompt) is not math; a pair enclosing non-blank text is.
    """
    found: list[str] = []
    for pattern in _RAW_MATH:
        for match in pattern.finditer(text):
            snippet = " ".join(match.group(0).split())
            found.append(snippet if len(snippet) <= 60 else snippet[:57] + "...")
    return found


def source_of(page: str, source_root: Path) -> Path | None:
    """The book source (``.ipynb`` or ``.md``) that the page ``book/x.html`` was built from."""
    stem = Path(page).with_suffix("")
    for suffix in (".ipynb", ".md"):
        candidate = Path(source_root) / stem.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def expected_figures(source: Path | None) -> int:
    """How many figures a reader should see on the page built from ``source``.

    For a notebook: the image outputs of cells not tagged ``remove-output``/``remove-cell``
    (each output counts once, whatever formats it carries). For a Markdown page:
    ``{figure}``/``{image}`` directives and ``![..](..)`` images.
    """
    if source is None or not Path(source).is_file():
        return 0
    text = Path(source).read_text(encoding="utf-8")
    if Path(source).suffix == ".md":
        return len(re.findall(r"^\s*(?:```+|:::+)\{(?:figure|image)\}", text, re.M)) + len(
            re.findall(r"!\[[^\]]*\]\([^)]+\)", text))
    notebook = json.loads(text)
    count = 0
    for cell in notebook.get("cells", []):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.get("cell_type") != "code" or tags & REMOVE_OUTPUT_TAGS:
            continue
        for output in cell.get("outputs", []):
            if any(mime in output.get("data", {}) for mime in IMAGE_MIMES):
                count += 1
    return count


# ---------------------------------------------------------------------------------------
# Serving the build and driving Chromium
# ---------------------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the build silently, remembering every request answered with an error."""

    errors: list[tuple[str, int]]  # set per server

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def send_error(self, code, message=None, explain=None):
        self.errors.append((self.path, int(code)))
        try:
            super().send_error(code, message, explain)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser gave up on the request (a page closed mid-load)

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass


@dataclass
class Server:
    """The build folder served on 127.0.0.1 (a free port) in a background thread."""

    directory: Path
    httpd: http.server.ThreadingHTTPServer = field(init=False)

    errors: list[tuple[str, int]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        handler_class = type("Handler", (_QuietHandler,), {"errors": self.errors})
        handler = functools.partial(handler_class, directory=str(self.directory))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def find_chromium() -> str | None:
    """Path of a Chromium executable on PATH, or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(RuntimeError):
    """A page did not load, a page script failed, or the browser did not answer in time."""


#: The old name, kept for callers of the DevTools-protocol version of this check.
CDPError = BrowserError


@dataclass
class Tab:
    """One open page: its Playwright context and page, and the script errors it threw."""

    context: object
    page: object
    errors: list[tuple[str, str]] = field(default_factory=list)  # (script URL, message)


_STACK_URL = re.compile(r"\(?(?P<url>(?:https?|file)://[^\s)]+?)(?::\d+){0,2}\)?$", re.M)


def _error_source(stack: str) -> str:
    """The URL of the script that threw, from a JavaScript stack ('' for inline code)."""
    match = _STACK_URL.search(stack or "")
    return match.group("url") if match else ""


class Browser:
    """Headless Chromium (the system's, e.g. Debian's) driven by Playwright.

    Every request that leaves ``allowed_prefix`` (the local server) is answered here:
    MathJax from the local copy ``mathjax_dir``, anything else refused and remembered in
    :attr:`blocked`.
    """

    def __init__(self, executable: str, allowed_prefix: str, mathjax_dir: Path | None):
        from playwright.sync_api import sync_playwright

        self.allowed_prefix = allowed_prefix
        self.mathjax_dir = Path(mathjax_dir) if mathjax_dir else None
        self.mathjax_version = _mathjax_version(self.mathjax_dir)
        self.blocked: list[str] = []
        self.mathjax_mismatch: list[str] = []
        self._playwright = sync_playwright().start()
        flags = [flag for flag in CHROMIUM_FLAGS if flag != "--headless"]
        self._browser = self._playwright.chromium.launch(
            executable_path=executable, headless=True, args=flags)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.allowed_prefix) or url.startswith("data:"):
            route.continue_()
            return
        body = self._mathjax_file(url)
        if body is None:
            self.blocked.append(url)
            route.abort("blockedbyclient")
            return
        mime = mimetypes.guess_type(url.split("?")[0])[0] or "application/octet-stream"
        route.fulfill(status=200, body=body, headers={"Content-Type": mime,
                                                      "Access-Control-Allow-Origin": "*"})

    def _mathjax_file(self, url: str) -> bytes | None:
        match = MATHJAX_URL.match(url.split("?")[0])
        if not match or self.mathjax_dir is None:
            return None
        if match.group("version") != self.mathjax_version:
            self.mathjax_mismatch.append(
                f"the book loads MathJax {match.group('version')}, the check has "
                f"{self.mathjax_version}")
            return None
        path = (self.mathjax_dir / match.group("path")).resolve()
        if self.mathjax_dir.resolve() not in path.parents or not path.is_file():
            return None
        return path.read_bytes()

    # -- pages ----------------------------------------------------------------------
    def open_tab(self, width: int = 1280, height: int = 900, theme: str | None = None,
                 scale: float = 1, mobile: bool = False) -> Tab:
        """A new page with requests intercepted; ``theme`` 'light'/'dark' preset for the book."""
        context = self._browser.new_context(
            viewport={"width": width, "height": height}, device_scale_factor=scale,
            is_mobile=mobile, has_touch=mobile)
        context.set_default_timeout(PAGE_TIMEOUT_S * 1000)
        context.route("**/*", self._route)
        if theme:
            # The theme reads these keys before it paints (pydata-sphinx-theme).
            context.add_init_script(
                f"try {{ localStorage.setItem('mode', '{theme}');"
                f" localStorage.setItem('theme', '{theme}'); }} catch (e) {{}}")
        tab = Tab(context, context.new_page())
        tab.page.on("pageerror", lambda error: tab.errors.append(
            (_error_source(error.stack or ""), (error.message or "exception").splitlines()[0])))
        return tab

    def close_tab(self, tab: Tab) -> None:
        tab.context.close()

    def navigate(self, tab: Tab, url: str) -> None:
        """Load ``url`` in the tab and wait for its load event."""
        from playwright.sync_api import Error as PlaywrightError

        try:
            tab.page.goto(url, wait_until="load")
        except PlaywrightError as err:
            raise BrowserError(f"{url}: {err.message.splitlines()[0]}") from err

    def evaluate(self, tab: Tab, expression: str) -> object:
        """Evaluate a JavaScript expression (awaiting a promise) and return its JSON value."""
        from playwright.sync_api import Error as PlaywrightError

        try:
            return tab.page.evaluate(expression)
        except PlaywrightError as err:
            raise BrowserError(f"page script failed: {err.message.splitlines()[0]}") from err

    def add_script(self, tab: Tab, path: Path) -> None:
        """Run the script file ``path`` in the tab's page (e.g. axe-core)."""
        tab.page.add_script_tag(path=str(path))

    def screenshot(self, tab: Tab, full_page: bool = False) -> bytes:
        """A PNG of the tab's viewport (or of the whole page)."""
        return tab.page.screenshot(full_page=full_page)

    def close(self) -> None:
        try:
            self._browser.close()
        finally:
            self._playwright.stop()


def _mathjax_version(mathjax_dir: Path | None) -> str | None:
    if mathjax_dir is None:
        return None
    package = Path(mathjax_dir) / "package.json"
    if not package.is_file():
        return None
    return json.loads(package.read_text())["version"]


# What a page shows, measured in the browser once MathJax has finished and images loaded.
_PAGE_REPORT_JS = r"""
(async () => {
  const within = (promise, ms) => Promise.race([promise, new Promise(r => setTimeout(r, ms))]);
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await within(MathJax.startup.promise, 30000);
  }
  const images = Array.from(document.images);
  images.forEach(img => { img.loading = "eager"; });
  await within(Promise.all(images.map(img => img.complete ? null : new Promise(r => {
    img.addEventListener("load", r); img.addEventListener("error", r); }))), 30000);
  const article = document.querySelector("article") || document.body;
  const maths = Array.from(document.querySelectorAll(".math"));
  const prose = document.body.cloneNode(true);
  prose.querySelectorAll("pre, code, kbd, samp, script, style, textarea, mjx-container, .highlight")
       .forEach(e => e.remove());
  const corner = img => {
    try {
      const canvas = document.createElement("canvas");
      canvas.width = 1; canvas.height = 1;
      const context = canvas.getContext("2d");
      context.drawImage(img, 0, 0, 1, 1, 0, 0, 1, 1);
      return Array.from(context.getImageData(0, 0, 1, 1).data);
    } catch (e) { return null; }
  };
  return {
    title: document.title,
    theme: document.documentElement.dataset.theme || "",
    mathjaxLoaded: !!(window.MathJax && MathJax.startup && MathJax.startup.document),
    mathTotal: maths.length,
    mathTypeset: maths.filter(m => m.querySelector("mjx-container")).length,
    mathErrors: Array.from(document.querySelectorAll("mjx-merror"))
                     .map(e => e.getAttribute("data-mjx-error") || e.textContent),
    // MathJax shows an unknown macro as red text (its "noundefined" package), not an error.
    undefinedMacros: (window.MathJax && MathJax.startup && MathJax.startup.document)
      ? Array.from(MathJax.startup.document.math).flatMap(item => Array.from(
          MathJax.startup.toMML(item.root).matchAll(/<mtext mathcolor="red">(\\[^<]*)<\/mtext>/g),
          m => m[1]))
      : [],
    proseText: prose.textContent,
    images: images.map(img => ({
      src: img.currentSrc || img.src, width: img.naturalWidth,
      loaded: img.complete && img.naturalWidth > 0,
      figure: article.contains(img) && !!img.closest(".cell_output, figure, .figure"),
      corner: article.contains(img) ? corner(img) : null,
    })),
    links: Array.from(document.querySelectorAll("a[href]")).map(a => a.href),
  };
})()
"""


# axe-core's WCAG 2.x A/AA rules on the whole page, violations only.
_AXE_JS = r"""
(async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
    count: v.nodes.length,
  }));
})()
"""


@dataclass
class PageReport:
    """What one page showed in the browser, and the problems found on it."""

    page: str
    title: str = ""
    math_total: int = 0
    math_typeset: int = 0
    figures: int = 0
    expected_figures: int = 0
    links_checked: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_page(browser: Browser, server_url: str, html_dir: Path, page: str,
               source_root: Path, server_errors: list[tuple[str, int]] | None = None
               ) -> PageReport:
    """Load ``page`` in a fresh tab and check math, images, figures, links and errors.

    ``server_errors`` is the local server's list of (path, status) errors, to report the
    requests of this page that failed.
    """
    report = PageReport(page)
    html_dir = Path(html_dir)
    refresh = redirect_target(html_dir / page)
    if refresh is not None:  # a redirect page: check where it points, not what it shows
        target = server_url + Path(page).parent.as_posix().lstrip(".") + "/" + refresh
        target = re.sub(r"(?<!:)//+", "/", target)
        why = broken_link(target, server_url, html_dir)
        if why:
            report.problems.append(f"redirect to {refresh}: {why}")
        report.notes.append(f"redirects to {refresh}")
        return report
    tab = browser.open_tab()
    blocked_before = len(browser.blocked)
    errors_before = len(server_errors) if server_errors is not None else 0
    try:
        browser.navigate(tab, server_url + page)
        data = browser.evaluate(tab, _PAGE_REPORT_JS)
    except BrowserError as err:
        report.problems.append(f"did not load: {err}")
        browser.close_tab(tab)
        return report
    for where, text in tab.errors:
        if where.startswith(server_url) or not where:
            report.problems.append(f"JavaScript error: {text}")
        else:
            report.notes.append(f"JavaScript error in external script {where}: {text}")
    browser.close_tab(tab)
    for path, status in (server_errors or [])[errors_before:]:
        if path != "/favicon.ico":  # asked for by the browser itself; the book declares none
            report.problems.append(f"HTTP {status} for {path}")
    blocked = browser.blocked[blocked_before:]
    if blocked:
        report.notes.append(f"{len(blocked)} external request(s) refused (offline): "
                            + ", ".join(sorted(set(blocked))[:3]))
    report.title = data["title"]
    report.math_total, report.math_typeset = data["mathTotal"], data["mathTypeset"]
    if report.math_total and not data["mathjaxLoaded"]:
        report.problems.append("MathJax did not load")
    if report.math_typeset < report.math_total:
        report.problems.append(f"{report.math_total - report.math_typeset} of "
                               f"{report.math_total} math elements not typeset")
    for error in data["mathErrors"]:
        report.problems.append(f"MathJax error: {error}")
    for macro in sorted(set(data["undefinedMacros"])):
        report.problems.append(f"undefined TeX macro {macro} (MathJax shows it in red)")
    for snippet in find_raw_math(data["proseText"]):
        report.problems.append(f"raw TeX in the text: {snippet!r}")
    for image in data["images"]:
        if not image["loaded"]:
            report.problems.append(f"image did not load: {image['src']}")
        corner = image["corner"]
        if image["figure"] and corner and corner[3] < 255:
            report.problems.append(
                f"figure with a transparent background (its text contrast would depend on "
                f"the theme; draw it after it.use_book_style()): "
                f"{image['src'].rsplit('/', 1)[-1]}")
    report.figures = sum(1 for image in data["images"] if image["figure"] and image["loaded"])
    report.expected_figures = expected_figures(source_of(page, source_root))
    if report.figures < report.expected_figures:
        report.problems.append(f"shows {report.figures} figure(s), its source has "
                               f"{report.expected_figures}")
    links = sorted(set(data["links"]))
    for link in links:
        why = broken_link(link, server_url, html_dir)
        if why:
            report.problems.append(f"broken link {link.removeprefix(server_url)}: {why}")
    report.links_checked = sum(1 for link in links if link.startswith(server_url))
    report.problems = list(dict.fromkeys(report.problems))  # once each
    return report


@dataclass
class Site:
    """A served build and a browser, for checking pages one after another."""

    html_dir: Path
    source_root: Path = ROOT
    mathjax_dir: Path | None = DEFAULT_MATHJAX
    server: Server = field(init=False)
    browser: Browser = field(init=False)

    def __post_init__(self) -> None:
        self.html_dir = Path(self.html_dir)
        executable = find_chromium()
        if executable is None:
            raise RuntimeError("no Chromium on PATH: `make chromium` installs Debian's chromium")
        if self.mathjax_dir is not None and _mathjax_version(self.mathjax_dir) is None:
            raise RuntimeError(f"no MathJax copy in {self.mathjax_dir}: `make mathjax` fetches it")
        self.server = Server(self.html_dir)
        self.browser = Browser(executable, self.server.base_url, self.mathjax_dir)

    def check(self, page: str) -> PageReport:
        report = check_page(self.browser, self.server.base_url, self.html_dir, page,
                            self.source_root, self.server.errors)
        report.problems.extend(self.browser.mathjax_mismatch)
        return report

    def screenshot(self, page: str, theme: str, out: Path, *, scroll_to: str | None = None,
                   width: int = 1280, height: int = 900, phone: bool = False) -> None:
        """Save a PNG of ``page`` in the ``theme`` ('light' or 'dark'), scrolled to a CSS
        selector; ``phone`` renders it as a 390 px wide phone screen at 3x density."""
        if phone:
            width, height = 390, 844
        tab = self.browser.open_tab(width, height, theme, scale=3 if phone else 1,
                                    mobile=phone)
        try:
            self.browser.navigate(tab, self.server.base_url + page)
            self.browser.evaluate(tab, _PAGE_REPORT_JS)  # waits for MathJax and images
            if scroll_to:
                self.browser.evaluate(tab, f"""(() => {{
                    const e = document.querySelector({json.dumps(scroll_to)});
                    if (e) e.scrollIntoView({{block: "center"}}); }})()""")
                time.sleep(0.3)
            shown = self.browser.evaluate(tab, "document.documentElement.dataset.theme")
            if shown != theme:
                raise RuntimeError(f"the page shows theme {shown!r}, not {theme!r}")
            Path(out).write_bytes(self.browser.screenshot(tab))
        finally:
            self.browser.close_tab(tab)

    def accessibility(self, page: str, theme: str, axe_script: Path = DEFAULT_AXE
                      ) -> list[dict]:
        """The axe-core violations of ``page`` in ``theme``: one dict per rule broken, with
        its ``id``, ``impact`` ('minor' ... 'critical'), ``help`` and the first offending
        elements (``targets``)."""
        if not Path(axe_script).is_file():
            raise RuntimeError(f"no axe-core at {axe_script}: `make axe` fetches it")
        tab = self.browser.open_tab(theme=theme)
        try:
            self.browser.navigate(tab, self.server.base_url + page)
            self.browser.evaluate(tab, _PAGE_REPORT_JS)  # waits for MathJax and images
            self.browser.add_script(tab, Path(axe_script))
            return self.browser.evaluate(tab, _AXE_JS)
        finally:
            self.browser.close_tab(tab)

    def theme_colours(self, page: str, theme: str) -> dict:
        """How ``page`` looks in ``theme``: the theme shown, the page's background colour, and
        the background and filter the theme gives the first figure (CSS computed values)."""
        tab = self.browser.open_tab(theme=theme)
        try:
            self.browser.navigate(tab, self.server.base_url + page)
            return self.browser.evaluate(tab, """(() => {
                const style = e => e ? getComputedStyle(e) : null;
                const img = document.querySelector(".cell_output img");
                return {theme: document.documentElement.dataset.theme || "",
                        background: style(document.body).backgroundColor,
                        figureBackground: img ? style(img).backgroundColor : null,
                        figureFilter: img ? style(img).filter : null};
            })()""")
        finally:
            self.browser.close_tab(tab)

    def close(self) -> None:
        self.browser.close()
        self.server.close()

    def __enter__(self) -> Site:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def check_site(html_dir: Path, source_root: Path = ROOT, mathjax_dir: Path | None = DEFAULT_MATHJAX,
               pages: list[str] | None = None) -> Iterator[PageReport]:
    """Check every page of the build in ``html_dir`` (or the given ``pages``), one by one."""
    with Site(Path(html_dir), Path(source_root), mathjax_dir) as site:
        for page in pages if pages is not None else html_pages(Path(html_dir)):
            yield site.check(page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=DEFAULT_HTML, help="the build to check")
    parser.add_argument("--source", type=Path, default=ROOT, help="the book's source root")
    parser.add_argument("--mathjax", type=Path, default=DEFAULT_MATHJAX,
                        help="local copy of the mathjax npm package")
    parser.add_argument("--page", action="append", help="check only this page (repeatable)")
    parser.add_argument("--screenshot", metavar="PAGE", help="save a screenshot of PAGE instead")
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--phone", action="store_true",
                        help="the screenshot as a 390 px phone screen (3x density)")
    parser.add_argument("--scroll-to", default=".cell_output img",
                        help="CSS selector to scroll into view before the screenshot")
    parser.add_argument("--out", type=Path, default=Path("screenshot.png"))
    args = parser.parse_args(argv)
    if not args.html.is_dir():
        print(f"no build at {args.html}: run `make book` first", file=sys.stderr)
        return 2
    if args.screenshot:
        with Site(args.html, args.source, args.mathjax) as site:
            site.screenshot(args.screenshot, args.theme, args.out, scroll_to=args.scroll_to,
                            phone=args.phone)
        print(f"saved {args.out}")
        return 0
    failed = 0
    reports = []
    for report in check_site(args.html, args.source, args.mathjax, args.page):
        reports.append(report)
        status = "ok  " if report.ok else "FAIL"
        print(f"{status} {report.page}: {report.math_typeset}/{report.math_total} math, "
              f"{report.figures} figure(s), {report.links_checked} local links")
        for problem in report.problems:
            print(f"     problem: {problem}")
        for note in report.notes:
            print(f"     note: {note}")
        failed += not report.ok
    print(f"{len(reports) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
