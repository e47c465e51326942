"""Page weight: bytes over the wire for the catalogue, course, lesson and quiz pages, in English and Arabic.

Pages are fetched in-process (Flask's test client, a signed-in and enrolled learner whose preferred language
is the page language) and every asset the page asks for is fetched too: stylesheets, scripts and fonts
(lesson images are left out). The app does not compress its responses, so each body is compressed here with
gzip level 6, as a front server would; response headers are counted as sent by the app.
"""

from __future__ import annotations

import gzip
import re
import statistics
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from bench import (
    BENCH_USER_AGENT,
    KB,
    SCOREBOARD,
    Options,
    Table,
    add_learner,
    create_schema,
    heading,
    kb,
    make_app,
    note,
    shipped_library,
    sign_in_test_client,
)

LANGUAGES = ("en", "ar")
LESSON_PAGE_TARGET = 50 * KB
FONT_EXTENSIONS = (".woff2", ".woff", ".ttf", ".otf", ".eot")
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


class _References(HTMLParser):
    """What a page asks the browser to fetch besides itself, and how much script it carries."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []
        self.fonts: list[str] = []
        self.script_elements = 0
        self.forms = 0
        self.inline_script_bytes = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        rel = (values.get("rel") or "").lower().split()
        if tag == "link" and "stylesheet" in rel and values.get("href"):
            self.stylesheets.append(values["href"])
        elif tag == "link" and "preload" in rel and values.get("as") == "font" and values.get("href"):
            self.fonts.append(values["href"])
        elif tag == "form":
            self.forms += 1
        elif tag == "script":
            self.script_elements += 1
            if values.get("src"):
                self.scripts.append(values["src"])
            else:
                self._in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.inline_script_bytes += len(data.encode("utf-8"))


@dataclass
class Asset:
    url: str
    kind: str
    raw: int
    wire: int  # compressed body as sent (gzip 6 here when the app sends it uncompressed)
    headers: int
    app_encoding: str
    cache_control: str
    fonts: tuple[str, ...] = ()  # for a stylesheet: the fonts its @font-face rules load


@dataclass
class Page:
    kind: str
    language: str
    path: str
    html_raw: int
    html_gzip: int
    headers: int
    css: int
    js: int
    fonts: int
    script_elements: int
    inline_handlers: int

    @property
    def first_visit(self) -> int:
        """HTML, headers and every asset: a visitor with an empty cache."""
        return self.html_gzip + self.headers + self.css + self.js + self.fonts

    css_raw: int = 0
    forms: int = 0  # a script on a page with a form enhances it: the form works without it (calculators)

    @property
    def first_visit_uncompressed(self) -> int:
        """The first visit when nothing compresses (gunicorn straight to the browser)."""
        return self.html_raw + self.headers + self.css_raw + self.js + self.fonts

    @property
    def repeat_visit(self) -> int:
        """HTML and headers only: assets already cached (and not revalidated)."""
        return self.html_gzip + self.headers


def gzip6(data: bytes) -> int:
    """Bytes of ``data`` compressed as a front server would (gzip, level 6)."""
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def header_bytes(response) -> int:
    """The status line and headers of a response as HTTP/1.1 puts them on the wire."""
    lines = [f"HTTP/1.1 {response.status}"] + [f"{name}: {value}" for name, value in response.headers.items()]
    return len(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace"))


def _wire_size(response) -> tuple[int, int, str]:
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding", "")
    if encoding in ("gzip", "br", "deflate"):
        return len(body), len(body), encoding  # already compressed by the app
    return len(body), gzip6(body), encoding or "none"


class _Fetcher:
    """Fetches pages and (once each) their assets through a signed-in test client."""

    def __init__(self, client):
        self.client = client
        self.assets: dict[str, Asset] = {}

    def get(self, path: str):
        response = self.client.get(
            path, headers={"Accept-Encoding": "gzip, br", "User-Agent": BENCH_USER_AGENT}
        )
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
        return response

    def asset(self, page_path: str, url: str, kind: str) -> Asset:
        absolute = urljoin(page_path, url)
        if absolute in self.assets:
            return self.assets[absolute]
        parts = urlsplit(absolute)
        if parts.netloc:
            raise RuntimeError(f"{page_path} loads {url} from another origin")
        response = self.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        raw, wire, encoding = _wire_size(response)
        asset = Asset(
            absolute,
            kind,
            raw,
            wire,
            header_bytes(response),
            encoding,
            response.headers.get("Cache-Control", "(none)"),
        )
        self.assets[absolute] = asset
        if kind == "css":  # fonts come from @font-face rules
            css = response.get_data(as_text=True)
            asset.fonts = tuple(
                self.asset(absolute, found, "font").url
                for found in CSS_URL.findall(css)
                if found.lower().split("?")[0].endswith(FONT_EXTENSIONS)
            )
        return asset

    def page(self, kind: str, language: str, path: str) -> Page:
        response = self.get(path)
        raw, wire, _ = _wire_size(response)
        html = response.get_data(as_text=True)
        refs = _References()
        refs.feed(html)
        stylesheets = [self.asset(path, url, "css") for url in refs.stylesheets]
        css = sum(sheet.wire for sheet in stylesheets)
        js = sum(self.asset(path, url, "js").wire for url in refs.scripts)
        font_urls = {self.asset(path, url, "font").url for url in refs.fonts}
        font_urls.update(url for sheet in stylesheets for url in sheet.fonts)
        fonts = sum(self.assets[url].wire for url in font_urls)
        return Page(
            kind,
            language,
            path,
            raw,
            wire,
            header_bytes(response),
            css,
            js,
            fonts,
            refs.script_elements,
            len(INLINE_HANDLER.findall(html)),
            sum(sheet.raw for sheet in stylesheets),
            refs.forms,
        )


def measure_pages(app, library) -> tuple[list[Page], dict[str, Asset]]:
    """Every page kind in every language of LANGUAGES, for an enrolled learner of that language."""
    pages: list[Page] = []
    assets: dict[str, Asset] = {}
    courses = sorted(library, key=lambda course: course.id)
    for language in LANGUAGES:
        email = f"page-weight-{language}@bench.example.org"
        with app.app_context():
            add_learner(email, f"Page Weight {language}", language, courses)
        client = app.test_client()
        sign_in_test_client(client, email)
        fetcher = _Fetcher(client)
        pages.append(fetcher.page("catalogue", language, "/"))
        for course in courses:
            pages.append(fetcher.page("course", language, f"/courses/{course.id}/"))
            for lesson_id in course.lesson_ids:
                kind = "quiz" if course.lesson(lesson_id, language).type == "quiz" else "lesson"
                pages.append(fetcher.page(kind, language, f"/courses/{course.id}/{lesson_id}"))
        assets.update(fetcher.assets)
    return pages, assets


def run(options: Options) -> None:
    """Measure and print page weights; check the 50 KB lesson-page target and that no page needs JS."""
    heading("1. Page weight (bytes over the wire, gzip level 6, lesson images excluded)")
    library = shipped_library()
    with tempfile.TemporaryDirectory(prefix="lh-bench-weight-") as folder:
        app = make_app(f"sqlite:///{Path(folder) / 'weight.sqlite3'}", Path(folder) / "instance", library)
        create_schema(app)
        pages, assets = measure_pages(app, library)

    table = Table(
        "Page weight by page type (KB = 1024 bytes; first visit = HTML + headers + CSS + JS + fonts)",
        [
            "page",
            "lang",
            "pages",
            "HTML raw",
            "HTML gz med",
            "HTML gz max",
            "headers",
            "CSS gz",
            "JS",
            "fonts",
            "first visit max",
            "repeat visit max",
            "uncompressed first visit",
            "<script>",
        ],
    )
    for kind in ("catalogue", "course", "lesson", "quiz"):
        for language in LANGUAGES:
            group = [p for p in pages if p.kind == kind and p.language == language]
            if not group:
                continue
            table.add(
                kind,
                language,
                len(group),
                kb(statistics.median(p.html_raw for p in group)),
                kb(statistics.median(p.html_gzip for p in group)),
                kb(max(p.html_gzip for p in group)),
                kb(max(p.headers for p in group)),
                kb(max(p.css for p in group)),
                kb(max(p.js for p in group)),
                kb(max(p.fonts for p in group)),
                kb(max(p.first_visit for p in group)),
                kb(max(p.repeat_visit for p in group)),
                kb(max(p.first_visit_uncompressed for p in group)),
                sum(p.script_elements for p in group),
            )
    table.print()

    heaviest = Table(
        "Heaviest page of each kind (first visit)", ["page", "lang", "path", "HTML raw KB", "first visit KB"]
    )
    for kind in ("catalogue", "course", "lesson", "quiz"):
        for language in LANGUAGES:
            group = [p for p in pages if p.kind == kind and p.language == language]
            if group:
                worst = max(group, key=lambda p: p.first_visit)
                heaviest.add(kind, language, worst.path, kb(worst.html_raw), kb(worst.first_visit))
    heaviest.print()

    asset_table = Table(
        "Assets the pages load",
        ["asset", "kind", "raw KB", "gzip KB", "compressed by app", "Cache-Control sent by the app"],
    )
    for asset in assets.values():
        asset_table.add(
            asset.url, asset.kind, kb(asset.raw), kb(asset.wire), asset.app_encoding, asset.cache_control
        )
    asset_table.print()

    sample = pages[0]
    note(
        "The app sends no Content-Encoding: the sizes above are gzip level 6 computed here, as the front "
        "server would send them (see docs/deploy.md)."
    )
    note(f"Response headers are counted as the app sends them (~{sample.headers} B; gunicorn adds ~80 B).")
    note(
        "repeat visit: HTML and headers; static files carry a hash of their content in the URL and are cached "
        "for a year, so a repeat view fetches nothing else."
    )
    note(
        "uncompressed first visit: what a browser downloads when no front server compresses (gunicorn alone)."
    )
    scripts = sum(p.script_elements for p in pages)
    handlers = sum(p.inline_handlers for p in pages)
    js_bytes = sum(p.js for p in pages)
    note(
        f"JavaScript: {scripts} <script> elements, {handlers} inline event handlers and {js_bytes} bytes of "
        f"script over {len(pages)} pages; every page reads (and every form posts) without JavaScript."
    )
    note(
        "For comparison (issue 7): Moodle sends about 460 KB of JavaScript on a first page; the low-bandwidth "
        "guideline is 25 to 75 KB per page."
    )

    for language in LANGUAGES:
        lessons = [p for p in pages if p.kind in ("lesson", "quiz") and p.language == language]
        worst = max(p.first_visit for p in lessons)
        SCOREBOARD.check(
            "page weight",
            f"heaviest lesson/quiz page, {language}, first visit",
            f"{kb(worst)} KB",
            "<= 50 KB",
            worst <= LESSON_PAGE_TARGET,
        )
    # Calculator lessons load calculator.js to answer as the learner types; their form (GET) is computed by
    # the server all the same, so no page *needs* a script. A script on a page without a form would.
    needed = sum(p.script_elements for p in pages if not p.forms)
    SCOREBOARD.check(
        "page weight",
        "pages need no JavaScript (scripts only enhance a form that works without them)",
        f"{scripts} scripts on pages with a form, {needed} elsewhere, {handlers} handlers",
        "0 elsewhere, 0 handlers",
        needed == 0 and handlers == 0,
    )
