"""Values with %, $, quotes, backslashes, spaces, ;, newlines and an empty
argument reach the container byte for byte, through Quadlet + systemd
(podman54) and through the script (podman43, podman54).

Case: tests/e2e/cases/escaping/compose.yaml.  The expected values below are
what Docker Compose makes of that file (``$$`` is a literal ``$``).
"""

from __future__ import annotations

import json

import pytest

from podgen_e2e import q, run_ok, wait_file

pytestmark = pytest.mark.e2e

ARGS = [
    "argv0",
    "100%",
    "%h %t %n %%",
    "$HOME  ${HOME} ${PODGEN_EMPTY}",
    "it's 'single'",
    'say "hi" ""',
    "back\\slash \\\\ ends\\",
    "  spaced  out  ",
    "a;b; echo injected",
    "",
    "tab\there",
    "multi\nline",
    "héllo ✓",
    "last",
]

ENV = {
    "PCT": "100% %h %t %n %%",
    "DOLLAR": "$HOME ${HOME} $$ $1 ${NOTVAR:-x} ${PODGEN_EMPTY}",
    "SQ": "it's 'single'",
    "DQ": 'say "hi" ""',
    "BS": "C:\\path\\ \\\\ \\n ends\\",
    "SPACES": "  spaced  out  ",
    "SEMI": "a;b; echo injected",
    "NL": "line1\nline2\n",
    "TAB": "a\tb",
    "UNI": "héllo ✓",
    "EMPTY": "",
    "MIX": "%$'\"\\ ;\n`x` $(id)",
}

# entry: exec-form entrypoint ["sh", "-c", SCRIPT, "ep0"] + shell-form command
ENTRY_ARGS = ["ep0", "ep-args", "two  words", "single $HOME %h", "", "100%"]

LABELS = {
    "e2e.pct": "100% %h %t",
    "e2e.dollar": "$HOME ${HOME} $$",
    "e2e.sq": "it's 'single'",
    "e2e.dq": 'say "hi" ""',
    "e2e.bs": "C:\\path\\ \\\\ ends\\",
    "e2e.spaces": "  spaced  out  ",
    "e2e.semi": "a;b; echo injected",
    "e2e.uni": "héllo ✓",
    "e2e.empty": "",
}


def test_values_arrive_byte_for_byte(deployment):
    d = deployment
    d.convert("escaping")
    d.up()
    c = d.container("probe")
    e = d.engine

    # command arguments, as the container's own sh sees them (NUL-separated)
    raw = wait_file(e, c, "/tmp/args")
    assert raw.split("\0")[:-1] == ARGS[1:]  # "$@" starts after argv0
    # entrypoint + shell-form command; probe waited for entry's healthcheck, which
    # passes only if %, $ and quotes reached it unchanged
    entry = d.container("entry")
    assert wait_file(e, entry, "/tmp/args").split("\0")[:-1] == ENTRY_ARGS
    assert run_ok(e, f"podman container inspect --format '{{{{.State.Health.Status}}}}' {q(entry)}").strip() == "healthy"

    # environment: what podman stored, and what a process in the container sees
    env_list = run_ok(e, f"podman container inspect --format '{{{{json .Config.Env}}}}' {q(c)}")
    stored = dict(item.split("=", 1) for item in json.loads(env_list))
    for name, value in ENV.items():
        assert stored.get(name) == value, (name, stored.get(name), value)
    seen = run_ok(e, "for n in " + " ".join(ENV) + "; do podman exec " + q(c) +
                  " sh -c \"printf '%s\\001' \\\"\\$$n\\\"\"; done")
    assert seen.split("\x01")[:-1] == list(ENV.values())

    # labels
    labels = json.loads(run_ok(e, f"podman container inspect --format '{{{{json .Config.Labels}}}}' {q(c)}"))
    for name, value in LABELS.items():
        assert labels.get(name) == value, (name, labels.get(name), value)
    assert labels["com.docker.compose.project"] == "esc"
    assert labels["com.docker.compose.service"] == "probe"
    d.finish()
