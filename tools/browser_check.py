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
  its source has image outputs, or a figure has an opaque white background (it would
  glare on the dark theme: figures are drawn with ``inal_tutorial.use_book_style()``);
* an internal link is broken: its file is missing or its ``#fragment`` names no element.

Chromium is driven through its DevTools protocol over a pipe (``--remote-debugging-pipe``),
so nothing but Debian's ``chromium`` is needed. The machine is offline: requests that
leave localhost are answered by the check itself. MathJax comes from a local copy of the
npm package (``make mathjax`` puts it in ``.venv/mathjax``) served at the CDN address the
book uses; any other external request is refused and listed as a note (the Binder and
Colab launch links are links, not requests).

Usage::

    python tools/browser_check.py [--html _build/html]
    python tools/browser_check.py --screenshot book/alignment.html --theme dark --out a.png
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import functools
import http.server
import itertools
import json
import mimetypes
import os
import re
import shutil
import subprocess
import sys
import tempfile
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
#: Folders of a build that hold assets, not pages.
ASSET_DIRS = ("_static", "_sources", "_images", "_sphinx_design_static", "_panels_static")
IMAGE_MIMES = ("image/png", "image/svg+xml", "image/jpeg", "image/gif")
REMOVE_OUTPUT_TAGS = {"remove-output", "remove_output", "remove-cell", "remove_cell"}
PAGE_TIMEOUT_S = 60.0
#: The DevTools events the check reads (the others are dropped as they arrive).
KEPT_EVENTS = {"Page.loadEventFired", "Runtime.exceptionThrown"}


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


class CDPError(RuntimeError):
    """Chromium answered a DevTools command with an error, or did not answer in time."""


class Chromium:
    """Headless Chromium driven through the DevTools protocol on a pipe (fds 3 and 4).

    Requests that leave ``allowed_prefix`` (the local server) are answered here: MathJax
    from the local copy ``mathjax_dir``, anything else refused and remembered in
    :attr:`blocked`.
    """

    def __init__(self, executable: str, allowed_prefix: str, mathjax_dir: Path | None):
        self.allowed_prefix = allowed_prefix
        self.mathjax_dir = Path(mathjax_dir) if mathjax_dir else None
        self.mathjax_version = _mathjax_version(self.mathjax_dir)
        self.blocked: list[str] = []
        self.mathjax_mismatch: list[str] = []
        self._ids = itertools.count(1)
        self._write_lock = threading.Lock()
        self._cond = threading.Condition()
        self._responses: dict[int, dict] = {}
        self._events: list[dict] = []
        self._targets: dict[str, str] = {}
        self._profile = tempfile.mkdtemp(prefix="inal-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire_pipes() -> None:  # in the child: commands on fd 3, answers on fd 4
            a = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self._profile}",
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=wire_pipes)  # noqa: PLW1509 - fds must be set before exec
        os.close(to_child_r)
        os.close(from_child_w)
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self.send("Target.setDiscoverTargets", {"discover": False})

    # -- protocol plumbing ------------------------------------------------------------
    def _write(self, message: dict) -> None:
        data = json.dumps(message).encode() + b"\0"
        with self._write_lock:
            os.write(self._to_child, data)

    def _read_loop(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_child, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._responses[-1] = {"error": {"message": "Chromium exited"}}
                    self._cond.notify_all()
                return
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if message.get("method") == "Fetch.requestPaused":
                    self._answer_request(message)
                    continue
                if "id" not in message and message.get("method") not in KEPT_EVENTS:
                    continue
                with self._cond:
                    if "id" in message:
                        self._responses[message["id"]] = message
                    else:
                        self._events.append(message)
                    self._cond.notify_all()

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = PAGE_TIMEOUT_S) -> dict:
        """Send one DevTools command and wait for its result."""
        ident = next(self._ids)
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._write(message)
        deadline = time.monotonic() + timeout
        with self._cond:
            while ident not in self._responses and -1 not in self._responses:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CDPError(f"{method}: no answer from Chromium in {timeout:.0f} s")
                self._cond.wait(left)
            answer = self._responses.pop(ident, None) or self._responses[-1]
        if "error" in answer:
            raise CDPError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def wait_event(self, method: str, session: str, timeout: float = PAGE_TIMEOUT_S) -> dict:
        """Wait for (and consume) the next event ``method`` of ``session``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, event in enumerate(self._events):
                    if event.get("method") == method and event.get("sessionId") == session:
                        return self._events.pop(i)
                left = deadline - time.monotonic()
                if left <= 0 or -1 in self._responses:
                    raise CDPError(f"no {method} within {timeout:.0f} s")
                self._cond.wait(left)

    def events(self, session: str, method: str) -> list[dict]:
        """Take every event ``method`` of ``session`` received so far."""
        with self._cond:
            taken = [e for e in self._events if e.get("sessionId") == session
                     and e.get("method") == method]
            self._events = [e for e in self._events if e not in taken]
        return taken

    def _answer_request(self, message: dict) -> None:
        params, session = message["params"], message.get("sessionId")
        url = params["request"]["url"]
        reply = {"requestId": params["requestId"]}
        if url.startswith(self.allowed_prefix) or url.startswith("data:"):
            method = "Fetch.continueRequest"
        else:
            body = self._mathjax_file(url)
            if body is not None:
                mime = mimetypes.guess_type(url)[0] or "application/octet-stream"
                method = "Fetch.fulfillRequest"
                reply.update(responseCode=200, body=base64.b64encode(body).decode(),
                             responseHeaders=[{"name": "Content-Type", "value": mime},
                                              {"name": "Access-Control-Allow-Origin",
                                               "value": "*"}])
            else:
                method = "Fetch.failRequest"
                reply["errorReason"] = "BlockedByClient"
                self.blocked.append(url)
        self._write({"id": next(self._ids), "method": method, "params": reply,
                     "sessionId": session})

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
    def open_tab(self, width: int = 1280, height: int = 900, theme: str | None = None) -> str:
        """A new tab with requests intercepted; ``theme`` 'light'/'dark' preset for the book."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"]
        self._targets[session] = target
        for domain in ("Page", "Runtime"):
            self.send(f"{domain}.enable", session=session)
        self.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session=session)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                  session=session)
        if theme:
            # The theme reads these keys before it paints (pydata-sphinx-theme).
            script = (f"try {{ localStorage.setItem('mode', '{theme}');"
                      f" localStorage.setItem('theme', '{theme}'); }} catch (e) {{}}")
            self.send("Page.addScriptToEvaluateOnNewDocument", {"source": script},
                      session=session)
        return session

    def close_tab(self, session: str) -> None:
        """Close the tab of ``session`` and forget its events."""
        target = self._targets.pop(session, None)
        if target is not None:
            try:
                self.send("Target.closeTarget", {"targetId": target})
            except CDPError:
                pass
        with self._cond:
            self._events = [e for e in self._events if e.get("sessionId") != session]

    def navigate(self, session: str, url: str) -> None:
        """Load ``url`` in the tab and wait for its load event."""
        self.events(session, "Page.loadEventFired")
        answer = self.send("Page.navigate", {"url": url}, session=session)
        if answer.get("errorText"):
            raise CDPError(f"{url}: {answer['errorText']}")
        self.wait_event("Page.loadEventFired", session)

    def evaluate(self, session: str, expression: str) -> object:
        """Evaluate a JavaScript expression (awaiting a promise) and return its JSON value."""
        answer = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True}, session=session)
        if "exceptionDetails" in answer:
            raise CDPError(f"page script failed: {answer['exceptionDetails'].get('text')}")
        return answer["result"].get("value")

    def screenshot(self, session: str) -> bytes:
        """A PNG of the tab's viewport."""
        data = self.send("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
        return base64.b64decode(data)

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except CDPError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)


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


def check_page(browser: Chromium, server_url: str, html_dir: Path, page: str,
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
    session = browser.open_tab()
    blocked_before = len(browser.blocked)
    errors_before = len(server_errors) if server_errors is not None else 0
    try:
        browser.navigate(session, server_url + page)
        data = browser.evaluate(session, _PAGE_REPORT_JS)
    except CDPError as err:
        report.problems.append(f"did not load: {err}")
        browser.close_tab(session)
        return report
    for event in browser.events(session, "Runtime.exceptionThrown"):
        details = event["params"]["exceptionDetails"]
        where = details.get("url", "")
        text = (details.get("exception") or {}).get("description") or details.get("text", "")
        text = text.splitlines()[0] if text else "exception"
        if where.startswith(server_url) or not where:
            report.problems.append(f"JavaScript error: {text}")
        else:
            report.notes.append(f"JavaScript error in external script {where}: {text}")
    browser.close_tab(session)
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
        if image["figure"] and corner and corner[3] == 255 and min(corner[:3]) >= 240:
            report.problems.append(
                f"figure with an opaque white background (glares on the dark theme; draw it "
                f"after it.use_book_style()): {image['src'].rsplit('/', 1)[-1]}")
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
    browser: Chromium = field(init=False)

    def __post_init__(self) -> None:
        self.html_dir = Path(self.html_dir)
        executable = find_chromium()
        if executable is None:
            raise RuntimeError("no Chromium on PATH: `make chromium` installs Debian's chromium")
        if self.mathjax_dir is not None and _mathjax_version(self.mathjax_dir) is None:
            raise RuntimeError(f"no MathJax copy in {self.mathjax_dir}: `make mathjax` fetches it")
        self.server = Server(self.html_dir)
        self.browser = Chromium(executable, self.server.base_url, self.mathjax_dir)

    def check(self, page: str) -> PageReport:
        report = check_page(self.browser, self.server.base_url, self.html_dir, page,
                            self.source_root, self.server.errors)
        report.problems.extend(self.browser.mathjax_mismatch)
        return report

    def screenshot(self, page: str, theme: str, out: Path, *, scroll_to: str | None = None,
                   width: int = 1280, height: int = 900) -> None:
        """Save a PNG of ``page`` in the ``theme`` ('light' or 'dark'), scrolled to a CSS selector."""
        session = self.browser.open_tab(width, height, theme)
        self.browser.navigate(session, self.server.base_url + page)
        self.browser.evaluate(session, _PAGE_REPORT_JS)  # waits for MathJax and images
        if scroll_to:
            self.browser.evaluate(session, f"""(() => {{
                const e = document.querySelector({json.dumps(scroll_to)});
                if (e) e.scrollIntoView({{block: "center"}}); }})()""")
            time.sleep(0.3)
        shown = self.browser.evaluate(session, "document.documentElement.dataset.theme")
        if shown != theme:
            raise RuntimeError(f"the page shows theme {shown!r}, not {theme!r}")
        Path(out).write_bytes(self.browser.screenshot(session))
        self.browser.close_tab(session)

    def theme_colours(self, page: str, theme: str) -> dict:
        """How ``page`` looks in ``theme``: the theme shown, the page's background colour, and
        the background and filter the theme gives the first figure (CSS computed values)."""
        session = self.browser.open_tab(theme=theme)
        try:
            self.browser.navigate(session, self.server.base_url + page)
            return self.browser.evaluate(session, """(() => {
                const style = e => e ? getComputedStyle(e) : null;
                const img = document.querySelector(".cell_output img");
                return {theme: document.documentElement.dataset.theme || "",
                        background: style(document.body).backgroundColor,
                        figureBackground: img ? style(img).backgroundColor : null,
                        figureFilter: img ? style(img).filter : null};
            })()""")
        finally:
            self.browser.close_tab(session)

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
    parser.add_argument("--scroll-to", default=".cell_output img",
                        help="CSS selector to scroll into view before the screenshot")
    parser.add_argument("--out", type=Path, default=Path("screenshot.png"))
    args = parser.parse_args(argv)
    if not args.html.is_dir():
        print(f"no build at {args.html}: run `make book` first", file=sys.stderr)
        return 2
    if args.screenshot:
        with Site(args.html, args.source, args.mathjax) as site:
            site.screenshot(args.screenshot, args.theme, args.out, scroll_to=args.scroll_to)
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
