"""env files parse like Docker Compose's dotenv (quotes, export, comments, expansion)."""
from __future__ import annotations

import pytest

from podgen.load.envfile import parse_env_text
from podgen.errors import InputError


def test_dotenv_rules():
    text = (
        "# comment\n"
        "\n"
        "A=1\n"
        "export B=two words  \n"
        "C='single ${A} \\n kept'\n"
        'D="double ${A} \\n escaped \\"q\\" \\$lit"\n'
        "E=value # inline comment\n"
        "F=value#not-a-comment\n"
        "G=${UNSET:-fallback}\n"
        "H=\n"
        "I\n"
        "J: colon\n"
        "K='multi\nline'\n"
    )
    env = parse_env_text(text, ".env", {"I": "from-environment"})
    assert env == {
        "A": "1", "B": "two words", "C": "single ${A} \\n kept", "D": 'double 1 \n escaped "q" $lit',
        "E": "value", "F": "value#not-a-comment", "G": "fallback", "H": "", "I": "from-environment",
        "J": "colon", "K": "multi\nline",
    }


def test_bare_key_without_value_in_environment_is_skipped():
    assert parse_env_text("ONLY\n", ".env", {}) == {}


def test_raw_format_keeps_everything():
    assert parse_env_text("A='x ${B}'\n", ".env", {}, raw=True) == {"A": "'x ${B}'"}


@pytest.mark.parametrize("text", ["A='open\n", 'A="open\n', "not a line\n", "=novalue\n"])
def test_malformed_lines_are_located_errors(text):
    with pytest.raises(InputError) as info:
        parse_env_text(text, "my.env", {})
    assert info.value.pos[0] == "my.env" and info.value.pos[1] >= 1
