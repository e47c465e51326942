"""Typed answers compared the same way in every language, on the server and in a package.

The rule (docs/authoring.md, "Text answers"), applied in this order:

1. NFKC: full-width and compatibility forms become their plain forms (ＵＮ → UN, Arabic presentation forms
   → letters).
2. Lower case (Unicode's default mapping, the one JavaScript's ``toLowerCase`` uses too).
3. NFKD, then every combining mark is dropped: accents (é → e), Arabic harakat and the hamza and madda
   that alef, waw and yeh carry (أ إ آ → ا, ؤ → و, ئ → ي), the Cyrillic diaeresis and breve (ё → е, й → и).
4. Arabic letters typists use interchangeably: alef maqsura ى → ي, teh marbuta ة → ه (learners often type
   the final ه), alef wasla ٱ → ا; tatweel (ـ) is dropped; Arabic-Indic digits become 0-9.
5. Typographic apostrophes (’ ‘ ʼ) become ', hyphens and dashes (‐ ‑ ‒ – —) become -.
6. Invisible format characters (soft hyphen, zero-width and bidi controls) are dropped, and runs of white
   space become one space; leading and trailing space is dropped.

``scorm_export/assets/lesson.js`` (``normalise``) implements the same steps; tests/content/test_answers.py runs
both on the same generated inputs and requires the same output.
"""

from __future__ import annotations

import re
import unicodedata

_LETTERS = str.maketrans(
    {
        "\u0649": "\u064a",  # alef maqsura -> yeh
        "\u0629": "\u0647",  # teh marbuta -> heh
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0640": None,  # tatweel
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        **{chr(0x0660 + digit): str(digit) for digit in range(10)},
        **{chr(0x06F0 + digit): str(digit) for digit in range(10)},
    }
)
# Written out rather than taken from str.split() or JavaScript's \s, which disagree with each other.
INVISIBLE = (
    "\u00ad\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
)
WHITE_SPACE = "\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
_WHITE_SPACE = re.compile(f"[{WHITE_SPACE}]+")


def normalise_answer(value) -> str:
    """``value`` as it is compared with the accepted answers of a text question (see the module's rule)."""
    text = unicodedata.normalize("NFKC", str(value or "")).lower()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if unicodedata.category(c) != "Mn")
    text = _INVISIBLE.sub("", text.translate(_LETTERS))
    return _WHITE_SPACE.sub(" ", text).strip(" ")
