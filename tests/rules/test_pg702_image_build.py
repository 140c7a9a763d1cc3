"""PG702 image-build: the service builds its image; podgen names the image and the build command."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, unit
from netrules_util import assert_quadlet_accepts, doc_example
from podgen.report.diagnostics import Severity
from realpodman import exec_start_line, split_dryrun

BUILDS = """\
name: demo
services:
  app:
    build: ./app
  web:
    image: registry.example/web:2
    build:
      context: ./web
  db:
    image: registry.example/db:1
"""


def pg702(result) -> list:
    return [(d.span.line, d.span.col, d.service) for d in result.diagnostics if d.code == "PG702"]


def test_fires_on_each_build_key(tmp_path):
    result = convert_text(tmp_path, BUILDS)
    assert pg702(result) == [(4, 5, "app"), (7, 5, "web")]
    assert [d.code for d in result.diagnostics] == ["PG702", "PG702"]
    assert {(d.severity, d.name) for d in result.diagnostics} == {(Severity.INFO, "image-build")}


def test_message_gives_the_build_command(tmp_path):
    app, web = convert_text(tmp_path, BUILDS).diagnostics
    assert app.message == ("service 'app' builds its image; build it first with: "
                           f"podman build -t localhost/demo-app:latest {tmp_path / 'app'}")
    assert web.message == ("service 'web' builds its image; build it first with: "
                           f"podman build -t registry.example/web:2 {tmp_path / 'web'}")


def test_image_name_in_the_unit(tmp_path):
    result = convert_text(tmp_path, BUILDS)
    app = unit(result, "demo-app.container")
    assert keys(app, "Image") == ["localhost/demo-app:latest"]
    assert keys(unit(result, "demo-web.container"), "Image") == ["registry.example/web:2"]
    assert "# PG702: service 'app' builds its image; build it first with: podman build -t " in app


def test_doc_example(tmp_path):
    result = convert_text(tmp_path, doc_example("PG702"))
    assert [(d.code, d.span.line, d.span.col) for d in result.diagnostics] == [("PG702", 3, 5)]


def test_near_miss_image_only(tmp_path):
    text = "name: demo\nservices:\n  db:\n    image: registry.example/db:1\n    x-build: ./db\n"
    result = convert_text(tmp_path, text)
    assert result.diagnostics == []
    assert keys(unit(result, "demo-db.container"), "Image") == ["registry.example/db:1"]


def test_build_command_uses_the_dockerfile(tmp_path):
    text = ("name: demo\nservices:\n  web:\n    build:\n      context: ./web\n"
            "      dockerfile: Dockerfile.prod\n")
    (d,) = convert_text(tmp_path, text).diagnostics
    # `podman build CONTEXT` reads CONTEXT/Containerfile or CONTEXT/Dockerfile, not Dockerfile.prod
    assert "Dockerfile.prod" in d.message


@pytest.mark.quadlet
def test_converted_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    result = convert_text(tmp_path, BUILDS)
    stdout = assert_quadlet_accepts(tmp_path, result, quadlet_generator)
    service = split_dryrun(stdout)["demo-app.service"]
    exec_start = exec_start_line(service)
    assert exec_start.endswith(" localhost/demo-app:latest")


def test_build_command_carries_dockerfile_target_and_args(tmp_path):
    text = ("name: demo\nservices:\n  web:\n    build:\n      context: ./web\n"
            "      dockerfile: Dockerfile.prod\n      target: runtime\n      args:\n        VERSION: \"1.2 beta\"\n")
    (d,) = convert_text(tmp_path, text).diagnostics
    web = tmp_path / "web"
    assert d.message.endswith(f"podman build -t localhost/demo-web:latest -f {web}/Dockerfile.prod --target runtime "
                              f"'--build-arg=VERSION=1.2 beta' {web}")
