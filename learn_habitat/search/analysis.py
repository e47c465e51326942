"""Words to search terms, the same way for lesson text and for queries, in each of the six UN languages.

A term is a normalised, stemmed word. Normalisation makes search forgiving where readers type loosely: case
and compatibility forms (NFKC, casefold) everywhere; accents in Latin script ("developpement" finds
"développement"); ё and stress marks in Russian; harakat, tatweel and the hamza forms of alef in Arabic (with
ى → ي, and ة and ه alike at the end of a word, because both spellings are common). The Snowball
stemmers (snowballstemmer) then join the inflected forms of a word ("городов", "города" → "город").

Chinese is written without spaces: a run of Han characters gives every character and every pair of neighbours
(bigrams). A query of two or more characters asks for its bigrams, so "住房" finds 住房 and not every
住 or 房; a single character asks for itself.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

STEMMERS = {"ar": "arabic", "en": "english", "es": "spanish", "fr": "french", "ru": "russian"}
MAX_QUERY_TERMS = 16

# Function words: a query needs them only when it has nothing else, and they are never marked. Short lists of
# our own (Snowball's are not in the package), as terms through the same analysis as any word.
STOP_WORDS = {
    "ar": "في من على إلى عن أو ثم أن إن التي الذي هذا هذه ذلك تلك مع كما قد",
    "en": "a an and are as at be by for from has have in into is it its of on or that the their this to was "
    "were which with",
    "es": "a al como con de del el en es la las lo los o para por que se su sus un una y",
    "fr": "à au aux ce ces d dans de des du en est et il ils l la le les leur leurs ou par pour qu que qui sa se "
    "ses son sur un une",
    "ru": "а в во для до за и или из к как на не о об от по с со что это",
}

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Combining marks belong to the word they sit on (Python's \w does not match them, so "الإِسْكَان" would
# otherwise fall apart at each haraka); zero-width joiners too.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u1ab0-\u1aff\u1dc0-\u1dff\u200c\u200d\u20d0-\u20ff\ufe20-\ufe2f"
)
_TOKEN = re.compile(rf"(?P<han>[{_HAN}]+)|(?:[^\W_{_HAN}]|[{_MARKS}])+")

_ARABIC_MARKS = re.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]"
)  # harakat, Quranic, tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي"})
_RUSSIAN_STRESS = re.compile("[\u0300\u0301]")


@dataclass(frozen=True, slots=True)
class Token:
    """A term and where its word sits in the analysed text (``text[start:end]``)."""

    term: str
    start: int
    end: int


def tokens(text: str, language: str) -> list[Token]:
    """Every term of ``text`` with its place, in reading order (Han runs give unigrams and bigrams)."""
    found = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        if match.group("han"):
            run = unicodedata.normalize("NFKC", match.group("han"))
            if len(run) != end - start:  # a compatibility ideograph that changed length: index it whole
                found.append(Token(run, start, end))
                continue
            for offset, char in enumerate(run):
                found.append(Token(char, start + offset, start + offset + 1))
                if offset + 1 < len(run):
                    found.append(Token(run[offset : offset + 2], start + offset, start + offset + 2))
        else:
            found.append(Token(term(match.group(), language), start, end))
    return found


def query_terms(query: str, language: str) -> tuple[str, ...]:
    """The distinct terms a query asks for, in order: one per word, the bigrams of a Han run of two or more."""
    terms: list[str] = []
    for match in _TOKEN.finditer(query):
        if match.group("han"):
            run = unicodedata.normalize("NFKC", match.group("han"))
            terms.extend([run] if len(run) == 1 else (run[i : i + 2] for i in range(len(run) - 1)))
        else:
            terms.append(term(match.group(), language))
    return tuple(dict.fromkeys(terms))[:MAX_QUERY_TERMS]


def is_stop_term(term_: str, language: str) -> bool:
    """Whether a term is one of the language's function words ("the", "de", "и", "في")."""
    return term_ in _stop_terms(language)


@lru_cache(maxsize=8)
def _stop_terms(language: str) -> frozenset[str]:
    return frozenset(term(word, language) for word in STOP_WORDS.get(language, "").split())


@lru_cache(maxsize=65536)
def term(word: str, language: str) -> str:
    """One word (no Han) as a search term in ``language``: normalised, then stemmed."""
    word = normalise(word)
    stemmer = STEMMERS.get(language)
    if stemmer is None:
        return word
    if language == "ar":
        return _arabic_stem(word)
    return normalise(_stem(stemmer, word))


def _arabic_stem(word: str) -> str:
    # The stemmer knows "ال" and "بال" but not "وال" ("and the"): drop that "و" first.
    if word.startswith("وال") and len(word) > 5:
        word = word[1:]
    # ة is a suffix the stemmer removes, so it sees the word as written; a final ه that stays (typed for ة,
    # "المدينه") goes after stemming, so "المدينة", "مدينة" and "المدينه" all meet at "مدين".
    stem = _stem("arabic", word).replace("ة", "ه")
    return stem[:-1] if stem.endswith("ه") and len(stem) > 3 else stem


def normalise(word: str) -> str:
    """Case, compatibility forms and digits folded, then the marks that readers leave out, by script."""
    word = unicodedata.normalize("NFKC", word).casefold()
    if word.isascii():
        return word
    word = "".join(str(unicodedata.digit(char)) if char.isdecimal() else char for char in word)
    if any("\u0600" <= char <= "\u06ff" for char in word):
        return _ARABIC_MARKS.sub("", word).translate(_ARABIC_LETTERS)
    if any("\u0400" <= char <= "\u04ff" for char in word):
        # Only stress marks: й and ё decompose too, and й is a letter of its own (ё is folded to е, as
        # most Russian text does).
        decomposed = _RUSSIAN_STRESS.sub("", unicodedata.normalize("NFD", word)).replace("е\u0308", "е")
        return unicodedata.normalize("NFC", decomposed)
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


_stemmers: dict[str, object] = {}
_stemmer_lock = threading.Lock()


def _stem(algorithm: str, word: str) -> str:
    # A Snowball stemmer keeps state while it works: one per algorithm, used under a lock (server threads).
    with _stemmer_lock:
        stemmer = _stemmers.get(algorithm)
        if stemmer is None:
            stemmer = _stemmers[algorithm] = snowballstemmer.stemmer(algorithm)
        return stemmer.stemWord(word)
