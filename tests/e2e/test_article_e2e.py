"""The seed article's scenarios, deployed from podgen's output on real rootless
Podman: Quadlet on 5.4, the script on 4.3 and 5.4.

1. A web server published on port 80 and a client reaching it by name on a
   user-defined network (examples/web-and-client, image swapped for the local
   busybox, published on 127.0.0.1 only): port 80 cannot be bound rootless,
   podgen publishes 8080; the client finds "web" through the network's DNS.
2. Docker's default bridge with legacy links (cases/bridge-links): podgen moves
   the services to the project network (PG201) and turns the link alias into
   a network alias (PG202).
"""

from __future__ import annotations

import pytest

from podgen_e2e import (EXAMPLES, http_get_loopback, probe_http, probe_resolves,
                        run_ok, skip_unless_port_free)

pytestmark = pytest.mark.e2e


def test_port_80_remapped_and_client_finds_web_by_name(deployment):
    d = deployment
    skip_unless_port_free(8080)
    # the example as it is, except for the image (no pulls here), the host
    # address of its published port (tests only ever listen on loopback) and a
    # short stop timeout: httpd and the shell loop ignore SIGTERM as PID 1
    conv = d.convert(EXAMPLES / "web-and-client", name="web-and-client", replace={
        '"80:80"': '"127.0.0.1:80:80"',
        "    image: docker.io/library/busybox:1.36\n": "    image: localhost/busybox:test\n    stop_grace_period: 1s\n",
    })
    assert "80:80 -> 8080:80" in conv.output.replace("127.0.0.1:", ""), conv.output
    d.up()
    web, client = d.container("web"), d.container("client")
    # the published port podgen chose answers on the host's loopback
    ports = run_ok(d.engine, f"podman port {web}")
    assert "80/tcp -> 127.0.0.1:8080" in ports, ports
    assert http_get_loopback(8080).strip() == "hello from web"
    # the client reaches the web server by its service name, as in the article
    probe_resolves(d.engine, client, ["web"])
    assert probe_http(d.engine, client, "http://web/").strip() == "hello from web"
    # and its own loop (wget http://web/ every 5 s) logged the page, not "unreachable"
    logs = run_ok(d.engine, f"""
i=0
while [ $i -lt 40 ]; do podman logs {client} 2>&1 | grep -q 'hello from web' && break; i=$((i+1)); sleep 0.25; done
podman logs {client} 2>&1""")
    assert "hello from web" in logs, logs
    d.finish(killed=("web", "client"))


def test_default_bridge_with_links(deployment):
    d = deployment
    conv = d.convert("bridge-links")
    # PG202 turns the link alias into a network alias on the project network PG201 moved both to
    assert "webalias" in "".join(conv.files.values())
    d.up()
    client = d.container("client")
    # PG201: both on a network with DNS, so the service name resolves
    probe_resolves(d.engine, client, ["web"])
    assert probe_http(d.engine, client, "http://web:8080/").strip() == "hello from legacy web"
    # PG202: the link alias resolves too
    probe_resolves(d.engine, client, ["webalias"])
    assert probe_http(d.engine, client, "http://webalias:8080/").strip() == "hello from legacy web"
    d.finish()
