"""Tokenising a search query: only words reach the search engine."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopcore.domain.errors import InvalidInput
from shopcore.domain.search import MAX_TERMS, SearchTerms, tokenize


@pytest.mark.parametrize(("q", "terms"), [
    ("Smart", ("smart",)),
    ("  red   PHONE ", ("red", "phone")),
    ("phone phone", ("phone",)),
    ('"phone"*', ("phone",)),
    ("NOT phone", ("not", "phone")),
    ("a OR b", ("a", "or", "b")),
    ("name:x", ("name", "x")),
    ("p_one", ("p", "one")),
    ("%", ()), ("_", ()), ("*", ()), ('"', ()), ("'", ()), ("-", ()), ("…", ()),
    ("café 3.5mm", ("café", "3", "5mm")),
    ("智能手机", ("智能手机",)),
])
def test_queries_become_lower_case_word_terms(q: str, terms: tuple[str, ...]) -> None:
    assert SearchTerms.parse(q).terms == terms


@pytest.mark.parametrize("q", ["", "   ", "\t\n", "x" * 101, None, 5])
def test_a_query_must_be_1_to_100_characters_of_text(q: object) -> None:
    with pytest.raises(InvalidInput) as error:
        SearchTerms.parse(q)
    assert error.value.errors[0].field == "q"


def test_length_is_counted_after_trimming() -> None:
    assert SearchTerms.parse("   " + "y" * 100 + "   ").terms == ("y" * 100,)


def test_punctuation_only_is_valid_and_matches_nothing() -> None:
    assert SearchTerms.parse("%_*").matches_nothing


def test_terms_are_capped() -> None:
    assert len(tokenize(" ".join(f"w{n}" for n in range(50)))) == MAX_TERMS


@given(st.text(max_size=100))
def test_terms_only_ever_hold_letters_and_digits(q: str) -> None:
    for term in tokenize(q):
        assert term and all(char.isalnum() for char in term), term
        assert term == term.lower()
