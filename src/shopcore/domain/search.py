"""What a catalog search asks for: the words of the user's query, and nothing else.

The query text never reaches a search engine as text. It is cut into word tokens
(runs of letters and digits), and only those tokens are used to build the engine's
own query, each as a prefix term. Quotes, ``*``, ``%``, ``_``, ``:``, ``-``, brackets
and the like are separators, so they can neither widen a match nor break the
engine's query syntax; words such as ``NOT`` or ``OR`` are searched for as words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shopcore.domain.errors import InvalidInput

QUERY_MAX_LENGTH = 100
MAX_TERMS = 16
"""Terms beyond this are ignored: every term narrows the match, so dropping the tail
can only widen the result a little, and it bounds the cost of one query."""

# Letters and digits (any script). "_" is a word character for ``\w`` but a separator
# for both search engines (FTS5 unicode61, PostgreSQL's parser), so it is excluded.
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class SearchTerms:
    """The lower-cased word tokens of a search query, in order, without repeats.

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


def words(text: str) -> list[str]:
    """Every word of ``text`` in lower case (runs of letters and digits), in order."""
    return _WORD.findall(text.lower())


def tokenize(text: str) -> tuple[str, ...]:
    """The distinct words of ``text`` (see :func:`words`), the first ``MAX_TERMS`` of them."""
    return tuple(dict.fromkeys(words(text)))[:MAX_TERMS]
