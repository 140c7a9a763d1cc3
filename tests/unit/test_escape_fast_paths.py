"""The regex fast paths of ``quote_word`` and ``check_raw_line`` change no result.

Each fast path only accepts values the full checks accept unchanged; here every
value gets the same answer (text or refusal) with the fast paths switched off.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from podgen.targets.podman import escape
_NEVER = re.compile(r"(?!)")
# the characters the checks care about, and some ordinary ones
_ALPHABET = st.sampled_from(list("aZ09_-+=:,./@%$ \t\\\"';#") + ["\n", "\r", "\x00", "\x7f", "\x80",
                                                                  "\x85", "\xa0", "é", "\udc80", "\u2028"])


def _answer(fn, value):
    try:
        return ("ok", fn(value), type(fn(value)) is str)
    except escape.Unrepresentable as exc:
        return ("refused", str(exc))


def _slow(fn, value):
    saved = escape._PLAIN_WORD_RE, escape._PLAIN_LINE_RE
    escape._PLAIN_WORD_RE = escape._PLAIN_LINE_RE = _NEVER
    try:
        return _answer(fn, value)
    finally:
        escape._PLAIN_WORD_RE, escape._PLAIN_LINE_RE = saved


@pytest.mark.parametrize("fn", [escape.quote_word, escape.check_raw_line, escape.line_value,
                                escape.single_value])
@settings(max_examples=300, deadline=None)
@given(value=st.text(_ALPHABET, max_size=6))
@example(value="")
@example(value=";")
@example(value="\\")
@example(value="a\\")
@example(value=" a")
@example(value="a ")
@example(value="a b")
@example(value="%h")
def test_fast_path_same_answer(fn, value):
    assert _answer(fn, value) == _slow(fn, value)


def test_fast_paths_are_taken():
    assert escape._PLAIN_WORD_RE.match("LOG_LEVEL=info")
    assert escape._PLAIN_LINE_RE.match("/srv/conf:/etc/app:ro")
    assert not escape._PLAIN_LINE_RE.match("ends\\")
    assert not escape._PLAIN_LINE_RE.match(" lead")
    assert not escape._PLAIN_WORD_RE.match("100%")
