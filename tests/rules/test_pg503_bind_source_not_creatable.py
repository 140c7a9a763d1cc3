"""PG503 bind-source-not-creatable: a missing bind source the deploying user cannot create."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from hostfs_util import DIR_ROOT_755, FakeProbe, public_tmpdir, run_lint_as, st, unprivileged_runner, use
from netrules_util import doc_example
from podgen.rules import hostfs
from podgen.rules.pg503_bind_source_not_creatable import placeholder

# / and /var/lib exist and belong to root; /srv/open is writable by the user; /etc/app.conf is a file
FS = {"/var": DIR_ROOT_755, "/var/lib": DIR_ROOT_755, "/srv": DIR_ROOT_755,
      "/srv/open": st(stat.S_IFDIR | 0o777), "/srv/there": DIR_ROOT_755, "/etc": DIR_ROOT_755,
      "/etc/app.conf": st(stat.S_IFREG | 0o644)}


@pytest.fixture
def fs(monkeypatch):
    return use(monkeypatch, FakeProbe(FS, writable={"/srv/open"}))


# the issue's regression inputs
ISSUE = """\
services:
  ci:
    image: woodpeckerci/woodpecker-server
    volumes:
      - /var/lib/woodpecker:/var/lib/woodpecker
      - /path/to/data:/data
      - ${VOLUME_PATH}/data:/var/data
      - type: bind
        source: ${VOLUME_PATH}/long
        target: /long
"""


def test_fires_on_the_issue_inputs(tmp_path, fs):
    assert lint_text(tmp_path, ISSUE, select=["PG503"]) == ["5:9 PG503", "6:9 PG503", "7:9 PG503", "8:9 PG503"]
    diags = lint_diags(tmp_path, ISSUE, select=["PG503"])
    assert "/var/lib/woodpecker does not exist" in diags[0].message
    assert "/var/lib is not writable" in diags[0].message
    assert "sudo mkdir -p /var/lib/woodpecker && sudo chown" in diags[0].notes[0]
    assert "placeholder" in diags[1].message and "/path/to" in diags[1].message
    assert "${VOLUME_PATH}, which is not set" in diags[2].message and "/data" in diags[2].message
    assert f"set VOLUME_PATH in {tmp_path / '.env'}" in diags[2].notes[0]
    assert "/long" in diags[3].message
    assert diags[0].severity.label == "warning"


def test_an_empty_variable_too(tmp_path, fs):
    (tmp_path / ".env").write_text("VOLUME_PATH=\n")
    diags = lint_diags(tmp_path, ISSUE, select=["PG503"])
    assert "${VOLUME_PATH}, which is empty" in diags[2].message
    assert lint_text(tmp_path, ISSUE, select=["PG003"]) == []      # set, so PG003 is silent


def test_the_variable_case_fires_even_where_the_path_exists(tmp_path, monkeypatch):
    use(monkeypatch, FakeProbe({**FS, "/data": DIR_ROOT_755}))
    text = "services:\n  a:\n    image: x\n    volumes: [\"$VOLUME_PATH/data:/data\"]\n"
    assert lint_text(tmp_path, text, select=["PG503"]) == ["4:15 PG503"]


@pytest.mark.parametrize("volume", [
    "/srv/open/new/deeper:/x",          # the nearest existing parent is writable
    "/srv/there:/x",                    # exists (root's, but it exists)
    "/etc/app.conf:/app.conf:ro",       # exists as a file
    "/home/user/data/new:/x",           # under $HOME (helpers.ENV)
    "./new/data:/x",                    # under the project directory
    "~/new:/x",
    "/run/docker.sock:/var/run/docker.sock",    # PG601's business; a socket is never created
    "/var/lib/app.sock:/x.sock",
    "${VOLUME_PATH:-/srv/open}/data:/x",        # the default is used
    "/srv/open/${VOLUME_PATH}/data:/x",         # not at the start: no top-level path
    "named:/x",                                 # a named volume
])
def test_near_misses(tmp_path, fs, volume):
    text = f"services:\n  app:\n    image: app\n    volumes:\n      - {volume}\n" + \
        ("volumes:\n  named: {}\n" if volume.startswith("named") else "")
    assert lint_text(tmp_path, text, select=["PG503"]) == []


def test_variable_set_is_silent(tmp_path, fs):
    text = "services:\n  a:\n    image: x\n    volumes: [\"${VOLUME_PATH}/data:/data\"]\n"
    assert lint_text(tmp_path, text, select=["PG503"], env={"VOLUME_PATH": "/srv/open"}) == []


def test_a_parent_that_is_a_file(tmp_path, fs):
    diags = lint_diags(tmp_path, "services:\n  a:\n    image: x\n    volumes: [\"/etc/app.conf/sub:/x\"]\n",
                       select=["PG503"])
    assert len(diags) == 1 and "/etc/app.conf is not a directory" in diags[0].message


def test_rootful_reports_only_placeholders_and_variables(tmp_path, fs):
    assert lint_text(tmp_path, ISSUE, select=["PG503"], rootless=False) == ["6:9 PG503", "7:9 PG503", "8:9 PG503"]


@pytest.mark.parametrize("source, why", [
    ("/path/to/data", "it starts with /path/to"), ("/path/to", "it starts with /path/to"),
    ("/your/data", "it starts with /your"), ("/YOUR_PATH/x", "it starts with /YOUR_PATH"),
    ("/your-dir", "it starts with /your-dir"), ("/srv/<name>/data", "'<name>' is a placeholder"),
    ("/CHANGE_ME", "'CHANGE_ME' is a placeholder"), ("/srv/changeme", "'changeme' is a placeholder"),
    ("/opt/Replace-Me/x", "'Replace-Me' is a placeholder"),
    ("/media/your/plex/path", "'your' is a placeholder"),                       # awesome-compose plex
    ("/<directory-path>/n8n/local_files", "'<directory-path>' is a placeholder"),  # n8n-hosting
])
def test_placeholders(source, why):
    assert placeholder(source) == why


@pytest.mark.parametrize("source", ["/path", "/paths/to/x", "/srv/path/to/x", "/yours/x", "/yourdata",
                                    "/srv/yours/x", "/srv/young/x", "/srv/<>", "/srv/a<b>", "/srv/change", "/srv/changes_me",
                                    "/home/user/path/to/x"])
def test_not_placeholders(source):
    assert placeholder(source) is None


def test_doc_example_fires(tmp_path, fs):
    found = lint_text(tmp_path, doc_example("PG503"), select=["PG503"])
    assert [f.split(" ")[1] for f in found] == ["PG503"] * 3


def test_root_probe_counts_root_owned_directories_as_not_writable(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root (chown)")
    probe = hostfs.HostProbe()
    d = tmp_path / "d"
    d.mkdir()
    os.chown(d, 0, 0)
    d.chmod(0o755)
    assert not probe.can_create_in(str(d))
    d.chmod(0o1777)
    assert probe.can_create_in(str(d))
    d.chmod(0o755)
    os.chown(d, 4321, 4321)
    assert probe.can_create_in(str(d))


def test_for_real_as_an_unprivileged_user():
    """No fake: podgen lint run by an unprivileged uid (nobody when the tests run as root)."""
    prefix = unprivileged_runner()
    if prefix is None:
        pytest.skip("runs as root without setpriv")
    top = public_tmpdir()
    try:
        home = top / "home"
        home.mkdir()
        home.chmod(0o777)
        (top / "open").mkdir()
        (top / "open").chmod(0o777)
        (top / "proj").mkdir()
        compose = top / "proj" / "compose.yaml"
        compose.write_text("services:\n  ci:\n    image: x\n    volumes:\n"
                           "      - /var/lib/podgen-test-missing/data:/data\n"
                           f"      - {top}/open/new:/new\n"
                           f"      - {home}/new:/home-new\n"
                           "      - ./data:/proj-data\n")
        compose.parent.chmod(0o755)
        compose.chmod(0o644)
        if os.access("/var/lib", os.W_OK) and not prefix:
            pytest.skip("this user may write /var/lib")
        res = run_lint_as(prefix, compose, home, "--select", "PG503")
        assert res.returncode in (0, 1), res.stderr
        found = [(d["line"], d["code"]) for d in json.loads(res.stdout)]
        assert found == [(5, "PG503")], res.stdout
    finally:
        shutil.rmtree(top)


# --- the generated mkdir ---------------------------------------------------------------------

MKDIR = "/bin/sh -c '[ -e \"$$1\" ] || mkdir -p \"$$1\"' mkdir "


def test_unit_creates_the_source_and_fails_when_it_cannot(tmp_path):
    text = "name: demo\nservices:\n  a:\n    image: x\n    volumes: [\"/srv/a b/$$x:/x\", \"./data:/data\"]\n"
    pre = keys(unit(convert_text(tmp_path, text), "demo-a.container"), "ExecStartPre")
    assert pre == [MKDIR + '"/srv/a b/$$x"', MKDIR + str(tmp_path / "data")]
    assert not any(p.startswith("-") for p in pre)


@pytest.mark.parametrize("kind", ["missing", "file", "dir", "unwritable"])
def test_the_mkdir_command_for_real(kind):
    """The ExecStartPre= command (as systemd runs it): creates, leaves alone, or fails loudly."""
    prefix = unprivileged_runner()
    if prefix is None:
        pytest.skip("runs as root without setpriv")
    top = public_tmpdir()
    try:
        target = {"missing": top / "new dir" / "$x" / "deep", "file": top / "f", "dir": top / "d",
                  "unwritable": top / "locked" / "sub"}[kind]
        (top / "f").write_text("x")
        (top / "d").mkdir()
        (top / "locked").mkdir(mode=0o555)
        if kind == "unwritable" and not prefix and os.access(top / "locked", os.W_OK):
            pytest.skip("this user may write a 0555 directory")
        script = MKDIR.replace("$$", "$").split("'")[1]
        res = subprocess.run(prefix + ["/bin/sh", "-c", script, "mkdir", str(target)], capture_output=True,
                             text=True)
        if kind == "unwritable":
            assert res.returncode != 0 and "Permission denied" in res.stderr
        else:
            assert res.returncode == 0, res.stderr
            assert target.exists() and (target.is_dir() or kind == "file")
    finally:
        shutil.rmtree(top)


def test_script_stops_with_a_message(tmp_path):
    prefix = unprivileged_runner()
    if prefix is None:
        pytest.skip("runs as root without setpriv")
    top = public_tmpdir()
    try:
        (top / "locked").mkdir(mode=0o555)
        (top / "f").write_text("x")
        compose = top / "compose.yaml"
        compose.write_text(f"name: demo\nservices:\n  a:\n    image: x\n    volumes:\n"
                           f"      - \"{top}/f:/f\"\n      - \"{top}/new 'q'/d:/d\"\n"
                           f"      - \"{top}/locked/sub:/x\"\n")
        script = convert_text(tmp_path, compose.read_text(), fmt="script", version=(4, 3, 1)).files[0].text
        path = top / "demo.sh"
        path.write_text(script)
        path.chmod(0o755)
        res = subprocess.run(prefix + ["/bin/sh", str(path), "up"], capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin", "PODMAN": "/bin/true"})
        assert res.returncode == 1
        assert f"podgen: cannot create the bind-mount source {top}/locked/sub" in res.stderr
        assert (top / "new 'q'" / "d").is_dir()
    finally:
        shutil.rmtree(top)


def test_corpus_findings(monkeypatch):
    """Over the real-world corpus, with every directory writable: only the placeholders are left
    (the rest depends on the machine: /lib/modules, /var/lib/docker exist on some hosts only)."""
    from corpus_util import CORPUS, entries
    from podgen.api import Options, lint
    from podgen.errors import PodgenError
    from podgen.target import Target
    if not (CORPUS / "MANIFEST.tsv").exists():
        pytest.skip("corpus not found")

    class Writable(FakeProbe):
        def can_create_in(self, directory):
            return True

    use(monkeypatch, Writable({}))
    found = []
    for entry in entries():
        if entry.loaded not in ("loaded", "loaded_with_dummy_env"):
            continue
        try:
            result = lint(Options(files=entry.files, cwd=str(entry.cwd), select=("PG503",),
                                  environ={"PATH": "/usr/bin:/bin", "HOME": "/home/user", **entry.env},
                                  target=Target(podman=(5, 4, 0))))
        except PodgenError:
            continue
        found += [f"{entry.name} {d.span.line}:{d.span.col} {d.message.split('(')[-1].rstrip(')')}"
                  for d in result.diagnostics]
    assert found == [
        "awesome-compose__plex/ 10:9 'your' is a placeholder",
        "n8n-hosting__docker-caddy/ 10:9 '<directory-path>' is a placeholder",
        "n8n-hosting__docker-caddy/ 11:9 '<directory-path>' is a placeholder",
        "n8n-hosting__docker-caddy/ 30:9 '<directory-path>' is a placeholder",
    ]
