"""PG504 bind-owner-mismatch: a numeric user: and a bind source the host user owns."""
from __future__ import annotations

import json
import os
import shutil
import stat

import pytest

from helpers import lint_diags, lint_text
from hostfs_util import FakeProbe, public_tmpdir, run_lint_as, st, unprivileged_runner, use
from netrules_util import doc_example
from podgen.rules.pg504_bind_owner_mismatch import numeric_user

ME = 1000


@pytest.fixture
def fs(monkeypatch, tmp_path):
    """tmp_path/data (0755) and tmp_path/conf.yml (0600) are mine; tmp_path/open is 0777;
    tmp_path/theirs belongs to a subordinate uid (after podman unshare chown)."""
    return use(monkeypatch, FakeProbe({
        str(tmp_path / "data"): st(stat.S_IFDIR | 0o755, ME),
        str(tmp_path / "conf.yml"): st(stat.S_IFREG | 0o600, ME),
        str(tmp_path / "pub.yml"): st(stat.S_IFREG | 0o644, ME),
        str(tmp_path / "open"): st(stat.S_IFDIR | 0o777, ME),
        str(tmp_path / "theirs"): st(stat.S_IFDIR | 0o755, 100990),
    }, uid=ME))


def compose(user: str, *volumes: str, extra: str = "") -> str:
    lines = ["services:", "  app:", "    image: app", f"    user: {user}"] if user else \
        ["services:", "  app:", "    image: app"]
    lines += [extra] if extra else []
    lines += ["    volumes:"] + [f"      - {v}" for v in volumes]
    return "\n".join(lines) + "\n"


def test_fires_on_the_mount(tmp_path, fs):
    text = compose('"991:991"', "./data:/data", "./conf.yml:/etc/app.yml:ro")
    assert lint_text(tmp_path, text, select=["PG504"]) == ["6:9 PG504", "7:9 PG504"]
    d = lint_diags(tmp_path, text, select=["PG504"])[0]
    assert d.severity.label == "info"
    assert f"runs as uid 991, but bind source {tmp_path / 'data'} belongs to you (uid {ME})" in d.message
    assert 'userns_mode: "keep-id:uid=991,gid=991"' in d.notes[0]
    assert f"podman unshare chown -R 991:991 {tmp_path / 'data'}" in d.notes[1]


def test_uid_only(tmp_path, fs):
    d = lint_diags(tmp_path, compose("\"991\"", "./data:/data"), select=["PG504"])[0]
    assert '"keep-id:uid=991"' in d.notes[0] and "chown -R 991 " in d.notes[1]


def test_no_keep_id_advice_before_podman_4_3(tmp_path, fs):
    d = lint_diags(tmp_path, compose("\"991\"", "./data:/data"), select=["PG504"], version=(4, 2, 0))[0]
    assert len(d.notes) == 1 and "podman unshare chown" in d.notes[0]


@pytest.mark.parametrize("user, volume, extra", [
    ("", "./data:/data", ""),                           # no user: root in the container = you
    ("root", "./data:/data", ""),
    ('"0:0"', "./data:/data", ""),
    ("postgres", "./data:/data", ""),                   # a name: its uid is in the image
    ('"991:991"', "./missing:/data", ""),               # does not exist yet
    ('"991:991"', "./theirs:/data", ""),                # already chowned to the container's uid
    ('"991:991"', "./open:/data", ""),                  # world-writable
    ('"991:991"', "./pub.yml:/etc/app.yml:ro", ""),     # read-only and world-readable
    ('"991:991"', "./data:/data:U", ""),                # podman chowns it
    ('"991:991"', "./data:/data", "    userns_mode: keep-id:uid=991,gid=991"),
])
def test_near_misses(tmp_path, fs, user, volume, extra):
    assert lint_text(tmp_path, compose(user, volume, extra=extra), select=["PG504"]) == []


def test_rootful_is_silent(tmp_path, fs):
    assert lint_text(tmp_path, compose('"991:991"', "./data:/data"), select=["PG504"], rootless=False) == []


def test_silent_when_podgen_runs_as_root(tmp_path, monkeypatch):
    use(monkeypatch, FakeProbe({str(tmp_path / "data"): st(stat.S_IFDIR | 0o755, 0)}, uid=0))
    assert lint_text(tmp_path, compose('"991:991"', "./data:/data"), select=["PG504"]) == []


@pytest.mark.parametrize("user, expected", [("991:991", (991, 991)), ("991", (991, None)), ("991:staff", (991, None)),
                                            ("0", None), ("0:991", None), ("root", None), ("", None),
                                            ("app:991", None), (None, None)])
def test_numeric_user(user, expected):
    assert numeric_user(user) == expected


def test_doc_example_fires(tmp_path, fs):
    assert lint_text(tmp_path, doc_example("PG504"), select=["PG504"]) == ["6:9 PG504"]


def test_for_real_as_an_unprivileged_user():
    prefix = unprivileged_runner()
    if prefix is None:
        pytest.skip("runs as root without setpriv")
    top = public_tmpdir()
    try:
        home = top / "home"
        home.mkdir()
        home.chmod(0o777)
        proj = top / "proj"
        proj.mkdir()
        (proj / "compose.yaml").write_text(compose('"991:991"', "./data:/data", "./open:/open"))
        (proj / "data").mkdir()
        (proj / "open").mkdir()
        if prefix:      # root: give the files to the unprivileged user
            for p in (proj / "data", proj / "open"):
                os.chown(p, 65534, 65534)
        (proj / "data").chmod(0o755)
        (proj / "open").chmod(0o777)
        res = run_lint_as(prefix, proj / "compose.yaml", home, "--select", "PG504")
        assert res.returncode in (0, 1), res.stderr
        assert [(d["line"], d["code"]) for d in json.loads(res.stdout)] == [(6, "PG504")], res.stdout
    finally:
        shutil.rmtree(top)
