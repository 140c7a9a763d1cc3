"""PG202 links: a link alias becomes a network alias of the target."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import fix_twice
from realpodman import run_quadlet

LINKS = """\
name: demo
services:
  web:
    image: app
    links:
      - db:database
      - cache
  db:
    image: postgres
  cache:
    image: redis
"""


def test_alias_fires_on_the_item(tmp_path):
    diags = lint_diags(tmp_path, LINKS, select=["PG202"])
    assert [f"{d.span.line}:{d.span.col} {d.code}" for d in diags] == ["6:9 PG202"]
    assert "'database'" in diags[0].message


@pytest.mark.parametrize("links", ["[db]", "[db:db]", "[db:pg]"])
def test_near_misses(tmp_path, links):
    # a plain link (the service name resolves), or an alias the target already has
    text = LINKS.replace("    links:\n      - db:database\n      - cache\n", f"    links: {links}\n").replace(
        "    image: postgres\n", "    image: postgres\n    container_name: pg\n")
    assert lint_text(tmp_path, text, select=["PG202"]) == []


def test_existing_network_alias_counts(tmp_path):
    text = LINKS.replace("    image: postgres\n", "    image: postgres\n    networks:\n      default:\n"
                                                 "        aliases: [database]\n")
    assert lint_text(tmp_path, text, select=["PG202"]) == []


def test_no_shared_network_is_reported_without_fix(tmp_path):
    text = LINKS.replace("    image: postgres\n", "    image: postgres\n    networks: [back]\n") + \
        "networks:\n  back: {}\n"
    diags = lint_diags(tmp_path, text, select=["PG202"])
    assert [(d.span.line, d.span.col, d.fix) for d in diags] == [(6, 9, None)]
    assert "share no network" in diags[0].message


def test_convert_adds_the_alias_to_the_target(tmp_path):
    result = convert_text(tmp_path, LINKS)
    db = unit(result, "demo-db.container")
    assert keys(db, "Network") == ["demo_default.network:alias=db,alias=database"]
    assert "changed networks: default without alias database -> alias=database (PG202" in db
    web = unit(result, "demo-web.container")
    assert keys(web, "Wants") == ["demo-db.service", "demo-cache.service"]
    assert keys(web, "After") == ["demo-db.service", "demo-cache.service"]
    assert keys(web, "Network") == ["demo_default.network:alias=web"]


def test_convert_uses_the_first_shared_network(tmp_path):
    text = """\
name: demo
services:
  web:
    image: app
    networks: [front, back]
    links: ["db:database"]
  db:
    image: postgres
    networks: [back, front]
networks:
  front: {}
  back: {}
"""
    db = unit(convert_text(tmp_path, text), "demo-db.container")
    assert keys(db, "Network") == ["demo_back.network:alias=db", "demo_front.network:alias=db,alias=database"]


def test_script_adds_the_alias(tmp_path):
    script = convert_text(tmp_path, LINKS, fmt="script").files[0].text
    assert "--network=demo_default:alias=db,alias=database" in script
    assert "--link" not in script


def test_fix_adds_the_alias_in_the_compose_file(tmp_path):
    fixed = fix_twice(tmp_path, LINKS)
    assert "  db:\n    image: postgres\n    networks:\n      default:\n        aliases:\n          - database\n" \
        in fixed
    assert "      - db:database\n" in fixed          # docker compose keeps using links for start order
    assert lint_text(tmp_path, fixed, select=["PG202"]) == []


def test_fix_turns_a_network_list_into_a_mapping(tmp_path):
    text = LINKS.replace("    image: app\n", "    image: app\n    networks: [default, x]\n").replace(
        "    image: postgres\n", "    image: postgres\n    networks: [x, default]\n") + "networks:\n  x: {}\n"
    fixed = fix_twice(tmp_path, text)
    assert "    networks:\n      x:\n      default:\n        aliases:\n          - database\n" in fixed


@pytest.mark.quadlet
def test_fixed_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    result = convert_text(tmp_path, LINKS)
    proc = run_quadlet(quadlet_generator, result.files, tmp_path / "units")
    assert "--network demo_default:alias=db,alias=database" in proc.stdout


def test_linker_in_another_services_namespace_uses_its_networks(tmp_path):
    text = """\
name: demo
services:
  vpn:
    image: vpn
  web:
    image: app
    network_mode: service:vpn
    links: ["db:database"]
  db:
    image: postgres
"""
    assert lint_text(tmp_path, text, select=["PG202"]) == ["8:13 PG202"]
    db = unit(convert_text(tmp_path, text), "demo-db.container")
    assert keys(db, "Network") == ["demo_default.network:alias=db,alias=database"]


def test_podman_network_is_left_to_pg201(tmp_path):
    text = """\
name: demo
services:
  web:
    image: app
    networks: [podman]
    links: ["db:database"]
  db:
    image: postgres
    networks: [podman]
networks:
  podman:
    external: true
"""
    diags = lint_diags(tmp_path, text, select=["PG202"])
    assert [(d.span.line, d.fix.source_edits) for d in diags] == [(6, ())]
    assert "no network with DNS" in diags[0].message
    # convert applies PG201 first (both join demo_default), then the alias goes there
    db = unit(convert_text(tmp_path, text), "demo-db.container")
    assert keys(db, "Network") == ["demo_default.network:alias=db,alias=database"]


def test_network_mode_bridge_link_alias_lands_on_the_project_network(tmp_path):
    # the seed article's legacy stack: both on Docker's default bridge, linked with an alias
    text = """\
name: demo
services:
  web:
    image: app
    network_mode: bridge
    links: ["db:database"]
  db:
    image: postgres
    network_mode: bridge
"""
    (diag,) = lint_diags(tmp_path, text, select=["PG202"])
    assert (diag.span.line, diag.span.col) == (6, 13)
    assert diag.fix is not None and "PG201 moves" in diag.notes[0]
    result = convert_text(tmp_path, text)
    assert keys(unit(result, "demo-db.container"), "Network") == ["demo_default.network:alias=db,alias=database"]
    # only db on the bridge: PG201 moves it to web's network, where the alias then goes
    one = text.replace("    network_mode: bridge\n", "", 1)
    db = unit(convert_text(tmp_path, one), "demo-db.container")
    assert keys(db, "Network") == ["demo_default.network:alias=db,alias=database"]
    # on separate networks of their own: nothing to put the alias on
    apart = one.replace("    network_mode: bridge\n", "    networks: [back]\n") + "networks:\n  back: {}\n"
    (diag,) = lint_diags(tmp_path, apart, select=["PG202"])
    assert diag.fix is None and "common network" in diag.notes[0]
