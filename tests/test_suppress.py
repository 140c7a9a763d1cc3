"""Inline suppressions: ``# podgen: ignore[PG101]`` on the line, or on a comment line above it."""
from __future__ import annotations

import json
import textwrap

import pytest

from cli_run import run_podgen
from helpers import lint_text
from podgen.report.suppress import comment_start, directives


def compose(*port_lines: str) -> str:
    return "services:\n  app:\n    image: registry.example/app:1\n    ports:\n" + \
        "".join(f"      {line}\n" for line in port_lines)


def test_unsuppressed_baseline(tmp_path):
    assert lint_text(tmp_path, compose('- "80:8080"', '- "443:8443"')) == ["5:9 PG101", "6:9 PG101"]


def test_on_the_line(tmp_path):
    text = compose('- "80:8080"   # podgen: ignore[PG101]', '- "443:8443"')
    assert lint_text(tmp_path, text) == ["6:9 PG101"]


def test_on_the_line_above(tmp_path):
    text = compose("# podgen: ignore[PG101]", '- "80:8080"', '- "443:8443"')
    assert lint_text(tmp_path, text) == ["7:9 PG101"]


def test_a_trailing_directive_does_not_reach_the_next_line(tmp_path):
    text = compose('- "8080:8080"   # podgen: ignore[PG101]', '- "80:8080"')
    assert lint_text(tmp_path, text) == ["6:9 PG101"]


def test_stacked_comment_lines_and_blank_lines_above(tmp_path):
    text = compose("# podgen: ignore[PG103]", "# podgen: ignore[PG101]", "", '- "80:8080"', '- "443:8443"')
    assert lint_text(tmp_path, text) == ["9:9 PG101"]


def test_other_codes_are_not_silenced(tmp_path):
    text = compose('- "80:8080"   # podgen: ignore[PG103]')
    assert lint_text(tmp_path, text) == ["5:9 PG101"]


def test_several_codes_names_and_case(tmp_path):
    assert lint_text(tmp_path, compose('- "80:8080"  # podgen: ignore[PG103,PG101]')) == []
    assert lint_text(tmp_path, compose('- "80:8080"  # podgen: ignore[ PG103 , PG101 ]')) == []
    assert lint_text(tmp_path, compose('- "80:8080"  # podgen: ignore[pg101]')) == []
    assert lint_text(tmp_path, compose('- "80:8080"  # podgen: ignore[privileged-port]')) == []


def test_bare_ignore_silences_every_code_on_its_line(tmp_path):
    text = textwrap.dedent("""\
        services:
          app:
            image: "registry.example/app:${TAG}"   # podgen: ignore
            ports:
              # podgen: ignore
              - "80:8080"
              - "443:8443"
        """)
    assert lint_text(tmp_path, text) == ["7:9 PG101"]


def test_only_real_comments_count(tmp_path):
    text = textwrap.dedent("""\
        services:
          app:
            image: registry.example/app:1
            command: ["echo", "# podgen: ignore[PG101]"]
            ports:
              - "80:8080"
        """)
    assert lint_text(tmp_path, text) == ["6:9 PG101"]


def test_misspelt_directives_do_nothing(tmp_path):
    for comment in ("# podgen: ignored", "# podgen ignore[PG101]", "# podgen: ignore[PG101",
                    "# podgen: ignore-all"):
        assert lint_text(tmp_path, compose(f'- "80:8080"  {comment}')) == ["5:9 PG101"], comment


def test_directives_table():
    text = textwrap.dedent("""\
        a: 1  # podgen: ignore[PG101]
        # podgen: ignore[PG103, privileged-port]
        # podgen: ignore[PG201]

        b: 2
        c: "x # podgen: ignore"
        d: x#podgen: ignore
        e: 'it''s # podgen: ignore' # podgen: ignore
        f: it's # podgen: ignore[PG102]
        g: 1 # podgen: ignored
        h: [1, 2]  # note  podgen: ignore[PG1]
        """)
    assert directives(text) == {1: {"PG101"}, 5: {"PG101", "PG103", "PG201"}, 8: None, 9: {"PG102"},
                                11: {"PG1"}}
    assert directives("no directives here\n") == {}


@pytest.mark.parametrize("line, index", [
    ("a: 1 # c", 5), ("# only", 0), ("a: 'x # y' # c", 11), ('a: "x \\" # y" # c', 14),
    ("a: x#y", -1), ("a: it's # c", 8), ("a: [\"#\", '#'] # c", 14), ("a: 1", -1),
])
def test_comment_start(line, index):
    assert comment_start(line) == index


def test_suppressed_findings_do_not_fail_the_cli(tmp_path):
    (tmp_path / "compose.yaml").write_text(compose('- "80:8080"  # podgen: ignore[PG101]'), encoding="utf-8")
    result = run_podgen("lint", "compose.yaml", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")


def test_suppression_in_a_merged_file(tmp_path):
    (tmp_path / "base.yaml").write_text(compose('- "8080:8080"'), encoding="utf-8")
    (tmp_path / "extra.yaml").write_text(textwrap.dedent("""\
        services:
          app:
            ports:
              - "443:8443"  # podgen: ignore[PG101]
              - "80:8081"
        """), encoding="utf-8")
    result = run_podgen("lint", "--format", "json", "-f", "base.yaml", "-f", "extra.yaml", cwd=tmp_path)
    found = [(d["path"], d["line"], d["code"]) for d in json.loads(result.stdout)]
    assert found == [("extra.yaml", 5, "PG101")]


def test_edited_file_is_reread_in_one_process(tmp_path):
    """The directive table is cached per file text, never by object identity alone."""
    assert lint_text(tmp_path, compose('- "80:8080"  # podgen: ignore[PG101]')) == []
    assert lint_text(tmp_path, compose('- "80:8080"')) == ["5:9 PG101"]
    assert lint_text(tmp_path, compose('- "80:8080"  # podgen: ignore')) == []
