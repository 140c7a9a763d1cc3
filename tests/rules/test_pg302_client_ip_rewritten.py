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


# the issue's services: their servers know clients by address, and the clients cannot choose a port
PROTOCOLS = """\
services:
  syslog:
    image: example/collector
    ports: ["514:514/udp", "514:514/tcp"]
  traps:
    image: example/traps
    ports: ["162:162/udp"]
  ntp:
    image: example/time
    ports: ["123:123/udp"]
  radius:
    image: example/aaa
    ports: ["1812:1812/udp", "1813:1813/udp"]
  dns:
    image: example/resolver
    ports: ["53:53/udp"]
  smtp:
    image: example/relay
    ports: ["25:25"]
  tls-syslog:
    image: example/collector
    ports: ["8080:8080", "6514:6514"]
  flows:
    image: example/collector
    ports: ["2055:2055/udp"]
  remapped:
    image: example/collector
    ports: ["8514:514/udp"]
"""


def test_protocol_ports_of_the_issue_fire(tmp_path):
    diags = lint_diags(tmp_path, PROTOCOLS, select=["PG302"])
    got = {d.service: ((d.span.line, d.span.col), d.message) for d in diags}
    expected = {"syslog": ((4, 13), "(syslog server) publishes 514:514/udp"),
                "traps": ((7, 13), "(SNMP trap receiver) publishes 162:162/udp"),
                "ntp": ((10, 13), "(NTP server) publishes 123:123/udp"),
                "radius": ((13, 13), "(RADIUS server) publishes 1812:1812/udp"),
                "dns": ((16, 13), "(DNS server) publishes 53:53/udp"),
                "smtp": ((19, 13), "(mail server) publishes 25:25 "),
                "tls-syslog": ((22, 26), "(syslog server) publishes 6514:6514 "),   # not the web port first
                "flows": ((25, 13), "(flow collector) publishes 2055:2055/udp"),
                "remapped": ((28, 13), "(syslog server) publishes 8514:514/udp")}
    assert set(got) == set(expected)
    for name, (at, text) in expected.items():
        assert got[name][0] == at, name
        assert text in got[name][1], got[name][1]
        assert "port forwarder (rootlessport) replaces each" in got[name][1]
    radius = next(d for d in diags if d.service == "radius")
    assert "unknown client" in radius.message


def test_protocol_port_advice_lowers_the_port_start_for_low_ports(tmp_path):
    diags = {d.service: d for d in lint_diags(tmp_path, PROTOCOLS, select=["PG302"])}
    syslog = diags["syslog"]
    assert syslog.notes[0].startswith("give 'syslog' network_mode: pasta (keeps the client address)")
    assert "lower net.ipv4.ip_unprivileged_port_start to 514 first (PG101)" in syslog.notes[1]
    assert "rootful" in syslog.notes[1]
    # 1812 needs no sysctl
    assert not any("ip_unprivileged_port_start" in n for n in diags["radius"].notes)


def test_protocol_port_near_misses(tmp_path):
    near = """\
services:
  web:
    image: example/app
    ports: ["8514:8514", "8123:8080", "1812:8080"]
  ntp-over-tcp:
    image: example/app
    ports: ["123:123/tcp", "25:25/udp"]
  exporter:
    image: example/syslog-exporter
    ports: ["9514:9514"]
"""
    assert lint_text(tmp_path, near, select=["PG302"]) == []


def test_a_proxy_on_80_is_still_reported_as_before(tmp_path):
    text = "services:\n  proxy:\n    image: nginx\n    ports: [\"80:80\"]\n"
    (diag,) = lint_diags(tmp_path, text, select=["PG302"])
    assert (diag.span.line, diag.span.col) == (4, 13)
    assert "(reverse proxy / web server) publishes ports on a rootless bridge network" in diag.message


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
    ("balabit/syslog-ng:4.7.1", "syslog server"),
    ("rsyslog/syslog_appliance_alpine", "syslog server"),
    ("cturra/ntp:latest", "NTP server"),
    ("freeradius/freeradius-server:3.2.3", "RADIUS server"),
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
