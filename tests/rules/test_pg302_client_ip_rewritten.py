"""PG302 client-ip-rewritten: proxies, mail and DNS servers published on a rootless bridge network."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import assert_quadlet_accepts, convert_example, doc_example, doc_sections_ok
from podgen.rules.pg302_client_ip_rewritten import client_kind, image_words

PROXY = """\
name: edge
services:
  proxy:
    image: docker.io/library/traefik:v3.1
    ports:
      - "8443:443"
      - "8080:80"
  db:
    image: postgres:16
    ports: ["5432:5432"]
"""

MAIL = """\
name: mail
services:
  smtp:
    image: example/relay
    ports:
      - "8025:8025"
      - "2525:25"
"""


def test_fires_on_the_first_published_port_of_a_proxy(tmp_path):
    assert lint_text(tmp_path, PROXY, select=["PG302"]) == ["6:9 PG302"]


def test_database_on_a_bridge_network_does_not_fire(tmp_path):
    text = PROXY.replace("docker.io/library/traefik:v3.1", "docker.io/library/redis:7")
    assert lint_text(tmp_path, text, select=["PG302"]) == []


def test_mail_port_fires_whatever_the_image(tmp_path):
    assert lint_text(tmp_path, MAIL, select=["PG302"]) == ["7:9 PG302"]
    (diag,) = lint_diags(tmp_path, MAIL, select=["PG302"])
    assert "(mail server)" in diag.message


def test_dns_port_fires_whatever_the_image(tmp_path):
    text = "services:\n  resolver:\n    image: example/resolver\n    ports:\n      - 53:53/udp\n"
    (diag,) = lint_diags(tmp_path, text, select=["PG302"])
    assert (diag.span.line, diag.span.col) == (5, 9)
    assert "(DNS server)" in diag.message
    # a DNS client port elsewhere does not make a server
    near = "services:\n  app:\n    image: example/app\n    ports:\n      - 8053:5353/udp\n"
    assert lint_text(tmp_path, near, select=["PG302"]) == []


@pytest.mark.parametrize("image,kind", [
    ("jc21/nginx-proxy-manager:latest", "reverse proxy / web server"),
    ("lscr.io/linuxserver/swag", "reverse proxy / web server"),
    ("caddy:2-alpine", "reverse proxy / web server"),
    ("haproxy:2.9", "reverse proxy / web server"),
    ("envoyproxy/envoy:v1.30-latest", "reverse proxy / web server"),
    ("ghcr.io/docker-mailserver/docker-mailserver:14", "mail server"),
    ("ghcr.io/mailcow/mailcow-dockerized/postfix-mailcow:1.88", "mail server"),
    ("pihole/pihole:latest", "DNS server"),
    ("adguard/adguardhome", "DNS server"),
    ("mvance/unbound:1.20", "DNS server"),
    ("internetsystemsconsortium/bind9:9.18", "DNS server"),
    ("nginx/nginx-prometheus-exporter:1.1", None),
    ("apache/kafka:3.7", None),
    ("postgres:16", None),
])
def test_image_classification(image, kind):
    class Svc:
        ports: list = []
    svc = Svc()
    svc.image = image
    assert client_kind(svc) == kind, image_words(image)


def test_pasta_and_host_keep_the_client_address(tmp_path):
    for mode in ("pasta", "host", '"slirp4netns:port_handler=slirp4netns"'):
        text = PROXY.replace("    ports:\n      - \"8443", f"    network_mode: {mode}\n    ports:\n      - \"8443")
        assert lint_text(tmp_path, text, select=["PG302"]) == [], mode


def test_slirp4netns_default_port_handler_rewrites(tmp_path):
    text = PROXY.replace("    ports:\n      - \"8443", "    network_mode: slirp4netns\n    ports:\n      - \"8443")
    assert lint_text(tmp_path, text, select=["PG302"], version=(4, 9, 0)) == ["7:9 PG302"]


def test_rootful_does_not_fire(tmp_path):
    assert lint_text(tmp_path, PROXY, select=["PG302"], rootless=False) == []


def test_macvlan_only_service_does_not_fire(tmp_path):
    text = ("services:\n  proxy:\n    image: traefik\n    ports: [\"8443:443\"]\n    networks: [lan]\n"
            "networks:\n  lan:\n    driver: macvlan\n")
    assert lint_text(tmp_path, text, select=["PG302"]) == []
    assert lint_text(tmp_path, text.replace("macvlan", "bridge"), select=["PG302"]) == ["4:13 PG302"]


@pytest.mark.parametrize("version,advice", [((5, 4, 0), "network_mode: pasta"),
                                            ((4, 9, 0), 'network_mode: "slirp4netns:port_handler=slirp4netns"')])
def test_advice_depends_on_the_podman_version(tmp_path, version, advice):
    (diag,) = lint_diags(tmp_path, PROXY, select=["PG302"], version=version)
    assert advice in diag.notes[0]
    other = "slirp4netns" if version[0] == 5 else "pasta"
    assert other not in diag.notes[0]


def test_convert_puts_the_warning_next_to_the_port(tmp_path):
    result = convert_text(tmp_path, PROXY)
    proxy = unit(result, "edge-proxy.container").splitlines()
    at = proxy.index("PublishPort=8443:443")
    assert proxy[at - 1].startswith("# PG302: service 'proxy' (reverse proxy / web server) publishes ports")
    assert keys(unit(result, "edge-proxy.container"), "Network") == ["edge_default.network:alias=proxy"]
    assert "PG302" not in unit(result, "edge-db.container")


def test_documentation_and_example(tmp_path):
    assert doc_sections_ok("PG302")
    assert lint_text(tmp_path, doc_example("PG302"), select=["PG302"]) == ["4:13 PG302"]


@pytest.mark.quadlet
def test_example_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    assert_quadlet_accepts(tmp_path, convert_example(tmp_path, "PG302"), quadlet_generator)
