"""A lesson's sanitised HTML as plain text cut into sections, each with the anchor of its heading."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import html as lxml_html

HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
# Text between these is separate: "…the gap?</h2><p>In its…" must not read as one word.
BLOCKS = frozenset(
    {"p", "li", "ul", "ol", "dl", "dt", "dd", "div", "table", "thead", "tbody", "tr", "td", "th", "caption"}
    | {"figure", "figcaption", "blockquote", "pre", "br", "hr", "section", "aside", "details", "summary"}
    | {"h1", "h2", "h3", "h4", "h5", "h6"}
)
SKIPPED = frozenset({"script", "style", "template", "svg", "math"})


@dataclass(frozen=True)
class TextSection:
    """The text under one heading (``anchor`` is ``None`` before the first heading), the heading included."""

    anchor: str | None
    heading: str
    text: str


def sections(html: str) -> list[TextSection]:
    """The sections of a lesson's HTML with their text, whitespace collapsed; empty sections left out."""
    if not html.strip():
        return []
    root = lxml_html.fragment_fromstring(html, create_parent="div")
    found: list[TextSection] = []
    current: dict = {"anchor": None, "heading": "", "pieces": []}

    def close() -> None:
        text = " ".join("".join(current["pieces"]).split())
        if text:
            found.append(TextSection(current["anchor"], current["heading"], text))

    def walk(element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in SKIPPED or not tag:
            return
        if tag in HEADINGS and element.get("id"):
            close()
            current.update(
                anchor=element.get("id"), heading=" ".join(element.text_content().split()), pieces=[]
            )
        pieces = current["pieces"]
        if tag in BLOCKS:
            pieces.append(" ")
        pieces.append(element.text or "")
        for child in element:
            walk(child)
            current["pieces"].append(child.tail or "")
        if tag in BLOCKS:
            current["pieces"].append(" ")

    walk(root)
    close()
    return found
