"""Markdown to safe HTML: python-markdown with lesson-link and media rewriting, then nh3."""

from __future__ import annotations

import bisect
import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from xml.etree import ElementTree

import markdown
import nh3
from lxml import etree
from lxml import html as lxml_html
from markdown.extensions import Extension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension, slugify_unicode
from markdown.treeprocessors import Treeprocessor

from learn_habitat.content.figures import NOTICE_CLASS, FigureSet, not_yet_translated_notice
from learn_habitat.content.model import Heading
from learn_habitat.content.typography import TypographyExtension

MEDIA_PREFIX = "../media/"

# What a lesson may contain once rendered; everything else is removed, scripts with their content.
ALLOWED_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "blockquote",
        "br",
        "caption",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    ]
)
ALLOWED_ATTRIBUTES = {
    "*": {"id", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    # Wide tables scroll sideways on a phone inside a named region the keyboard can reach.
    "div": {"role", "tabindex", "aria-label"},
}
ALLOWED_CLASSES = {
    "div": {"admonition", "note", "tip", "warning", "example", "footnote", "table-scroll"},
    "p": {"admonition-title"},
    "a": {"footnote-ref", "footnote-backref"},
    "figcaption": {NOTICE_CLASS},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

# The ids the site's and the package's own pages give their elements, and the patterns of those they make up
# (question fieldsets q1, their fields q1-a, the package's lh-*, calculators' calc-*). A lesson shares its page with them: an
# author's element with one of these ids would be found by the page's links and scripts instead of the
# page's own (tests/security/test_escaping.py renders every page and keeps this list complete).
RESERVED_IDS = frozenset(
    {
        "main",
        "language-switch",
        "header-search-query",
        "certificate-title",
        "quiz-heading",
        "quiz-form",
        "quiz-result",
        "lh-config",
        "lh-lesson",
        "lh-messages",
        "lh-progress",
        "lh-quiz",
        "lh-checklist",
        "checklist-heading",
        "checklist-form",
        "checklist-summary",
        "checklist-summary-heading",
    }
)
_RESERVED_ID_PATTERN = re.compile(r"(?:q[0-9]+|lh|quiz|calc)(?:-.*)?", re.DOTALL)
# Elements the sanitiser removes that would run script, load or embed something, or change the page itself.
_ACTIVE_ELEMENTS = frozenset(
    {"applet", "base", "embed", "form", "frame", "frameset", "iframe", "link", "meta", "object", "portal"}
    | {"script", "style"}
)
# Attributes whose URL a browser fetches by itself, without a click.
_RESOURCE_ATTRIBUTES = frozenset(
    {"src", "srcset", "imagesrcset", "poster", "background", "data", "lowsrc", "dynsrc", "manifest"}
    | {"codebase", "archive", "xlink:href", "ping"}
)
_RESOURCE_HREF_ELEMENTS = frozenset({"link", "image", "use", "feimage", "base"})
_URL_ATTRIBUTES = _RESOURCE_ATTRIBUTES | {"href", "action", "formaction", "cite", "longdesc"}
_CSS_URL = re.compile(r"url\s*\(\s*['\"]?([^'\")\s]*)", re.IGNORECASE)
_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_URL_IGNORED = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))
EXTERNAL_RESOURCE = (
    "a lesson must not load files from other sites (learners pay for every byte, and a package must work "
    "offline); put the file in media/ and write it as ![description](../media/FILE)"
)


def is_reserved_id(value: str) -> bool:
    """Whether ``value`` is, or looks like, an id the site's or the package's own pages use."""
    folded = value.strip().casefold()
    return folded in RESERVED_IDS or bool(_RESERVED_ID_PATTERN.fullmatch(folded))


def _heading_slug(value: str, separator: str) -> str:
    """A heading's anchor, kept clear of the reserved ids (a heading "Main" must not become ``#main``)."""
    slug = slugify_unicode(value, separator)
    return f"h{separator}{slug}" if is_reserved_id(slug) else slug


def _plain_url(value: str) -> str:
    """A URL as a browser reads it: surrounding spaces and controls dropped, tabs and line breaks ignored."""
    return _URL_IGNORED.sub("", value.strip(_C0_AND_SPACE))


def _is_remote(url: str) -> bool:
    """Whether ``url`` names another site or scheme, or the site's root, rather than a path in the course."""
    plain = _plain_url(url)
    return bool(_URL_SCHEME.match(plain)) or plain.startswith(("/", "\\"))


def _srcset_urls(value: str) -> list[str]:
    return [candidate.split()[0] for candidate in value.split(",") if candidate.split()]


def markup_problems(html: str) -> list[tuple[str, str]]:
    """What in rendered (not yet sanitised) HTML an author may not write: ``(text or texts to find it by,
    message)``.

    Script, event handlers, ``javascript:`` URLs, embedding or page-changing elements, resources fetched from
    other sites, and ids the pages' own elements use. The sanitiser removes all of them; the checker refuses
    them so that an author learns why, at the line.
    """
    if "<" not in html:
        return []
    try:
        root = lxml_html.fragment_fromstring(html.replace("\x00", ""), create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    problems: list[tuple[str, str]] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        tag = element.tag.lower()
        if tag in _ACTIVE_ELEMENTS:
            problems.append(
                (
                    f"<{tag}",
                    f"<{tag}> is not allowed in a lesson: it could run script, load pages or restyle the site",
                )
            )
        for name, value in element.attrib.items():
            problems.extend(_attribute_problems(tag, name.lower(), value))
        if tag == "style" and element.text:
            problems.extend(_css_problems(element.text))
    return problems


def find_written(text: str, needles) -> int:
    """The line (counted from 0) of ``text`` where the first of ``needles`` that occurs is written."""
    for needle in (needles,) if isinstance(needles, str) else needles:
        # Whole words only, so "http://a" is not found inside "http://a.example" on an earlier line.
        found = re.search(re.escape(needle) + r"(?![\w.:/-])", text, re.IGNORECASE)
        found = found or re.search(re.escape(needle), text, re.IGNORECASE)
        if found:
            return _line_at(text, found.start())
    return 0


def _attribute_problems(tag: str, name: str, value: str) -> list[tuple[str, str]]:
    if name.startswith("on"):
        return [(name, f"the event handler attribute {name!r} is not allowed: lessons cannot run script")]
    if name == "id" and is_reserved_id(value):
        # Written as {#id} in Markdown or as an attribute in HTML: those spellings find the line best.
        needles = (f"#{value}", f'id="{value}"', f"id='{value}'", f"id={value}", value)
        return [(needles, f"the id {value!r} is reserved for the page's own elements; choose another")]
    if name == "style":
        return _css_problems(value)
    if name not in _URL_ATTRIBUTES:
        return []
    urls = _srcset_urls(value) if name.endswith("srcset") else [value]
    problems = []
    for url in urls:
        plain = _plain_url(url).lower()
        if plain.startswith(("javascript:", "vbscript:")):
            problems.append((_url_needles(url, name), f"{url.strip()[:60]!r}: script URLs are not allowed"))
        elif _is_remote(url) and (
            name in _RESOURCE_ATTRIBUTES or (name == "href" and tag in _RESOURCE_HREF_ELEMENTS)
        ):
            problems.append(
                (_url_needles(url, name), f"external resource {url.strip()[:60]!r}: {EXTERNAL_RESOURCE}")
            )
    return problems


def _url_needles(url: str, name: str) -> tuple[str, ...]:
    """How a URL may be found in the source: as written, or (written with entities) by its start or attribute."""
    written = url.strip()
    return tuple(needle for needle in (written, written[:12], f"{name}=") if needle)


def _css_problems(css: str) -> list[tuple[str, str]]:
    return [
        (url, f"external resource {url[:60]!r} in CSS: {EXTERNAL_RESOURCE}")
        for url in _CSS_URL.findall(css)
        if url and _is_remote(url)
    ]


@dataclass(frozen=True)
class LinkReference:
    """A link from a lesson to another lesson (``target``) and maybe a heading in it (``anchor``)."""

    target: str
    anchor: str
    written_as: str


@dataclass(frozen=True)
class ImageReference:
    """An image in a lesson: ``name`` inside the course's media folder, or a problem with it."""

    name: str | None
    alt: str
    written_as: str
    problem: str | None = None


@dataclass
class RenderedMarkdown:
    """The HTML of a lesson body and what it refers to, for the checker."""

    html: str
    headings: tuple[Heading, ...]
    links: list[LinkReference] = field(default_factory=list)
    images: list[ImageReference] = field(default_factory=list)
    bad_links: list[tuple[str, str]] = field(default_factory=list)  # (written as, why)
    # Raw HTML or attributes the author may not write: (line counted from the body's first, message).
    markup_problems: list[tuple[int, str]] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # filled by activity extensions


class _ReferenceRewriter(Treeprocessor):
    """Rewrite ``other-lesson.md`` links and ``../media/`` paths; record each for checking."""

    def __init__(self, md, lesson_href: str, media_href: str, language=None, figures=None):
        super().__init__(md)
        self.lesson_href = lesson_href
        self.media_href = media_href
        self.language = language
        self.figures = figures or FigureSet()

    def run(self, root):
        result = self.md.lesson_references
        untranslated = []
        for element in root.iter():
            if element.tag == "a" and element.get("href") is not None:
                self._rewrite_link(element, result)
            elif element.tag == "img" and self._rewrite_image(element, result):
                untranslated.append(element)
        if untranslated:
            _add_notices(root, untranslated, not_yet_translated_notice(self.language))
        return None

    def _rewrite_link(self, element, result):
        href = element.get("href")
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path:
            return  # external, or an anchor on the same page
        path = parts.path
        if path.endswith(".md"):
            if "/" in path.removeprefix("./"):
                result.bad_links.append((href, "links to lessons must name a file in the same folder"))
                return
            target = path.removeprefix("./")[: -len(".md")]
            result.links.append(LinkReference(target, parts.fragment, href))
            new = self.lesson_href.format(lesson=target)
            element.set("href", f"{new}#{parts.fragment}" if parts.fragment else new)
        elif path.startswith(MEDIA_PREFIX):
            name = _media_name(path)
            if name is None:
                result.bad_links.append((href, "a media path must stay inside the course's media folder"))
                return
            result.images.append(ImageReference(name, "link", href))
            element.set("href", self.media_href.format(name=name))
        else:
            result.bad_links.append((href, "relative links must point to a lesson (.md) or to ../media/"))

    def _rewrite_image(self, element, result):
        src = element.get("src") or ""
        alt = (element.get("alt") or "").strip()
        parts = urlsplit(src)
        if parts.scheme or parts.netloc:
            why = "external images are not allowed (learners pay for every byte); put the file in media/"
            result.images.append(ImageReference(None, alt, src, why))
            return
        name = _media_name(parts.path) if parts.path.startswith(MEDIA_PREFIX) else None
        if name is None:
            result.images.append(ImageReference(None, alt, src, "images must be written as ../media/FILE"))
            return
        result.images.append(ImageReference(name, alt, src))
        # The learner's language's variant of the figure (media/map.ar.svg), else the source one.
        shown, untranslated = self.figures.choose(name, self.language)
        element.set("src", self.media_href.format(name=shown))
        return untranslated


def _add_notices(root, images, notice: str) -> None:
    """Say under each figure shown in the source language that it is not yet translated: an image alone in
    its paragraph becomes a <figure> with the notice as its caption; an image within text is followed by it."""
    parents = {child: parent for parent in root.iter() for child in parent}
    for image in images:
        parent = parents.get(image)
        if parent is None:
            continue
        alone = parent.tag == "p" and len(parent) == 1 and not (parent.text or "").strip()
        if alone and not (image.tail or "").strip():
            parent.tag = "figure"
            caption = ElementTree.SubElement(parent, "figcaption", {"class": NOTICE_CLASS})
            caption.text = notice
        else:
            note = ElementTree.Element("small")
            note.text = f" ({notice})"
            note.tail, image.tail = image.tail, None
            parent.insert(list(parent).index(image) + 1, note)


def _media_name(path: str) -> str | None:
    name = posixpath.normpath(path[len(MEDIA_PREFIX) :])
    if name.startswith(("..", "/")) or name == ".":
        return None
    return name


class _TableRegions(Treeprocessor):
    """Put every table in a scrollable region that keyboard users can focus and screen readers name."""

    def run(self, root):
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag != "table":
                    continue
                region = ElementTree.Element(
                    "div",
                    {
                        "class": "table-scroll",
                        "role": "region",
                        "tabindex": "0",
                        "aria-label": _table_name(child),
                    },
                )
                parent.remove(child)
                region.append(child)
                region.tail, child.tail = child.tail, None
                parent.insert(index, region)
        return None


def _table_name(table) -> str:
    """A table's name from its header cells, e.g. "Target · Indicator · Custodian"."""
    headers = [" ".join("".join(cell.itertext()).split()) for cell in table.iter("th")]
    return " · ".join(h for h in headers if h)[:120] or "table"


class LessonReferenceExtension(Extension):
    """Rewrites links between lessons and to media for where the HTML will be served."""

    def __init__(
        self, lesson_href: str = "{lesson}", media_href: str = "media/{name}", language=None, figures=None
    ):
        super().__init__()
        self.lesson_href = lesson_href
        self.media_href = media_href
        self.language = language
        self.figures = figures

    def extendMarkdown(self, md):  # noqa: N802 - python-markdown's name
        md.registerExtension(self)
        self.md = md
        self.reset()
        rewriter = _ReferenceRewriter(md, self.lesson_href, self.media_href, self.language, self.figures)
        # After inline patterns (priority 20) have made the <a> and <img> elements.
        md.treeprocessors.register(rewriter, "lesson_references", 5)
        md.treeprocessors.register(_TableRegions(md), "table_regions", 4)
        # Right after inline parsing (priority 20), before any other walk of the tree.
        md.treeprocessors.register(_DepthGuard(md), "depth_guard", 19)

    def reset(self):
        self.md.lesson_references = RenderedMarkdown(html="", headings=())


def sanitise_html(html: str, media_prefix: str = "media/") -> str:
    """Keep only the allow-listed tags, attributes, classes and URL schemes.

    Besides, no id may be a reserved one, and an image may only show a file of the course's media folder
    (``media_prefix`` is where the rewritten ``../media/`` paths point): never another site, never a page
    of this one.
    """
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=lambda tag, name, value: _kept_attribute(tag, name, value, media_prefix),
        allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def _kept_attribute(tag: str, name: str, value: str, media_prefix: str) -> str | None:
    if name == "id" and is_reserved_id(value):
        return None
    if tag == "img" and name == "src":
        path = urlsplit(_plain_url(value)).path
        local = not _is_remote(value) and "\\" not in value and ".." not in path.split("/")
        return value if local and path.startswith(media_prefix) else None
    return value


# python-markdown (and the html.parser it uses) has paths that are recursive or super-linear in the size of
# some structures. These limits, far above what a lesson needs, keep loading fast and free of RecursionError
# on any input; each one was measured on a pathological lesson (tests/fuzz/test_oversized_input.py).
MAX_NESTING = 32  # levels of nested lists, quotes or indentation on one line
# Block parsing is quadratic in the lines of a block (text between blank lines): the sum of their squares.
MAX_BLOCK_LINES_SQUARED = 2_000_000
# Characters the link parser scans from each '[' to its ']' and each '](' to its ')' (to the end if unclosed).
MAX_LINK_SCAN = 4_000_000
MAX_TAG_SCAN = 4_000_000  # characters html.parser scans from each '<tag' to its '>'
MAX_FOOTNOTES = 1_000  # footnote definitions: each one is looked up in a list of all of them
MAX_HTML_NESTING = 1_000  # raw HTML elements open inside one another: the sanitiser is quadratic in depth
# Definitions in one definition list without a blank line: python-markdown up to 3.10 parsed each one a
# level deeper (600 overflowed Python's stack), so the limit is ours, whatever version is installed.
MAX_TIGHT_DEFINITIONS = 200
# '*' or '_' in one run: each pair can open an element inside the last one.
MAX_EMPHASIS_RUN = 3 * MAX_NESTING
# Elements inside one another once inline Markdown is parsed; the tree walkers that run afterwards
# (python-markdown's and ours) recurse once per level. Checked on the tree itself, so no input shape
# the lexical limits above miss can get past it.
MAX_ELEMENT_DEPTH = 100

# Elements that never nest: void ones, and those a sibling closes (an unclosed <p> does not nest the next).
_NOT_NESTING = frozenset(
    {"area", "base", "br", "col", "dd", "dt", "embed", "hr", "img", "input", "li", "link", "meta"}
    | {"option", "p", "param", "source", "td", "th", "tr", "track", "wbr"}
)
_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")

_LINE_PREFIX = re.compile(r"(?:[ \t]|>|[-+*](?=[ \t])|\d{1,9}[.)](?=[ \t]))*")
_LIST_MARKER = re.compile(r"[-+*](?=[ \t])|\d{1,9}[.)](?=[ \t])")
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")
_TAG_START = re.compile(r"<[A-Za-z!?/]")
_FOOTNOTE_DEFINITION = re.compile(r"^[ ]{0,3}\[\^[^\]\n]*\]:", re.MULTILINE)
_DEFINITION_LINE = re.compile(r"^[ ]{0,3}:[ \t]", re.MULTILINE)
_EMPHASIS_RUN = re.compile(rf"\*{{{MAX_EMPHASIS_RUN + 1},}}|_{{{MAX_EMPHASIS_RUN + 1},}}")
_THEMATIC_BREAK = re.compile(r"[ ]{0,3}(?:[*_][ \t]*)+")


class MarkdownTooDeep(ValueError):
    """Raised while rendering when elements nest beyond :data:`MAX_ELEMENT_DEPTH`."""


class _DepthGuard(Treeprocessor):
    """Refuses element trees deeper than MAX_ELEMENT_DEPTH, walking them without recursion."""

    def run(self, root):
        pending = [(root, 0)]
        while pending:
            element, depth = pending.pop()
            if depth > MAX_ELEMENT_DEPTH:
                raise MarkdownTooDeep(
                    f"the Markdown is nested too deeply to render (more than {MAX_ELEMENT_DEPTH} levels "
                    "of lists, quotes, emphasis or HTML inside one another); flatten it"
                )
            pending.extend((child, depth + 1) for child in element)


def complexity_problem(body: str) -> tuple[int, str] | None:
    """``(line, message)`` if the Markdown is beyond what the renderer can handle quickly, else ``None``.

    ``line`` counts from 0, the body's first line.
    """
    lines = body.split("\n")
    for number, line in enumerate(lines):
        prefix = _LINE_PREFIX.match(line).group(0)
        if len(prefix) > MAX_NESTING:
            indentation = prefix.count(" ") + 4 * prefix.count("\t")
            depth = indentation // 4 + prefix.count(">") + len(_LIST_MARKER.findall(prefix))
            if depth > MAX_NESTING:
                return number, (
                    f"this line is nested {depth} levels deep (lists, quotes or 4-space indentation); "
                    f"at most {MAX_NESTING} can be rendered"
                )
    squares, block_start = 0, 0
    for block in _BLANK_LINES.split(body):
        size = block.count("\n") + 1
        squares += size * size
        if squares > MAX_BLOCK_LINES_SQUARED:
            return _line_at(body, body.find(block, block_start)), (
                f"too many lines without a blank line between them (this block has {size:,}) to render the "
                "lesson quickly; separate paragraphs, lists and tables with blank lines"
            )
        definitions = list(_DEFINITION_LINE.finditer(block))
        if len(definitions) > MAX_TIGHT_DEFINITIONS:
            start = body.find(block, block_start)
            return _line_at(body, start + definitions[MAX_TIGHT_DEFINITIONS].start()), (
                f"this definition list has {len(definitions):,} definitions without a blank line between "
                f"them; at most {MAX_TIGHT_DEFINITIONS} can be rendered (nested too deeply): add blank lines"
            )
        block_start += len(block)
    for run in _EMPHASIS_RUN.finditer(body):
        line_start = body.rfind("\n", 0, run.start()) + 1
        line_end = body.find("\n", run.end())
        if not _THEMATIC_BREAK.fullmatch(body[line_start : len(body) if line_end < 0 else line_end]):
            return _line_at(body, run.start()), (
                f"a run of {len(run.group(0)):,} '{run.group(0)[0]}' would nest emphasis too deeply to "
                f"render (at most {MAX_EMPHASIS_RUN}); escape them as '\\{run.group(0)[0]}'"
            )
    # The link parser scans from each '[' to its ']', and from each '](' to its ')', counting nested pairs;
    # one left open scans to the end of the text.
    for scan, start in (
        _pair_scan(body, "[", "]", lambda start: True),
        _pair_scan(body, "(", ")", lambda start: start > 0 and body[start - 1] == "]"),
    ):
        if scan > MAX_LINK_SCAN:
            return _line_at(body, start), (
                "too many nested or unclosed '[' or '(' in links to render the lesson quickly; "
                "close each one, or write a lone one as '\\[' or '\\('"
            )
    ends = [match.start() for match in re.finditer(">", body)]
    scan = 0
    for match in _TAG_START.finditer(body):
        following = bisect.bisect_left(ends, match.start())
        scan += (ends[following] if following < len(ends) else len(body)) - match.start()
        if scan > MAX_TAG_SCAN:
            return _line_at(body, match.start()), (
                "too many '<' without a closing '>' to render the lesson quickly; write a lone '<' as '&lt;'"
            )
    depth = 0
    for match in _HTML_TAG.finditer(body):
        if match.group(2).lower() in _NOT_NESTING:
            continue
        depth = max(depth - 1, 0) if match.group(1) else depth + 1
        if depth > MAX_HTML_NESTING:
            return _line_at(body, match.start()), (
                f"HTML elements nested more than {MAX_HTML_NESTING:,} deep cannot be rendered; write Markdown"
            )
    footnotes = [match.start() for match in _FOOTNOTE_DEFINITION.finditer(body)]
    if len(footnotes) > MAX_FOOTNOTES:
        return _line_at(body, footnotes[MAX_FOOTNOTES]), (
            f"the lesson has {len(footnotes):,} footnotes; at most {MAX_FOOTNOTES:,} can be rendered"
        )
    return None


def _pair_scan(text: str, opening: str, closing: str, counted) -> tuple[int, int]:
    """Characters scanned from each ``counted`` opening to its closing (or to the end if none), and the
    opening that scans the most."""
    total, worst, costliest, stack = 0, -1, 0, []
    marks = re.finditer(re.escape(opening) + "|" + re.escape(closing), text)
    for position, found in ((match.start(), match.group(0)) for match in marks):
        if found == opening:
            stack.append(position)
        elif stack:
            start = stack.pop()
            if counted(start):
                total += position - start
                if position - start > worst:
                    worst, costliest = position - start, start
    for start in stack:
        if counted(start):
            total += len(text) - start
            if len(text) - start > worst:
                worst, costliest = len(text) - start, start
    return total, costliest


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, max(position, 0))


class LessonRenderer:
    """Renders lesson bodies of one course language; ``lesson_href`` and ``media_href`` say where
    the HTML will live (``{lesson}`` beside the lesson pages on the site, ``{lesson}.html`` in a package).

    ``language`` (the lessons' language) chooses its typography and its figure variants among ``figures``
    (a :class:`FigureSet`); without them the text and figures are shown as written.
    """

    def __init__(
        self,
        lesson_href: str = "{lesson}",
        media_href: str = "media/{name}",
        extensions=(),
        language: str | None = None,
        figures: FigureSet | None = None,
    ):
        self._media_prefix = media_href.split("{name}", 1)[0]
        self._md = markdown.Markdown(
            extensions=[
                TableExtension(use_align_attribute=True),
                "footnotes",
                "admonition",
                "attr_list",
                "def_list",
                "abbr",
                "sane_lists",
                "fenced_code",
                TocExtension(slugify=_heading_slug),
                LessonReferenceExtension(lesson_href, media_href, language, figures),
                TypographyExtension(language),
                *extensions,
            ],
            output_format="html",
        )

    def render(self, body: str) -> RenderedMarkdown:
        """Render one lesson body."""
        self._md.reset()
        html = self._md.convert(body)
        result = self._md.lesson_references
        reported = {image.written_as for image in result.images if image.problem}
        for needle, message in markup_problems(html):
            if (needle if isinstance(needle, str) else needle[0]) in reported:
                continue  # an external Markdown image: the rewriter has said why already
            result.markup_problems.append((find_written(body, needle), message))
        result.html = sanitise_html(html, self._media_prefix)
        result.headings = tuple(_flatten_headings(getattr(self._md, "toc_tokens", [])))
        return result


def _flatten_headings(tokens):
    for token in tokens:
        yield Heading(token["level"], token["id"], token["name"])
        yield from _flatten_headings(token.get("children", []))
