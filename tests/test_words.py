"""The word splitter decides where spans may start and end: "reference" must match the
reference exactly; "pii" differs only by keeping IPv6 and MAC addresses whole."""

import pytest

from redactor.model.words import SPLITTERS, normalize_text, split_words


@pytest.mark.parametrize(("text", "n_words"), [
    ("192.168.0.1", 7), ("4111 1111 1111 1111", 4), ("+1 (555) 010-0199", 6),
    ("12/03/1990", 5), ("O'Brien's", 5), ("john.smith@example.com", 1), ("2001:db8::1", 6),
])
def test_word_counts_match_reference_examples(text: str, n_words: int) -> None:
    assert len(split_words(text)) == n_words


@pytest.mark.parametrize("address", [
    "f24b:fc95:9582:27c8:a6b:9bd0:e5a4:c36a", "2001:db8::8a2e:370:7334", "fe80::1", "::1",
    "::ffff:10.0.0.1", "00:1A:2B:3C:4D:5E",
])
def test_pii_splitter_keeps_ipv6_and_mac_addresses_whole(address: str) -> None:
    text = f"login from {address}: denied ({address})."
    whole = [w for w in split_words(text, "pii") if text[w.start:w.end] == address]
    assert len(whole) == 2
    assert len(split_words(address)) > 1  # the reference cuts it at every colon


@pytest.mark.parametrize("text", [
    "at 10:30:45 on 2024-01-02T08:15:00Z", "std::vector<int> and Foo::Bar", "ratio 3:4:5",
    "Visit https://Example.org/a::b?x=1 or mail ann@x.io", "1:2:3:4:5:6:7:8:9 is not an address",
    "İstanbul café O'Brien's 192.168.0.1 +1 (555) 010-0199",
])
def test_pii_splitter_agrees_with_the_reference_elsewhere(text: str) -> None:
    reference = split_words(text)
    pii = split_words(text, "pii")
    if text.startswith("1:2:3"):  # nine groups: the last eight are one (full IPv6) word
        assert [w.token for w in pii][:2] == ["1", ":"] and pii[2].token == "2:3:4:5:6:7:8:9"
        assert pii[3:] == reference[17:]
    else:
        assert pii == reference


def test_unknown_splitter_is_refused_by_name() -> None:
    assert SPLITTERS == ("reference", "pii")
    with pytest.raises(ValueError, match="'spaces'"):
        split_words("a b", "spaces")  # type: ignore[arg-type]


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
