"""Markdown to safe HTML: python-markdown with lesson-link and media rewriting, then nh3."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from urllib.parse import urlsplit

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
}
ALLOWED_CLASSES = {
    "div": {"admonition", "note", "tip", "warning", "example", "footnote"},
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
