"""PG505 selinux-private-label-shared: one bind source, a private :Z label, several services."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import doc_example
from realpodman import run_quadlet

THREE = """\
services:
  app:
    image: app
    volumes:
      - ./shared:/data:Z
  worker:
    image: worker
    volumes:
      - ./shared/:/data:Z
      - ./shared:/again:Z
  cron:
    image: cron
    volumes:
      - type: bind
        source: ./shared
        target: /data
        bind:
          selinux: z
"""


def test_fires_at_each_later_service_naming_the_first(tmp_path):
    assert lint_text(tmp_path, THREE, select=["PG505"]) == ["9:9 PG505", "14:9 PG505"]
    diags = lint_diags(tmp_path, THREE, select=["PG505"])
    assert diags[0].service == "worker" and diags[1].service == "cron"
    shared = tmp_path / "shared"
    assert f"service 'worker' mounts {shared}, which service 'app' also mounts (compose.yaml:5)" in diags[0].message
    assert "'app', 'worker' label it private (:Z)" in diags[0].message
    assert diags[0].notes == (f"use the shared label :z on every mount of {shared}",)
    assert diags[0].severity.label == "info"


def test_one_private_label_is_enough(tmp_path):
    text = ("services:\n  a:\n    image: a\n    volumes: [\"/srv/x:/x:z\"]\n"
            "  b:\n    image: b\n    volumes: [\"/srv/x:/x:Z\"]\n")
    assert lint_text(tmp_path, text, select=["PG505"]) == ["7:15 PG505"]
    assert "'b' labels it private" in lint_diags(tmp_path, text, select=["PG505"])[0].message


def test_rootful_too(tmp_path):
    assert lint_text(tmp_path, THREE, select=["PG505"], rootless=False) == ["9:9 PG505", "14:9 PG505"]


@pytest.mark.parametrize("first, second", [
    ("/srv/x:/x:z", "/srv/x:/x:z"),         # the shared label on both
    ("/srv/x:/x", "/srv/x:/x"),             # no label at all
    ("/srv/x:/x:z", "/srv/y:/x:Z"),         # another source
    ("/srv/x:/x:z", "/srv/x/sub:/x:Z"),     # a directory inside it is not compared
])
def test_near_misses(tmp_path, first, second):
    text = (f"services:\n  a:\n    image: a\n    volumes: [\"{first}\"]\n"
            f"  b:\n    image: b\n    volumes: [\"{second}\"]\n")
    assert lint_text(tmp_path, text, select=["PG505"]) == []


def test_one_service_mounting_it_twice_is_fine(tmp_path):
    text = "services:\n  a:\n    image: a\n    volumes: [\"/srv/x:/x:Z\", \"/srv/x:/y:Z\"]\n"
    assert lint_text(tmp_path, text, select=["PG505"]) == []


def test_doc_example_fires(tmp_path):
    assert lint_text(tmp_path, doc_example("PG505"), select=["PG505"]) == ["7:15 PG505"]


# --- API socket mounts run without SELinux labelling ---------------------------------------------

SOCKET = """\
name: demo
services:
  proxy:
    image: traefik
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
      - ./conf:/conf
  web:
    image: nginx
    volumes: ["./conf:/conf"]
"""


def test_socket_mounts_get_label_disable(tmp_path):
    result = convert_text(tmp_path, SOCKET)
    proxy = unit(result, "demo-proxy.container")
    assert keys(proxy, "SecurityLabelDisable") == ["true"]
    lines = proxy.splitlines()
    why = lines[lines.index("SecurityLabelDisable=true") - 1]
    assert why.startswith("# ") and "SELinux" in why and "socket" in why
    assert "SecurityLabel" not in unit(result, "demo-web.container")
    # before Quadlet 4.5 the key does not exist: the podman option instead
    old = unit(convert_text(tmp_path, SOCKET, version=(4, 4, 0)), "demo-proxy.container")
    assert "PodmanArgs=--security-opt=label=disable" in old and "SecurityLabelDisable" not in old.replace(
        "# SecurityLabelDisable", "")
    script = convert_text(tmp_path, SOCKET, fmt="script", version=(4, 3, 1)).files[0].text
    assert script.count("--security-opt=label=disable") == 1


@pytest.mark.parametrize("compose", [
    SOCKET.replace("docker.sock:ro", "docker.sock:ro  # podgen: ignore[PG601]"),      # the Docker socket kept
    SOCKET.replace("/var/run/docker.sock:/var/run", "/run/user/1000/podman/podman.sock:/var/run"),
])
def test_any_api_socket(tmp_path, compose):
    assert keys(unit(convert_text(tmp_path, compose), "demo-proxy.container"), "SecurityLabelDisable") == ["true"]


def test_an_explicit_label_option_wins(tmp_path):
    text = SOCKET.replace("    image: traefik\n",
                          "    image: traefik\n    security_opt: [\"label=type:container_runtime_t\"]\n")
    proxy = unit(convert_text(tmp_path, text), "demo-proxy.container")
    assert "label=disable" not in proxy and "SecurityLabelDisable" not in proxy
    assert "label=type:container_runtime_t" in proxy


@pytest.mark.quadlet
def test_real_quadlet_passes_label_disable(tmp_path, quadlet_generator):
    proc = run_quadlet(quadlet_generator, convert_text(tmp_path, SOCKET).files, tmp_path / "units")
    assert "--security-opt label=disable" in proc.stdout, proc.stdout[-3000:]


def test_corpus_findings():
    """supabase mounts ./volumes/functions with :Z in studio and in functions (its storage uses :z)."""
    from corpus_util import CORPUS, entries
    from podgen.api import Options, lint
    from podgen.errors import PodgenError
    from podgen.target import Target
    if not (CORPUS / "MANIFEST.tsv").exists():
        pytest.skip("corpus not found")
    found = []
    for entry in entries():
        if entry.loaded not in ("loaded", "loaded_with_dummy_env"):
            continue
        try:
            result = lint(Options(files=entry.files, cwd=str(entry.cwd), select=("PG505",),
                                  environ={"PATH": "/usr/bin:/bin", "HOME": "/home/user", **entry.env},
                                  target=Target(podman=(5, 4, 0))))
        except PodgenError:
            continue
        found += [f"{entry.name} {d.span.line}:{d.span.col} {d.service}" for d in result.diagnostics]
    assert found == ["supabase__docker-compose/ 397:9 functions"]
