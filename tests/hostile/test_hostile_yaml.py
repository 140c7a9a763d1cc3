"""Broken YAML and broken bytes: every command refuses with file:line:col, what, and what to do.

Each case runs ``convert -o``, ``lint``, ``config`` and ``fix --diff`` (see
``hostile_util.check_broken``): exit 2, no traceback, the file named at the
place of the problem, a ``help:`` line, nothing written.
"""
from __future__ import annotations

import pytest

from hostile_util import check_broken, write

CASES = {
    # name: (file content, line:col, fragments of the message)
    "unclosed-quote": ('services:\n  web:\n    image: "nginx\n', "4:1",
                       ("YAML syntax error", "quote or bracket opened earlier is never closed",
                        "line 3, column 12")),
    "unclosed-bracket": ("services:\n  web:\n    image: nginx\n    ports: [80, 443\n", "5:1",
                         ("YAML syntax error",)),
    "tab-indent": ("services:\n\tweb:\n    image: nginx\n", "2:1",
                   ("YAML syntax error", "spaces, not tabs")),
    "value-with-colon-space": ("services:\n  web:\n    image: nginx\n    command: echo a: b\n", "4:20",
                               ("mapping values are not allowed", "must be quoted")),
    "bad-indent": ("services:\n  web:\n    image: nginx\n   ports: []\n", "4:4",
                   ("YAML syntax error", "indentation")),
    "unknown-alias": ("services:\n  web:\n    image: nginx\n    environment: *env\n", "4:18",
                      ("unknown YAML alias *env", "define the anchor")),
    "unsupported-tag": ("services:\n  web:\n    image: !!python/object:os.system nginx\n", "3:12",
                        ("unsupported YAML tag", "remove the tag")),
    "custom-tag-on-map": ("services:\n  web: !include other.yaml\n", "2:8",
                          ("unsupported YAML tag",)),
    "mapping-as-key": ("services:\n  ? {a: 1}\n  : {image: nginx}\n", "2:5",
                       ("mapping keys must be plain strings",)),
    "merge-of-scalar": ("x-base: &base nginx\nservices:\n  web:\n    <<: *base\n", "4:9",
                        ("'<<' must be a mapping",)),
    "bad-int-tag": ("services:\n  web:\n    image: nginx\n    cpu_shares: !!int lots\n", "4:17",
                    ("cannot decode 'lots' as !!int",)),
    "nul-escape": ('services:\n  web:\n    image: nginx\n    environment:\n      A: "x\\0y"\n', "5:10",
                   ("NUL character", "\\0")),
    "surrogate-escape": ('services:\n  web:\n    image: "nginx\\ud800"\n', "3:20",
                         ("YAML syntax error",)),
    "surrogate-in-flow-with-colon": ('services:\n  web:\n    image: nginx\n    command: [a:b, "\\udc00"]\n',
                                     "4:20", ("surrogate",)),
    "raw-control-char": ("services:\n  web:\n    image: ngi\x01nx\n", "3:15",
                         ("control character #x0001",)),
    "raw-escape-char": ("services:\n  web:\n    image: nginx\x1b[31m\n", "3:17",
                        ("control character #x001b",)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_syntax_errors_are_located(tmp_path, name):
    text, where, fragments = CASES[name]
    path = write(tmp_path / "compose.yaml", text)
    check_broken(path, *fragments, where=where)


@pytest.mark.parametrize("text", ["", "   \n\n  \n", "# only a comment\n"])
def test_empty_file(tmp_path, text):
    path = write(tmp_path / "compose.yaml", text)
    check_broken(path, "empty" if not text.strip() else "no compose document", where="1:1")


@pytest.mark.parametrize("text,kind,where", [
    ("- web\n- db\n", "not a list", "1:1"),
    ("just some text\n", "not the scalar 'just some text'", "1:1"),
    ("services:\n  web: {image: nginx}\n---\n- a\n", "not a list", "4:1"),
    ("42\n", "not the scalar 42", "1:1"),
])
def test_document_that_is_not_a_mapping(tmp_path, text, kind, where):
    path = write(tmp_path / "compose.yaml", text)
    check_broken(path, "top level of a compose file must be a mapping", kind, "services:", where=where)


@pytest.mark.parametrize("text,where,first", [
    ("services:\n  web:\n    image: a\n    image: b\n", "4:5", "line 3, column 5"),
    ("services:\n  web:\n    image: a\n  web:\n    image: b\n", "4:3", "line 2, column 3"),
    ("services: {}\nservices: {}\n", "2:1", "line 1, column 1"),
    ("services:\n  web:\n    image: a\n    environment: {A: 1, B: 2, A: 3}\n", "4:31", "line 4, column 19"),
    ("x-a: &a {image: a}\nservices:\n  web:\n    <<: *a\n    image: b\n    image: c\n", "6:5",
     "line 5, column 5"),
])
def test_duplicate_keys(tmp_path, text, where, first):
    path = write(tmp_path / "compose.yaml", text)
    check_broken(path, "duplicate key", first, "remove one of the two entries", where=where)


def test_binary_file(tmp_path):
    path = write(tmp_path / "compose.yaml", b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 8)
    check_broken(path, "binary file", where="1:8")


def test_gzip_file(tmp_path):
    import gzip
    path = write(tmp_path / "compose.yaml", gzip.compress(b"services:\n  web:\n    image: nginx\n"))
    check_broken(path, "binary file")


def test_latin1_file(tmp_path):
    path = write(tmp_path / "compose.yaml", "services:\n  web:\n    image: nginx\n    # caf\xe9\n",
                 encoding="latin-1")
    check_broken(path, "not valid UTF-8 (byte 0xe9)", "iconv", where="4:10")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_utf16_and_utf32(tmp_path, encoding):
    path = write(tmp_path / "compose.yaml", "services:\n  web:\n    image: nginx\n", encoding=encoding)
    res = check_broken(path)
    assert any(w in res["lint"].text for w in ("UTF-16", "NUL byte"))


def test_truncated_utf8(tmp_path):
    path = write(tmp_path / "compose.yaml", "services:\n  web:\n    image: caf\u00e9".encode()[:-1])
    check_broken(path, "not valid UTF-8", where="3:15")


def test_bom_is_accepted(tmp_path):
    """A UTF-8 byte order mark is not an error (editors on Windows write one)."""
    from hostile_util import cli
    path = write(tmp_path / "compose.yaml", b"\xef\xbb\xbfservices:\n  web:\n    image: nginx\n")
    res = cli(["config", "-f", path.name], tmp_path)
    assert res.rc == 0, res.text
