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
from markdown.extensions import Extension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension, slugify_unicode
from markdown.treeprocessors import Treeprocessor

from learn_habitat.content.model import Heading

MEDIA_PREFIX = "../media/"

# What a lesson may contain once rendered; everything else is removed, scripts with their content.
ALLOWED_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
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
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})


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
    data: dict = field(default_factory=dict)  # filled by activity extensions


class _ReferenceRewriter(Treeprocessor):
    """Rewrite ``other-lesson.md`` links and ``../media/`` paths; record each for checking."""

    def __init__(self, md, lesson_href: str, media_href: str):
        super().__init__(md)
        self.lesson_href = lesson_href
        self.media_href = media_href

    def run(self, root):
        result = self.md.lesson_references
        for element in root.iter():
            if element.tag == "a" and element.get("href") is not None:
                self._rewrite_link(element, result)
            elif element.tag == "img":
                self._rewrite_image(element, result)
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
        element.set("src", self.media_href.format(name=name))


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

    def __init__(self, lesson_href: str = "{lesson}", media_href: str = "media/{name}"):
        super().__init__()
        self.lesson_href = lesson_href
        self.media_href = media_href

    def extendMarkdown(self, md):  # noqa: N802 - python-markdown's name
        md.registerExtension(self)
        self.md = md
        self.reset()
        rewriter = _ReferenceRewriter(md, self.lesson_href, self.media_href)
        # After inline patterns (priority 20) have made the <a> and <img> elements.
        md.treeprocessors.register(rewriter, "lesson_references", 5)
        md.treeprocessors.register(_TableRegions(md), "table_regions", 4)

    def reset(self):
        self.md.lesson_references = RenderedMarkdown(html="", headings=())


def sanitise_html(html: str) -> str:
    """Keep only the allow-listed tags, attributes, classes and URL schemes."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


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
        block_start += len(block)
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
    the HTML will live (``{lesson}`` beside the lesson pages on the site, ``{lesson}.html`` in a package)."""

    def __init__(self, lesson_href: str = "{lesson}", media_href: str = "media/{name}", extensions=()):
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
                TocExtension(slugify=slugify_unicode),
                LessonReferenceExtension(lesson_href, media_href),
                *extensions,
            ],
            output_format="html",
        )

    def render(self, body: str) -> RenderedMarkdown:
        """Render one lesson body."""
        self._md.reset()
        html = self._md.convert(body)
        result = self._md.lesson_references
        result.html = sanitise_html(html)
        result.headings = tuple(_flatten_headings(getattr(self._md, "toc_tokens", [])))
        return result


def _flatten_headings(tokens):
    for token in tokens:
        yield Heading(token["level"], token["id"], token["name"])
        yield from _flatten_headings(token.get("children", []))
