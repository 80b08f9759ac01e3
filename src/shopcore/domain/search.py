"""What a catalog search asks for, and what it finds: one definition of a word for the
query and for every store's index.

A word is a run of letters, digits and combining marks (Unicode categories L, N and
M), so an Indic word keeps its vowel signs and viramas ("फोन" is one word, not "फ" and
"न"). Everything else separates words: spaces, punctuation, symbols, ``_``. "3.5" is the
words "3" and "5", "wi-fi" is "wi" and "fi", "user@example.com" is "user", "example"
and "com".

Before it is cut into words, text is folded:

- NFKD and case folding: "Café", "CAFÉ" and "café" written with a combining accent are
  alike; so are "ﬁ" and "fi", full-width and ordinary letters.
- The generic combining diacritics (the blocks U+0300–036F, 1AB0–1AFF, 1DC0–1DFF,
  20D0–20FF, FE20–FE2F: the accents of Latin, Greek and Cyrillic letters) are dropped,
  so "cafe" finds "Café" and "creme" finds "Crème". The marks of other scripts (Indic
  vowel signs and viramas, Thai, Arabic, …) have their own blocks and stay: they are
  part of the word's spelling.
- The nukta of the Indic scripts is dropped (as Lucene's Hindi normaliser does):
  "फ़ोन" (with nukta, as one character or two) and "फोन" are alike, as typed both ways.
- Invisible format characters (category Cf: soft hyphens, zero-width joiners and
  non-joiners, direction marks) and variation selectors are dropped, so they never split
  a word; the zero-width space separates words as a space does.

Words are cut to ``WORD_MAX_LENGTH`` characters and stay decomposed (NFKD: a Bengali
"ো" is "ে" + "া"), so a word typed halfway is a prefix of the stored one. A search
matches a product when each term of the query is a prefix of some word of its name,
category or description. The categories are those of Python's ``unicodedata``; a
Python with a newer Unicode may see a few newly assigned characters differently from
what the SQL stores hold, until their products are written again.

Every store applies this one definition: the in-memory catalog on the product's text,
the SQL catalogs on the columns ``search_name``, ``search_category`` and
``search_description``, which hold :func:`search_text` of each field (written with the
product) and which the engines only split at spaces. The query text itself never
reaches a search engine as text: only its words do, each as a prefix term. Quotes,
``*``, ``%``, ``_``, ``:``, ``-``, brackets and the like are separators, so they can
neither widen a match nor break the engine's query syntax; words such as ``NOT`` or
``OR`` are searched for as words.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from shopcore.domain.errors import InvalidInput

QUERY_MAX_LENGTH = 100
MAX_TERMS = 16
"""Terms beyond this are ignored: every term narrows the match, so dropping the tail
can only widen the result a little, and it bounds the cost of one query."""
WORD_MAX_LENGTH = 100
"""Words are cut to this many characters, in the index and in queries alike, so a
term of up to this length is a prefix of a word exactly when it is a prefix of the cut
word. It bounds an index entry (PostgreSQL refuses lexemes of 2 KB and more)."""

_DIACRITIC_BLOCKS = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
                     (0xFE20, 0xFE2F))
_ZERO_WIDTH_SPACE = 0x200B
_PLANES_WITH_MARKS = (range(0x20000), range(0xE0000, 0xE1000))
"""Combining marks and format characters are all in planes 0, 1 and 14 (planes 2 and 3
hold CJK ideographs, 15 and 16 private use); a unit test checks every code point."""


_ASCII_WORD = re.compile(r"[a-z0-9]+")
"""A word of folded ASCII text (lower case, ``_`` made a space): what the tables' word
pattern matches there."""


@dataclass(frozen=True, slots=True)
class _Tables:
    word: re.Pattern[str]
    """A word of a text without characters beyond U+FFFF: the character class is then
    a bitmap, several times faster than with the ranges of ``astral_word``."""
    astral_word: re.Pattern[str]
    folding: dict[int, str | None]
    """What ``str.translate`` drops (to None): see :func:`fold`."""


@cache
def _tables() -> _Tables:
    """The word patterns and the folding table, built once (~50 ms)."""
    kept_marks: list[int] = []
    folding: dict[int, str | None] = {}
    for code in itertools.chain(*_PLANES_WITH_MARKS):
        category = unicodedata.category(chr(code))
        if category == "Cf" and code != _ZERO_WIDTH_SPACE:
            folding[code] = None
        elif category[0] == "M":
            name = unicodedata.name(chr(code), "")
            if (any(first <= code <= last for first, last in _DIACRITIC_BLOCKS)
                    or name.endswith(" SIGN NUKTA") or "VARIATION SELECTOR" in name):
                folding[code] = None
            else:
                kept_marks.append(code)
    # \w: letters, digits and "_" (which _fold has made a space)
    basic = _char_ranges([code for code in kept_marks if code <= 0xFFFF])
    astral = _char_ranges([code for code in kept_marks if code > 0xFFFF])
    return _Tables(re.compile(rf"[\w{basic}]+"), re.compile(rf"[\w{basic}{astral}]+"),
                   folding)


def prepare() -> None:
    """Build the character tables now (~20–50 ms, once per process), so that the first
    search or product write with text beyond ASCII does not pay for them; servers call
    it at start-up."""
    _tables()


def _char_ranges(codes: list[int]) -> str:
    """``codes`` (ascending) as the ranges of a regular expression's character class."""
    runs = []
    for _, run in itertools.groupby(enumerate(codes), lambda pair: pair[1] - pair[0]):
        members = [code for _, code in run]
        runs.append(rf"\U{members[0]:08x}-\U{members[-1]:08x}")
    return "".join(runs)


@dataclass(frozen=True, slots=True)
class SearchTerms:
    """The words of a search query (see :func:`words`), in order, without repeats.

    ``terms`` may be empty (a query of punctuation only): such a query is valid and
    matches nothing.
    """

    text: str
    terms: tuple[str, ...]

    @classmethod
    def parse(cls, raw: object, *, field: str = "q") -> SearchTerms:
        """Check the query (1..100 characters after trimming) and extract its words."""
        if not isinstance(raw, str):
            raise InvalidInput(field, "must be text")
        text = raw.strip()
        if not text:
            raise InvalidInput(field, "must not be empty")
        if len(text) > QUERY_MAX_LENGTH:
            raise InvalidInput(field, f"must be at most {QUERY_MAX_LENGTH} characters")
        return cls(text=text, terms=tokenize(text))

    @property
    def matches_nothing(self) -> bool:
        """True when the query holds no word at all."""
        return not self.terms


def fold(text: str) -> str:
    """``text`` folded as search compares it (see the module's documentation): NFKD,
    case folded, without generic diacritics, nuktas, format characters and variation
    selectors. "Crème", "CRÈME" and "creme" are all "creme"; punctuation and spaces
    stay. The order of product names is that of their folded text, too
    (``shopcore.domain.catalog.name_sort_key``)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return decomposed.translate(_tables().folding)


def _fold(text: str) -> str:
    """``text`` folded for search: :func:`fold`, with spaces for ``_``."""
    return fold(text).replace("_", " ")


def words(text: str) -> list[str]:
    """Every word of ``text``, folded and cut to ``WORD_MAX_LENGTH``, in order."""
    folded = _fold(text)
    if folded.isascii():  # most text: no need for the tables (built on first use, ~50 ms)
        word = _ASCII_WORD
    else:
        tables = _tables()
        word = tables.word if max(folded) <= "\uffff" else tables.astral_word
    return [found[:WORD_MAX_LENGTH] for found in word.findall(folded)]


def tokenize(text: str) -> tuple[str, ...]:
    """The distinct words of ``text`` (see :func:`words`), the first ``MAX_TERMS`` of them."""
    return tuple(dict.fromkeys(words(text)))[:MAX_TERMS]


def search_text(text: str) -> str:
    """The words of ``text`` separated by single spaces: what a search index stores for
    it. Its words are its own words again (:func:`words` of it gives them back), and
    they hold no space, so an engine that splits it at spaces sees exactly them."""
    return " ".join(words(text))
