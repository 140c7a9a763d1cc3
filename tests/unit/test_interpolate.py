"""Interpolation: every form Docker Compose supports, and its errors."""
from __future__ import annotations

import pytest

from podgen.errors import InputError
from podgen.load.interpolate import Interpolator

ENV = {"SET": "value", "EMPTY": "", "NUM": "8080"}


@pytest.mark.parametrize("template,result", [
    ("plain", "plain"),
    ("$SET", "value"), ("${SET}", "value"), ("a${SET}b", "avalueb"), ("$SET-x", "value-x"),
    ("$$SET", "$SET"), ("$${SET}", "${SET}"), ("$$", "$"), ("cost: 5$", "cost: 5$"), ("$1", "$1"),
    ("${UNSET:-dflt}", "dflt"), ("${EMPTY:-dflt}", "dflt"), ("${SET:-dflt}", "value"),
    ("${UNSET-dflt}", "dflt"), ("${EMPTY-dflt}", ""),
    ("${SET:+alt}", "alt"), ("${EMPTY:+alt}", ""), ("${EMPTY+alt}", "alt"), ("${UNSET+alt}", ""),
    ("${UNSET:-${SET}}", "value"), ("${UNSET:-${ALSO_UNSET:-deep}}", "deep"),
    ("${UNSET:-a:b}", "a:b"), ("${UNSET:-}", ""),
    ("http://${NUM}:${NUM}", "http://8080:8080"),
])
def test_forms(template, result):
    assert Interpolator(dict(ENV)).substitute(template) == result


def test_unset_variable_becomes_empty_and_is_recorded():
    interp = Interpolator({})
    assert interp.substitute("x${NOPE}y", ("f", 3, 7)) == "xy"
    assert interp.missing == {"NOPE": ("f", 3, 7)}


@pytest.mark.parametrize("template,message", [
    ("${UNSET:?database password required}", "required variable UNSET is missing a value: database password required"),
    ("${EMPTY:?must be set}", "required variable EMPTY is missing a value: must be set"),
    ("${UNSET?}", "required variable UNSET"),
])
def test_required_variables(template, message):
    with pytest.raises(InputError) as info:
        Interpolator(dict(ENV)).substitute(template, ("f", 1, 1))
    assert message in info.value.message
    assert info.value.pos == ("f", 1, 1)


def test_required_set_but_empty_is_fine_without_colon():
    assert Interpolator(dict(ENV)).substitute("${EMPTY?x}") == ""


@pytest.mark.parametrize("template", ["${", "${SET", "${}", "${1A}", "${SET:x}", "${A B}"])
def test_invalid_templates_are_errors_with_advice(template):
    with pytest.raises(InputError) as info:
        Interpolator(dict(ENV)).substitute(template, ("f", 1, 1))
    assert "$$" in (info.value.hint or "") or "${VAR" in (info.value.hint or "")
