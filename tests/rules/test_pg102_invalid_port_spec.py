"""PG102 invalid-port-spec: host range over one container port, unbracketed IPv6, rootless SCTP."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import assert_quadlet_accepts, fix_twice
from podgen.report.diagnostics import Severity

RANGE = """\
name: demo
services:
  web:
    image: nginx
    ports:
      - "8000-8010:80"
      - "9000:9000"
"""


def test_range_over_one_container_port_fires_on_the_item(tmp_path):
    assert lint_text(tmp_path, RANGE, select=["PG102"]) == ["6:9 PG102"]


def test_range_is_an_error_rootful_too(tmp_path):
    diags = lint_diags(tmp_path, RANGE, select=["PG102"], rootless=False)
    assert [(d.span.line, d.severity) for d in diags] == [(6, Severity.ERROR)]


@pytest.mark.parametrize("ports", ['"8000-8001:80-81"', '"8000:80"', '"80"', "{target: 80, published: 8000}",
                                   '"[::1]:6000:6000"', "{target: 80, host_ip: '::1', published: 6000}",
                                   '"127.0.0.1:8000:80/udp"'])
def test_near_misses(tmp_path, ports):
    text = f"services:\n  web:\n    image: nginx\n    ports:\n      - {ports}\n"
    assert lint_text(tmp_path, text, select=["PG102"]) == []


def test_convert_publishes_the_first_free_port_of_the_range(tmp_path):
    text = RANGE + "  api:\n    image: api\n    ports: [\"8000:81\"]\n"
    result = convert_text(tmp_path, text)
    assert keys(unit(result, "demo-web.container"), "PublishPort") == ["8001:80", "9000:9000"]
    assert keys(unit(result, "demo-api.container"), "PublishPort") == ["8000:81"]
    assert "changed ports: 8000-8010:80 -> 8001:80" in unit(result, "demo-web.container")


def test_rootless_pick_skips_privileged_ports(tmp_path):
    text = "name: demo\nservices:\n  web:\n    image: nginx\n    ports: [\"1000-1030:80\"]\n"
    assert keys(unit(convert_text(tmp_path, text), "demo-web.container"), "PublishPort") == ["1024:80"]
    assert keys(unit(convert_text(tmp_path, text, rootless=False), "demo-web.container"),
                "PublishPort") == ["1000:80"]


def test_script_gets_the_single_port(tmp_path):
    script = convert_text(tmp_path, RANGE, fmt="script").files[0].text
    assert "--publish=8000:80" in script and "8000-8010" not in script.split("#")[0]


def test_fix_rewrites_the_range_once(tmp_path):
    text = fix_twice(tmp_path, RANGE)
    assert '      - "8000:80"\n' in text
    assert '      - "9000:9000"\n' in text


def test_fix_long_syntax_range(tmp_path):
    text = fix_twice(tmp_path, "services:\n  web:\n    image: nginx\n    ports:\n"
                               "      - target: 80\n        published: \"8000-8010\"  # any\n")
    assert 'published: "8000"' in text and "# any" in text and "8010" not in text


IPV6 = """\
name: demo
services:
  web:
    image: nginx
    ports:
      - "::1:6000:6000/udp"
      - '::1:7000:7000'
"""


def test_unbracketed_ipv6_is_info_at_the_item(tmp_path):
    diags = lint_diags(tmp_path, IPV6, select=["PG102"])
    assert [f"{d.span.line}:{d.span.col} {d.code}" for d in diags] == ["6:9 PG102", "7:9 PG102"]
    assert all(d.severity is Severity.INFO for d in diags)
    assert "[::1]:6000:6000/udp" in diags[0].notes[0]


def test_unbracketed_ipv6_units_are_bracketed(tmp_path):
    result = convert_text(tmp_path, IPV6)
    assert keys(unit(result, "demo-web.container"), "PublishPort") == ["[::1]:6000:6000/udp", "[::1]:7000:7000"]


def test_fix_brackets_ipv6_keeping_quotes(tmp_path):
    text = fix_twice(tmp_path, IPV6)
    assert '      - "[::1]:6000:6000/udp"\n' in text
    assert "      - '[::1]:7000:7000'\n" in text


SCTP = """\
name: demo
services:
  diameter:
    image: hss
    ports: ["3868:3868", "3868:3868/sctp"]
"""


def test_sctp_rootless_is_an_error(tmp_path):
    diags = lint_diags(tmp_path, SCTP, select=["PG102"])
    assert [f"{d.span.line}:{d.span.col} {d.code}" for d in diags] == ["5:26 PG102"]
    assert diags[0].severity is Severity.ERROR
    assert "rootlessport spec was not validated?" in diags[0].message


def test_sctp_rootful_is_fine(tmp_path):
    assert lint_text(tmp_path, SCTP, select=["PG102"], rootless=False) == []


@pytest.mark.quadlet
def test_fixed_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    result = convert_text(tmp_path, RANGE + "      - \"::1:6000:6000/udp\"\n")
    assert keys(unit(result, "demo-web.container"), "PublishPort") == ["8000:80", "9000:9000",
                                                                       "[::1]:6000:6000/udp"]
    assert_quadlet_accepts(tmp_path, result, quadlet_generator)


def test_a_privileged_range_is_remapped_not_narrowed_to_a_privileged_port(tmp_path):
    # 80-81:80 narrowed to 80:80 would still fail rootless: PG102 remaps it as PG101 would
    text = "name: demo\nservices:\n  web:\n    image: nginx\n    ports:\n      - \"80-81:80\"\n"
    (diag,) = lint_diags(tmp_path, text, select=["PG102"])
    assert diag.fix.title == "publish on host port 8080 instead"
    assert "the whole range is below 1024" in diag.notes[0]
    result = convert_text(tmp_path, text)
    assert keys(unit(result, "demo-web.container"), "PublishPort") == ["8080:80"]
    # rootful, 80 of the range is fine
    (diag,) = lint_diags(tmp_path, text, select=["PG102"], rootless=False)
    assert diag.fix.title == "publish on host port 80 of the range"
