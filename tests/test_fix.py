"""``podgen fix``: the compose file itself is repaired, and nothing else in it changes.

Like black's checks: the layout survives (comments, key order, quoting,
indentation, flow style), the fix is stable (``fix(fix(x)) == fix(x)``, and
the fixed file has no fixable finding left), and the original is never
damaged when writing fails.
"""
from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from cli_run import ROOT, run_podgen
from helpers import lint_diags, options, write
from podgen.errors import OutputError
from podgen.api import fix_file
from podgen.output import write_atomic
from podgen.rewrite.layout import detect_indent, preserve


def fixed(tmp_path: Path, text: str, name: str = "compose.yaml", **kw):
    path = write(tmp_path, text, name)
    return fix_file(options(path, **kw), str(path))


def changed_lines(before: str, after: str) -> list:
    a, b = before.splitlines(), after.splitlines()
    assert len(a) == len(b), "lines were added or removed"
    return [(x, y) for x, y in zip(a, b) if x != y]


# --- layout survives -------------------------------------------------------------------------------

LAYOUT = """\
# The shop: keep this comment
name: shop   # and this one

x-defaults: &defaults
  restart: unless-stopped

services:
  # the front
  web:
    <<: *defaults
    image: 'docker.io/library/nginx:1.27'
    environment:
      ZETA: "z"      # unsorted on purpose
      ALPHA: 'a'
      PLAIN: yes-plain
    ports:
      - '80:8080'    # single quotes, comment column kept
      - "443:8443"
      - 8081:8081
      - 22:2222
    labels: {b: "2", a: '1'}
  api:
    image: registry.example/api:1
    ports: [ "127.0.0.1:53:5353/udp", '9000:9000' ]   # flow style, spaces inside
"""


def test_comments_key_order_and_quoting_survive(tmp_path):
    # with --unsafe-fixes: DNS's 53 (flow style) is remapped too
    result = fixed(tmp_path, LAYOUT, select=("PG101",), unsafe_fixes=True)
    assert changed_lines(LAYOUT, result.text) == [
        ("      - '80:8080'    # single quotes, comment column kept",
         "      - '8080:8080'    # single quotes, comment column kept"),
        ('      - "443:8443"', '      - "8443:8443"'),
        ("      - 22:2222", "      - 8022:2222"),
        ('    ports: [ "127.0.0.1:53:5353/udp", \'9000:9000\' ]   # flow style, spaces inside',
         '    ports: [ "127.0.0.1:8053:5353/udp", \'9000:9000\' ]   # flow style, spaces inside'),
    ]


def test_four_space_indentation_and_document_marker_survive(tmp_path):
    text = textwrap.dedent("""\
        ---
        services:
            web:
                image:   registry.example/web:1     # aligned
                ports:
                -   "80:8080"
                environment:
                    - A=1


            db: {image: registry.example/db:1, ports: [ "5432:5432" ]}
        """)
    result = fixed(tmp_path, text, select=("PG101",))
    assert changed_lines(text, result.text) == [('        -   "80:8080"', '        -   "8080:8080"')]


def test_structural_fix_keeps_the_rest_of_the_file(tmp_path):
    # PG104 removes ports of a host-network service; PG201 removes network_mode: bridge
    text = textwrap.dedent("""\
        ---
        # my app
        services:
            web:
                image:   registry.example/web:1     # aligned
                network_mode: bridge
                ports: [ "8080:80" ]
            db:
                image: registry.example/db:1
                network_mode: host
                ports:
                    - "5432:5432"
        """)
    result = fixed(tmp_path, text, select=("PG104", "PG201"))
    assert result.text == textwrap.dedent("""\
        ---
        # my app
        services:
            web:
                image:   registry.example/web:1     # aligned
                ports: [ "8080:80" ]
            db:
                image: registry.example/db:1
                network_mode: host
        """)


def test_detect_indent():
    assert detect_indent("a:\n  b:\n    - x\n") == (2, 4, 2)
    assert detect_indent("a:\n    b:\n    -   x\n") == (4, 4, 0)
    assert detect_indent("a:\n  b:\n  - x\n") == (2, 2, 0)
    assert detect_indent("a: 1\n") is None


def test_preserve_falls_back_to_the_dump_when_nothing_else_is_faithful():
    y = YAML(typ="rt")
    root = y.load("a: 1\n")
    root["a"] = 2
    assert preserve("a: 1\n", root, "a: 2\n") == "a: 2\n"
    # a dump that is not even YAML is returned as is (no guessing)
    assert preserve("a: 1\n", root, "a: [\n") == "a: [\n"


def test_unicode_and_crlf_lines_survive(tmp_path):
    text = "services:\r\n  web:  # café ☕\r\n    image: x\r\n    ports:\r\n      - \"80:8080\"\r\n"
    path = tmp_path / "compose.yaml"
    path.write_bytes(text.encode("utf-8"))
    result = fix_file(options(path, select=("PG101",)), str(path))
    assert result.text == text.replace('"80:8080"', '"8080:8080"')


# --- variables, anchors ---------------------------------------------------------------------------------

def test_variable_port_is_reported_not_rewritten(tmp_path):
    text = 'services:\n  web:\n    image: x\n    ports:\n      - "${HTTP_PORT:-80}:8080"\n      - "443:8443"\n'
    result = fixed(tmp_path, text)
    assert '- "${HTTP_PORT:-80}:8080"' in result.text
    assert '- "8443:8443"' in result.text
    assert any(m.startswith("not fixed: 5:9: PG101") and "uses a variable; not rewritten" in m
               for m in result.messages), result.messages
    assert any(m.startswith("fixed: 6:9: PG101") for m in result.messages)


def test_variable_port_through_the_cli(tmp_path):
    text = 'services:\n  web:\n    image: x\n    ports:\n      - "${HTTP_PORT:-80}:8080"\n'
    (tmp_path / "compose.yaml").write_text(text, encoding="utf-8")
    result = run_podgen("fix", "compose.yaml", cwd=tmp_path)
    # the PG101 error is still there: exit 1, as lint would (ruff check --fix does the same)
    assert result.returncode == 1
    assert "not fixed: 5:9: PG101" in result.stderr and "uses a variable" in result.stderr
    assert result.stderr.splitlines()[-2:] == [
        "podgen: nothing podgen can fix",
        "podgen: 1 finding(s) left that fix cannot repair; see: podgen lint compose.yaml"]
    assert (tmp_path / "compose.yaml").read_text(encoding="utf-8") == text
    diff = run_podgen("fix", "--diff", "compose.yaml", cwd=tmp_path)
    assert (diff.returncode, diff.stdout) == (1, "")
    assert run_podgen("fix", "compose.yaml", "--podman-version", "5.4", "--rootful", cwd=tmp_path).returncode == 0


def test_findings_fix_cannot_reach_keep_failing(tmp_path):
    """A port in an anchor shared by several services cannot be rewritten for one of them: the first
    run fixes what it can and exits 1, and so does every later run (it never says all is well)."""
    text = ('x-web: &web\n  image: nginx\n  ports:\n    - "80:80"\n'
            'services:\n  a:\n    <<: *web\n  b:\n    <<: *web\n    ports:\n      - "81:80"\n  c: *web\n')
    (tmp_path / "compose.yaml").write_text(text, encoding="utf-8")
    first = run_podgen("fix", "compose.yaml", cwd=tmp_path)
    assert first.returncode == 1 and "fix cannot repair" in first.stderr, first.stderr
    again = run_podgen("fix", "compose.yaml", cwd=tmp_path)
    assert again.returncode == 1 and "podgen: nothing podgen can fix" in again.stderr, again.stderr
    assert run_podgen("lint", "compose.yaml", cwd=tmp_path).returncode == 1


def test_anchor_and_merge_keys(tmp_path):
    text = textwrap.dedent("""\
        x-base: &base
          image: registry.example/app:1
          ports:
            - "80:8080"
        services:
          one:
            <<: *base
            environment:
              A: "1"
          two:
            image: registry.example/two:1
            ports: &shared
              - 443:8443
          three:
            image: registry.example/three:1
            ports: *shared
        """)
    result = fixed(tmp_path, text, select=("PG101",))
    # the anchor's port is fixed once, where it is written; the alias and merge key stay
    assert changed_lines(text, result.text) == [('    - "80:8080"', '    - "8080:8080"')]
    # one port item shared by two services cannot move to two different ports: reported
    assert sum("is shared by several services" in m for m in result.messages) == 2
    loaded = YAML(typ="safe").load(result.text)
    assert loaded["services"]["one"]["ports"] == ["8080:8080"]
    assert loaded["services"]["three"]["ports"] == ["443:8443"]


# --- the command: --diff, -o, in place ------------------------------------------------------------------

PORT_80 = 'services:\n  web:\n    image: x\n    ports:\n      - "80:8080"   # web\n'


def test_diff_exits_1_and_leaves_the_file(tmp_path):
    (tmp_path / "compose.yaml").write_text(PORT_80, encoding="utf-8")
    result = run_podgen("fix", "--diff", "compose.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == (
        "--- a/compose.yaml\n"
        "+++ b/compose.yaml\n"
        "@@ -2,4 +2,4 @@\n"
        "   web:\n"
        "     image: x\n"
        "     ports:\n"
        '-      - "80:8080"   # web\n'
        '+      - "8080:8080"   # web\n')
    assert "fixed: 5:9: PG101 publish on host port 8080 instead of 80" in result.stderr
    assert (tmp_path / "compose.yaml").read_text(encoding="utf-8") == PORT_80


def test_diff_exits_0_when_clean(tmp_path):
    (tmp_path / "compose.yaml").write_text(PORT_80.replace('"80:', '"8080:'), encoding="utf-8")
    result = run_podgen("fix", "--diff", "compose.yaml", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")


def test_in_place_and_then_clean(tmp_path):
    (tmp_path / "compose.yaml").write_text(PORT_80, encoding="utf-8")
    result = run_podgen("fix", "compose.yaml", cwd=tmp_path)
    assert result.returncode == 0 and "podgen: wrote compose.yaml" in result.stderr
    assert (tmp_path / "compose.yaml").read_text(encoding="utf-8") == PORT_80.replace('"80:', '"8080:')
    again = run_podgen("fix", "compose.yaml", cwd=tmp_path)
    assert again.returncode == 0 and "podgen: nothing to fix" in again.stderr
    assert run_podgen("lint", "compose.yaml", cwd=tmp_path).returncode == 0


def test_output_to_another_file(tmp_path):
    (tmp_path / "compose.yaml").write_text(PORT_80, encoding="utf-8")
    result = run_podgen("fix", "compose.yaml", "-o", "fixed.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "compose.yaml").read_text(encoding="utf-8") == PORT_80
    assert (tmp_path / "fixed.yaml").read_text(encoding="utf-8") == PORT_80.replace('"80:', '"8080:')
    # nothing to fix: -o still gets the (unchanged) file, so scripts can rely on it
    (tmp_path / "clean.yaml").write_text(PORT_80.replace('"80:', '"8080:'), encoding="utf-8")
    result = run_podgen("fix", "clean.yaml", "--output", "copy.yaml", cwd=tmp_path)
    assert result.returncode == 0
    assert (tmp_path / "copy.yaml").read_text(encoding="utf-8") == PORT_80.replace('"80:', '"8080:')


def test_fix_keeps_the_file_mode(tmp_path):
    path = tmp_path / "compose.yaml"
    path.write_text(PORT_80, encoding="utf-8")
    os.chmod(path, 0o640)
    assert run_podgen("fix", "compose.yaml", cwd=tmp_path).returncode == 0
    assert (path.stat().st_mode & 0o777) == 0o640


def test_bad_input_exits_2(tmp_path):
    (tmp_path / "compose.yaml").write_text("services: [\n", encoding="utf-8")
    result = run_podgen("fix", "compose.yaml", cwd=tmp_path)
    assert result.returncode == 2 and "YAML syntax error" in result.stderr
    assert run_podgen("fix", "missing.yaml", cwd=tmp_path).returncode == 2


def test_override_file_is_fixed_on_top_of_its_base(tmp_path):
    (tmp_path / "compose.yaml").write_text(PORT_80, encoding="utf-8")
    override = 'services:\n  web:\n    ports: ["443:8443"]\n'
    (tmp_path / "compose.override.yaml").write_text(override, encoding="utf-8")
    result = run_podgen("fix", "--diff", "compose.override.yaml", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert '+    ports: ["8443:8443"]' in result.stdout
    assert "compose.yaml" not in result.stdout.replace("compose.override.yaml", "")


# --- the original is never damaged ---------------------------------------------------------------------

def test_write_failure_leaves_the_original(tmp_path, monkeypatch):
    path = tmp_path / "compose.yaml"
    path.write_text(PORT_80, encoding="utf-8")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OutputError, match="No space left on device"):
        write_atomic(str(path), "services: {}\n")
    assert path.read_text(encoding="utf-8") == PORT_80
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compose.yaml"]     # no temporary file left


def test_unwritable_output_exits_2_and_leaves_the_original(tmp_path):
    (tmp_path / "compose.yaml").write_text(PORT_80, encoding="utf-8")
    result = run_podgen("fix", "compose.yaml", "-o", "no/such/dir/out.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "compose.yaml").read_text(encoding="utf-8") == PORT_80
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compose.yaml"]


def test_output_onto_a_directory_exits_2(tmp_path):
    (tmp_path / "compose.yaml").write_text(PORT_80, encoding="utf-8")
    (tmp_path / "out").mkdir()
    result = run_podgen("fix", "compose.yaml", "-o", "out", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (tmp_path / "compose.yaml").read_text(encoding="utf-8") == PORT_80


# --- stability ---------------------------------------------------------------------------------------

def assert_stable(tmp_path: Path, text: str, **kw):
    first = fixed(tmp_path, text, **kw)
    second = fixed(tmp_path, first.text, **kw)
    assert second.text == first.text, "fixing the fixed file changed it again"
    # what the second run reports as impossible (a ${VAR}, a shared anchor) may stay; nothing else
    refused = {m.split(" ")[2].rstrip(":") for m in second.messages if m.startswith("not fixed: ")}
    left = [f"{d.span.line}:{d.span.col} {d.code}" for d in lint_diags(tmp_path, first.text, **kw)
            if d.fix is not None and d.fix.source_edits and f"{d.span.line}:{d.span.col}" not in refused]
    assert not left, f"fixable findings left after podgen fix: {left}"
    return first


EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*/compose.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_examples_are_stable(tmp_path, example):
    for extra in example.parent.iterdir():
        if extra.name != "compose.yaml" and extra.name != "expected":
            target = tmp_path / extra.name
            if extra.is_dir():
                import shutil
                shutil.copytree(extra, target)
            else:
                target.write_bytes(extra.read_bytes())
    assert_stable(tmp_path, example.read_text(encoding="utf-8"))


def test_layout_sample_is_stable(tmp_path):
    assert_stable(tmp_path, LAYOUT)


_PORT = st.tuples(st.sampled_from([22, 53, 80, 443, 1023, 1024, 3000, 8080]),
                  st.sampled_from([80, 443, 5432, 8080]),
                  st.sampled_from(["", "/tcp", "/udp"]),
                  st.sampled_from(["", "127.0.0.1:"]),
                  st.sampled_from(['"', "'", ""]))


@st.composite
def compose_files(draw):
    indent = draw(st.sampled_from([2, 4]))
    dash = draw(st.sampled_from([0, 2]))
    flow = draw(st.booleans())
    pad = " " * indent
    lines = ["# generated", "services:"]
    seen = set()
    for s in range(draw(st.integers(1, 3))):
        lines.append(f"{pad}svc{s}:   # service {s}")
        lines.append(f"{pad * 2}image: registry.example/svc{s}:1")
        ports = draw(st.lists(_PORT, min_size=1, max_size=3))
        items = []
        for host, container, proto, ip, quote in ports:
            if (ip, host, proto) in seen:
                continue
            seen.add((ip, host, proto))
            spec = f"{ip}{host}:{container}{proto}"
            if not quote and ip:
                quote = '"'
            items.append(f"{quote}{spec}{quote}")
        if not items:
            continue
        if flow:
            lines.append(f"{pad * 2}ports: [ {', '.join(items)} ]")
        else:
            lines.append(f"{pad * 2}ports:")
            lines.extend(f"{pad * 2}{' ' * dash}- {item}   # port" for item in items)
        lines.append(f"{pad * 2}environment:")
        lines.append(f"{pad * 3}KEEP: 'me'")
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=compose_files())
def test_property_fix_is_stable_and_touches_only_ports(tmp_path, text):
    first = assert_stable(tmp_path, text, select=("PG101",), unsafe_fixes=True)    # 53 is DNS's: unsafe
    before, after = text.splitlines(), first.text.splitlines()
    assert len(before) == len(after)
    for old, new in zip(before, after):
        if old != new:
            assert "ports" in old or old.lstrip().startswith("- "), (old, new)
    assert not [d for d in lint_diags(tmp_path, first.text, select=("PG101",))]


def test_diff_names_the_file_as_given_so_that_it_applies(tmp_path):
    sub = tmp_path / "deploy"
    sub.mkdir()
    (sub / "compose.yaml").write_text('services:\n  web:\n    image: x\n    ports: ["80:8080"]\n', encoding="utf-8")
    diff = run_podgen("fix", "deploy/compose.yaml", "--diff", "--podman-version", "5.4", cwd=tmp_path)
    assert diff.stdout.startswith("--- a/deploy/compose.yaml\n+++ b/deploy/compose.yaml\n"), diff.stdout
    applied = subprocess.run(["git", "apply", "-"], cwd=tmp_path, input=diff.stdout, text=True,
                             capture_output=True)
    assert applied.returncode == 0, applied.stderr
    assert '"8080:8080"' in (sub / "compose.yaml").read_text(encoding="utf-8")
