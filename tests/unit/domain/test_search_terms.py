"""Tokenising a search query: only words reach the search engine, and a word is the
same for the query and for every store's index (letters, digits and combining marks,
folded)."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopcore.domain import search
from shopcore.domain.errors import InvalidInput
from shopcore.domain.search import (
    MAX_TERMS,
    WORD_MAX_LENGTH,
    SearchTerms,
    search_text,
    tokenize,
    words,
)


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
    ("café 3.5mm", ("cafe", "3", "5mm")),
    ("智能手机", ("智能手机",)),
])
def test_queries_become_lower_case_word_terms(q: str, terms: tuple[str, ...]) -> None:
    assert SearchTerms.parse(q).terms == terms


NUKTA = "\u093c"
PHA_WITH_NUKTA = "\u095e"  # फ़ as one character; NFKD makes it फ + nukta


@pytest.mark.parametrize(("text", "expected"), [
    # Indic words keep their vowel signs and viramas (categories Mn, Mc)
    ("फोन", ["फोन"]),
    ("मोबाइल फोन", ["मोबाइल", "फोन"]),
    ("स्मार्टफोन", ["स्मार्टफोन"]),
    ("சார்ஜர்", ["சார்ஜர்"]),  # Tamil
    # Bengali; its vowel sign "ো" stays decomposed ("ে" + "া"), so that a word typed up
    # to its first half is still a prefix
    ("মোবাইল ফোন", [unicodedata.normalize("NFKD", "মোবাইল"), unicodedata.normalize("NFKD", "ফোন")]),
    # the nukta is dropped, whichever way it is written
    (f"मोबाइल फ{NUKTA}ोन", ["मोबाइल", "फोन"]),
    (f"मोबाइल {PHA_WITH_NUKTA}ोन", ["मोबाइल", "फोन"]),
    # zero-width joiners and non-joiners never split a word; the zero-width space does
    ("क्\u200dष", ["क्ष"]), ("क्\u200cष", ["क्ष"]), ("ab\u200bcd", ["ab", "cd"]),
    ("soft\u00adware", ["software"]),
    # generic accents are folded, composed or not
    ("Café", ["cafe"]), ("Cafe\u0301", ["cafe"]), ("CRÈME brûlée", ["creme", "brulee"]),
    ("Tiếng Việt", ["tieng", "viet"]), ("Ἀθῆναι", ["αθηναι"]), ("Йогурт", ["иогурт"]),
    # case folding and compatibility forms
    ("Straße", ["strasse"]), ("ﬁne", ["fine"]), ("ＡＢＣ１２３", ["abc123"]), ("ⅷ", ["viii"]),
    ("İstanbul", ["istanbul"]), ("ØÆ", ["øæ"]),
    # punctuation, symbols and "_" separate words
    ("3.5", ["3", "5"]), ("3.5mm jack", ["3", "5mm", "jack"]),
    ("user@example.com", ["user", "example", "com"]),
    ("https://shop.example.com/p?id=7", ["https", "shop", "example", "com", "p", "id", "7"]),
    ("wi-fi", ["wi", "fi"]), ("snake_case_name", ["snake", "case", "name"]),
    ("I ❤️ tea", ["i", "tea"]), ("💯%", []),
    ("Café फ़ोन 3.5-inch", ["cafe", "फोन", "3", "5", "inch"]),
    ("", []), (" \t\n", []),
])
def test_words_are_folded_runs_of_letters_digits_and_marks(
    text: str, expected: list[str]
) -> None:
    assert words(text) == expected
    assert search_text(text) == " ".join(expected)


def test_the_stored_text_is_the_words_between_single_spaces() -> None:
    assert search_text("  Mobile  phone! ") == "mobile phone"


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


def test_words_are_cut_to_the_longest_query_term() -> None:
    assert words("x" * 150 + " y") == ["x" * WORD_MAX_LENGTH, "y"]
    assert WORD_MAX_LENGTH >= search.QUERY_MAX_LENGTH


def _is_word_character(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNM"


@given(st.text(max_size=100))
def test_terms_only_ever_hold_letters_digits_and_marks(q: str) -> None:
    for term in tokenize(q):
        assert term and all(_is_word_character(char) for char in term), term
        assert all(char.isalnum() for char in term if char.isascii()), term
        assert term == term.lower() or not term.isascii()


@given(st.text())
def test_the_stored_text_splits_back_into_the_same_words(text: str) -> None:
    """An engine splitting ``search_text`` at spaces sees exactly the words."""
    stored = search_text(text)
    assert stored.split(" ") == words(text) or stored == ""
    assert words(stored) == words(text)


@given(st.text(min_size=1))
def test_every_beginning_of_a_word_is_a_word_of_its_own(text: str) -> None:
    """Typing the start of a product's word gives a term that is a prefix of it."""
    for word in words(text):
        for end in range(1, len(word) + 1):
            assert words(word[:end]) == [word[:end]]


def test_word_characters_are_letters_digits_and_kept_marks_everywhere() -> None:
    """Every code point, in every plane: the word pattern takes exactly the letters,
    the digits and the combining marks that folding keeps; marks and format characters
    occur only in the planes the tables are built from."""
    tables = search._tables()  # noqa: SLF001
    scanned = {code for plane in search._PLANES_WITH_MARKS for code in plane}  # noqa: SLF001
    wrong = []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        if category[0] == "M" or category == "Cf":
            assert code in scanned, hex(code)
        if char == "_":
            continue  # a word character for the patterns, but folding makes it a space
        expected = category[0] in "LN" or (category[0] == "M" and code not in tables.folding)
        patterns = [tables.astral_word, tables.word] if code <= 0xFFFF else [tables.astral_word]
        if any(bool(pattern.fullmatch(char)) != expected for pattern in patterns):
            wrong.append(hex(code))
    assert wrong == []


@pytest.mark.parametrize("code", range(128))
def test_ascii_text_is_cut_as_the_tables_cut_it(code: int) -> None:
    # words() cuts folded ASCII text without building the tables: the same words.
    for text in (f"Ab{chr(code)}9z", chr(code), f"{chr(code)}{chr(code)}x_Y"):
        folded = search._fold(text)
        assert search._ASCII_WORD.findall(folded) == search._tables().word.findall(folded)
        assert search.words(text) == search._tables().word.findall(folded)
