"""Helpers to run podgen over ../shared/corpus the way MANIFEST.tsv ran Docker Compose."""
from __future__ import annotations

import csv
import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

# resolved: podgen reports real paths, and shared/ may be a symlink
CORPUS = Path(os.environ.get("PODGEN_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")).resolve()
PARITY_FIELDS = ("image", "command", "entrypoint", "environment", "ports", "networks",
                 "volumes", "depends_on", "restart", "healthcheck")


@dataclass
class Entry:
    name: str
    cwd: Path
    files: list
    env: dict
    config_json: Path | None
    loaded: str
    profiles: tuple = ()


def entries() -> list[Entry]:
    out = []
    with open(CORPUS / "MANIFEST.tsv", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["loaded"] == "n/a":
                continue
            out.append(_entry(row))
    return out


def _entry(row) -> Entry:
    cmd = row["command"]
    m = re.match(r"(.*)\s+\[cwd: (.*)\]$", cmd)
    command, cwd = m.group(1).strip(), m.group(2)
    words = shlex.split(command)
    env = {}
    while words and "=" in words[0] and not words[0].startswith("-"):
        k, v = words.pop(0).split("=", 1)
        env[k] = v
    files = [words[i + 1] for i, w in enumerate(words) if w == "-f"]
    cfg = row["config_json"]
    return Entry(name=row["file"], cwd=CORPUS / cwd, files=files, env=env,
                 config_json=(CORPUS / cfg) if cfg else None, loaded=row["loaded"])


def expected(entry: Entry) -> dict:
    text = entry.config_json.read_text()
    return json.loads(text.replace("$CORPUS", str(CORPUS)))


def project_fields(svc: dict) -> dict:
    out = {}
    for key in PARITY_FIELDS:
        value = svc.get(key)
        if key == "healthcheck":
            value = (value or {}).get("test")
        out[key] = value
    return out
