"""The register's own words for truncated text read as Django's Truncator writes them."""

from __future__ import annotations

import pytest
from django.utils.text import Truncator

from core.text import first_words

TEXTS = [
    "",
    "Osnabrück",
    "Support for a trade mission to Toyota City in the spring",
    "  Two   spaces\tand a tab\nand a new line between words that run on past the limit  ",
    "Exactly four words here",
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("count", [1, 4, 15])
def test_first_words_reads_as_django_s_truncator(text: str, count: int) -> None:
    assert first_words(text, count) == Truncator(text).words(count)
    assert first_words(text, count, " …") == Truncator(text).words(count, truncate=" …")


def test_first_words_marks_only_text_that_was_cut() -> None:
    assert first_words("Hefei asks for a visit", 3) == "Hefei asks for…"
    assert first_words("Hefei asks", 3) == "Hefei asks"


def test_first_words_does_not_mark_twice_text_whose_last_word_kept_ends_with_the_mark() -> None:
    # Django's Truncator leaves a given mark alone where the text already ends with it;
    # with its own "…" it adds another.
    text = "It was agreed … and then more was said"
    assert first_words(text, 4, " …") == Truncator(text).words(4, truncate=" …") == "It was agreed …"
    assert first_words("Hefei asked again… and again", 3) == "Hefei asked again…"
