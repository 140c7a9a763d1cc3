"""What convert repairs and what it leaves alone."""
from __future__ import annotations

from cli_run import run_podgen
from helpers import convert_text, keys, unit


def test_a_suppressed_finding_is_not_repaired(tmp_path):
    result = convert_text(tmp_path, """\
        name: p
        services:
          web:
            image: nginx
            ports:
              - "80:80"   # podgen: ignore[PG101]  (the host lowered ip_unprivileged_port_start)
              - "443:443"
        """)
    assert keys(unit(result, "p-web.container"), "PublishPort") == ["80:80", "8443:443"]
    assert [d.code for d in result.diagnostics if d.code == "PG101"] == ["PG101"]


def test_ports_of_host_network_services_are_not_remapped(tmp_path):
    result = convert_text(tmp_path, """\
        name: p
        services:
          web: {image: nginx, network_mode: host, ports: ["80:80"]}
        """)
    assert not [d for d in result.diagnostics if d.code == "PG101"]
    assert keys(unit(result, "p-web.container"), "PublishPort") == []


def test_check_does_not_depend_on_how_the_output_path_was_typed(tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  a: {image: busybox}\n")
    out = tmp_path / "units"
    assert run_podgen("convert", "compose.yaml", "-o", "units", "--podman-version", "5.4",
                      cwd=tmp_path).returncode == 0
    proc = run_podgen("convert", "compose.yaml", "-o", str(out) + "/", "--check", "--podman-version", "5.4",
                      cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


UNREPAIRABLE = """\
name: p
services:
  db:
    image: postgres
    networks:
      back:
        ipv4_address: 10.5.0.300
networks:
  back: {}
"""


def test_unrepaired_errors_are_counted_and_fail_only_with_fail_on(tmp_path):
    (tmp_path / "compose.yaml").write_text(UNREPAIRABLE, encoding="utf-8")
    plain = run_podgen("convert", "compose.yaml", "--podman-version", "5.4", "-o", "out", cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert "podgen: 1 error(s) not repaired (listed above)" in plain.stderr
    strict = run_podgen("convert", "compose.yaml", "--podman-version", "5.4", "-o", "out2", "--fail-on", "error",
                        cwd=tmp_path)
    assert strict.returncode == 1 and (tmp_path / "out2" / "p-db.container").exists(), strict.stderr
    stdout = run_podgen("convert", "compose.yaml", "--podman-version", "5.4", "-q", "--fail-on", "error",
                        cwd=tmp_path)
    assert stdout.returncode == 1 and stdout.stdout.startswith("### p_back.network\n"), stdout.stdout[:80]


def test_repaired_errors_do_not_count(tmp_path):
    (tmp_path / "compose.yaml").write_text("name: p\nservices:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n",
                                           encoding="utf-8")
    res = run_podgen("convert", "compose.yaml", "--podman-version", "5.4", "-q", "--fail-on", "error", cwd=tmp_path)
    assert res.returncode == 0 and "not repaired" not in res.stderr, res.stderr


def test_a_project_without_anything_to_convert_prints_nothing(tmp_path):
    """`{}` is a valid (empty) project: no units, exit 0, no crash (found by tests/test_fuzz.py)."""
    (tmp_path / "compose.yaml").write_text("{}\n", encoding="utf-8")
    res = run_podgen("convert", "compose.yaml", "--podman-version", "5.4", cwd=tmp_path)
    assert (res.returncode, res.stdout) == (0, ""), res.stderr
    assert "internal error" not in res.stderr
