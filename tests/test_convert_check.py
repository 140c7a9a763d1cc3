"""``podgen convert --check -o DIR``: exit 1 naming the stale files, 0 when DIR is current.

What the ``podgen-units-up-to-date`` pre-commit hook runs (with the README's
``args: [compose.yaml, -o, quadlet/]``).  --check never writes anything.
"""
from __future__ import annotations

import os
import shlex
import textwrap
from pathlib import Path

from cli_run import run_podgen

COMPOSE = """\
name: shop
services:
  web:
    image: registry.example/web:1
    ports: ["8080:8080"]
    depends_on: [db]
  db:
    image: registry.example/db:1
    volumes: [data:/var/lib/db]
volumes:
  data:
"""
UNITS = ["shop-db.container", "shop-web.container", "shop_data.volume", "shop_default.network"]
V = ("--podman-version", "5.4")


def setup(tmp_path: Path, text: str = COMPOSE) -> Path:
    (tmp_path / "compose.yaml").write_text(text, encoding="utf-8")
    result = run_podgen("convert", "compose.yaml", "-o", "quadlet", *V, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(tmp_path / "quadlet")) == UNITS
    return tmp_path / "quadlet"


def check(tmp_path: Path, *extra):
    return run_podgen("convert", "compose.yaml", "-o", "quadlet", "--check", *V, *extra, cwd=tmp_path)


def snapshot(directory: Path) -> dict:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


def stale_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if "is out of date" in line]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_current_directory_exits_0(tmp_path):
    setup(tmp_path)
    result = check(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "podgen: quadlet is up to date" in result.stderr
    assert result.stdout == ""
    quiet = check(tmp_path, "--quiet")
    assert (quiet.returncode, quiet.stderr) == (0, "")


def test_changed_compose_file_names_the_stale_units(tmp_path):
    out = setup(tmp_path)
    before = snapshot(out)
    (tmp_path / "compose.yaml").write_text(COMPOSE.replace("web:1", "web:2"), encoding="utf-8")
    result = check(tmp_path)
    assert result.returncode == 1
    assert stale_line(result) == "podgen: quadlet is out of date: shop-web.container"
    assert "help: regenerate with: podgen convert compose.yaml -o quadlet --podman-version 5.4 --force" \
        in result.stderr
    assert snapshot(out) == before, "--check wrote something"


def test_removed_service_unit_counts_as_stale(tmp_path):
    out = setup(tmp_path)
    text = COMPOSE.replace("    depends_on: [db]\n", "").replace(
        "  db:\n    image: registry.example/db:1\n    volumes: [data:/var/lib/db]\n", "")
    (tmp_path / "compose.yaml").write_text(text, encoding="utf-8")
    result = check(tmp_path)
    assert result.returncode == 1
    stale = stale_line(result).split(": ", 2)[2].split(", ")
    assert "shop-db.container" in stale and "shop_data.volume" in stale
    assert (out / "shop-db.container").exists()
    # regenerating with --force removes it, and the directory is current again
    regen = run_podgen("convert", "compose.yaml", "-o", "quadlet", "--force", *V, cwd=tmp_path)
    assert regen.returncode == 0 and "removed" in regen.stderr
    assert not (out / "shop-db.container").exists()
    assert check(tmp_path).returncode == 0


def test_new_service_and_missing_directory(tmp_path):
    setup(tmp_path)
    text = COMPOSE.replace("volumes:\n  data:\n", "") + \
        "  cache:\n    image: registry.example/cache:1\nvolumes:\n  data:\n"
    (tmp_path / "compose.yaml").write_text(text, encoding="utf-8")
    result = check(tmp_path)
    assert result.returncode == 1 and "shop-cache.container" in stale_line(result)
    missing = run_podgen("convert", "compose.yaml", "-o", "elsewhere", "--check", *V, cwd=tmp_path)
    assert missing.returncode == 1
    assert stale_line(missing) == "podgen: elsewhere is out of date: " + ", ".join(
        sorted(UNITS + ["shop-cache.container"]))
    assert not (tmp_path / "elsewhere").exists()


def test_hand_edited_unit_is_stale(tmp_path):
    out = setup(tmp_path)
    unit = out / "shop-web.container"
    unit.write_text(unit.read_text(encoding="utf-8") + "# my edit\n", encoding="utf-8")
    result = check(tmp_path)
    assert result.returncode == 1
    assert stale_line(result).endswith(": shop-web.container")


def test_files_that_are_not_this_projects_units_are_ignored(tmp_path):
    out = setup(tmp_path)
    (out / "README.txt").write_text("my notes\n", encoding="utf-8")
    (out / "mine.container").write_text("[Container]\nImage=x\n", encoding="utf-8")
    other = tmp_path / "other"
    other.mkdir()
    (other / "compose.yaml").write_text(COMPOSE.replace("name: shop", "name: blog"), encoding="utf-8")
    result = run_podgen("convert", "compose.yaml", "-o", str(out), *V, cwd=other)
    assert result.returncode == 0, result.stderr
    assert check(tmp_path).returncode == 0


def test_script_format(tmp_path):
    (tmp_path / "compose.yaml").write_text(COMPOSE, encoding="utf-8")
    assert run_podgen("convert", "compose.yaml", "--format", "script", "-o", "deploy", *V,
                      cwd=tmp_path).returncode == 0
    args = ("convert", "compose.yaml", "--format", "script", "-o", "deploy", "--check", *V)
    assert run_podgen(*args, cwd=tmp_path).returncode == 0
    (tmp_path / "compose.yaml").write_text(COMPOSE.replace("web:1", "web:3"), encoding="utf-8")
    result = run_podgen(*args, cwd=tmp_path)
    assert result.returncode == 1 and stale_line(result).endswith(": shop.sh")


def test_check_needs_an_output_directory(tmp_path):
    (tmp_path / "compose.yaml").write_text(COMPOSE, encoding="utf-8")
    result = run_podgen("convert", "compose.yaml", "--check", *V, cwd=tmp_path)
    assert result.returncode == 2
    assert "--check needs -o DIR" in result.stderr


def test_check_of_a_broken_compose_file_exits_2(tmp_path):
    setup(tmp_path)
    (tmp_path / "compose.yaml").write_text("services: [\n", encoding="utf-8")
    result = check(tmp_path)
    assert result.returncode == 2 and "YAML syntax error" in result.stderr


def test_precommit_hook_arguments(tmp_path):
    """The hook's entry plus the README's args, as pre-commit runs it (pass_filenames: false)."""
    setup(tmp_path)
    result = run_podgen("convert", "--check", "compose.yaml", "-o", "quadlet/", *V, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (tmp_path / "compose.yaml").write_text(textwrap.dedent(COMPOSE).replace("8080:8080", "8081:8080"),
                                           encoding="utf-8")
    result = run_podgen("convert", "--check", "compose.yaml", "-o", "quadlet/", *V, cwd=tmp_path)
    assert result.returncode == 1 and "shop-web.container" in result.stderr


def header_command(unit: Path) -> str:
    lines = unit.read_text(encoding="utf-8").splitlines()
    assert lines[1] == "# Do not edit: change the compose file and regenerate with:"
    assert lines[2].startswith("#   podgen convert ")
    return lines[2][len("#   "):]


def test_regen_command_carries_every_option_that_changes_the_output(tmp_path):
    """Following the header (or --check's help) regenerates the same project, not another one."""
    text = COMPOSE.replace("volumes:\n  data:\n", "  debug:\n    image: registry.example/debug:${TAG}\n"
                           "    profiles: [debug]\nvolumes:\n  data:\n")
    (tmp_path / "my dir").mkdir()
    (tmp_path / "my dir" / "compose.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "my dir" / "prod.env").write_text("TAG=7\n", encoding="utf-8")
    args = ("convert", "my dir/compose.yaml", "--profile", "debug", "-p", "myproj", "--env-file",
            "my dir/prod.env", "--project-directory", "my dir", "--rootful", "--unprivileged-port-start", "80",
            "-o", "units", *V)
    assert run_podgen(*args, cwd=tmp_path).returncode == 0
    out = tmp_path / "units"
    assert (out / "myproj-debug.container").read_text().count("Image=registry.example/debug:7") == 1
    command = header_command(out / "myproj-web.container")
    assert command == ("podgen convert 'my dir/compose.yaml' --project-directory 'my dir' -p myproj "
                       "--profile debug --env-file 'my dir/prod.env' -o units --podman-version 5.4 "
                       "--rootful --unprivileged-port-start 80")
    before = snapshot(out)
    (tmp_path / "my dir" / "compose.yaml").write_text(text.replace("web:1", "web:2"), encoding="utf-8")
    result = run_podgen(*args, "--check", cwd=tmp_path)
    assert result.returncode == 1
    assert f"help: regenerate with: {command} --force" in result.stderr
    # what the help line says, run as the shell would: the same files, with the change
    regen = run_podgen(*shlex.split(command)[1:], "--force", cwd=tmp_path)
    assert regen.returncode == 0, regen.stderr
    after = snapshot(out)
    assert sorted(after) == sorted(before)
    assert [n for n in after if after[n][0] != before[n][0]] == ["myproj-web.container"]
    assert run_podgen(*args, "--check", cwd=tmp_path).returncode == 0


def test_check_from_another_directory_or_path_spelling_is_up_to_date(tmp_path):
    (tmp_path / "proj").mkdir()
    out = setup(tmp_path / "proj")
    first = (out / "shop-web.container").read_text(encoding="utf-8").splitlines()[0]
    # the sources are named from where the units lie, not from where podgen was run
    assert first.startswith("# Generated by podgen ") and " from ../compose.yaml (project 'shop'," in first
    for cwd, compose, outdir in [(tmp_path, "proj/compose.yaml", str(out) + "/"),
                                 (tmp_path, "./proj//compose.yaml", "proj/quadlet"),
                                 (out, "../compose.yaml", "."),
                                 (Path("/"), str(tmp_path / "proj" / "compose.yaml"), str(out))]:
        result = run_podgen("convert", compose, "-o", outdir, "--check", *V, cwd=cwd)
        assert result.returncode == 0, (cwd, result.stderr)
    # and regenerating from elsewhere changes nothing but the regenerate-with command
    before = snapshot(out)
    assert run_podgen("convert", "proj/compose.yaml", "-o", str(out), "--force", *V,
                      cwd=tmp_path).returncode == 0
    for name, (data, _) in snapshot(out).items():
        old, new = before[name][0].decode().splitlines(), data.decode().splitlines()
        assert old[2] != new[2] and old[:2] + old[3:] == new[:2] + new[3:], name


def test_check_ignores_the_whole_regen_command_however_many_lines(tmp_path):
    out = setup(tmp_path)
    unit = out / "shop-web.container"
    text = unit.read_text(encoding="utf-8")
    unit.write_text(text.replace("#   podgen convert compose.yaml -o quadlet --podman-version 5.4\n",
                                 "#   podgen convert compose.yaml \\\n#     -o quadlet \\\n"
                                 "#     --podman-version 5.4\n"), encoding="utf-8")
    assert unit.read_text(encoding="utf-8") != text
    result = check(tmp_path)
    assert result.returncode == 0, result.stderr
    # a change right below the command still counts
    unit.write_text(text.replace("-o quadlet --podman-version 5.4\n", "-o quadlet --podman-version 5.4\n# x\n"),
                    encoding="utf-8")
    assert stale_line(check(tmp_path)).endswith(": shop-web.container")


def test_check_and_force_contradict_each_other(tmp_path):
    out = setup(tmp_path)
    before = snapshot(out)
    (tmp_path / "compose.yaml").write_text(COMPOSE.replace("web:1", "web:2"), encoding="utf-8")
    result = check(tmp_path, "--force")
    assert result.returncode == 2
    assert "--check and --force contradict each other" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(out) == before
