"""The word splitter decides where spans may start and end; it must match the reference."""

import pytest

from redactor.model.words import normalize_text, split_words


@pytest.mark.parametrize(("text", "n_words"), [
    ("192.168.0.1", 7), ("4111 1111 1111 1111", 4), ("+1 (555) 010-0199", 6),
    ("12/03/1990", 5), ("O'Brien's", 5), ("john.smith@example.com", 1), ("2001:db8::1", 6),
])
def test_word_counts_match_reference_examples(text: str, n_words: int) -> None:
    assert len(split_words(text)) == n_words


def test_offsets_index_the_original_string_and_tokens_are_lowercased() -> None:
    text = "Visit https://Example.org/a?b=1, then mail ANN@X.IO or @Bob_1 — Zoë Ðoe"
    words = split_words(text)
    assert [text[w.start:w.end].lower() for w in words] == [w.token for w in words]
    assert words[1].token == "https://example.org/a?b=1,"  # URLs swallow trailing punctuation
    assert "ann@x.io" in [w.token for w in words]
    assert "@bob_1" in [w.token for w in words]


def test_case_folding_that_changes_length_keeps_offsets() -> None:
    text = "İstanbul office"
    words = split_words(text)
    assert (words[0].start, words[0].end) == (0, 8)
    assert words[1].start == 9


def test_combining_marks_stay_inside_words() -> None:
    text = "cafe\u0301 nai\u0308ve"
    assert [(w.start, w.end) for w in split_words(text)] == [(0, 5), (6, 12)]


@pytest.mark.parametrize(("text", "expected"), [
    ("", "."), ("Hi", "Hi."), ("Hi.", "Hi."), ("Hi!", "Hi!"), ("Why?", "Why?"), ("a ", "a ."),
])
def test_normalize_appends_period_only_when_needed(text: str, expected: str) -> None:
    assert normalize_text(text) == expected
