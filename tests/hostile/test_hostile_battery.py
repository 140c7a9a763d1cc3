"""A battery of hostile files podgen has never seen, through the real command line.

tests/hostile/files/ holds malformed files, injection attempts, bombs, binary
files and traps (an HTML page, a shell script, a gzip archive ...); a
directory there is a project (its compose.yaml plus the files it refers to).
Files too big to keep in the repository are generated here.  For each one,
``python -m podgen`` runs ``convert -o`` (into a directory that does not
exist yet), ``lint``, ``config`` and ``fix --diff``, each with RLIMIT_AS at
2 GiB, and must

* exit non-zero (2: bad input), never crash (3) or print a traceback;
* name the file it refuses;
* leave no output directory (not even a partial one) and write nothing
  anywhere else (the whole working directory is compared before and after);
* finish in under 20 s, in under 2 GiB.
"""
from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hostile_util import GIB, run_measured, snapshot, write

FILES = Path(__file__).resolve().parent / "files"
MIB = 1024 * 1024

GENERATED = {
    "huge-17mib.yaml": lambda: "services:\n  web:\n    image: nginx\n" + "#" * 79 + "\n" * 1 + ("# " + "x" * 77 + "\n") * (
        17 * MIB // 80),
    "long-value.yaml": lambda: "services:\n  web:\n    image: nginx\n    command: ['" + "A" * (3 * MIB) + "']\n",
    "node-flood.yaml": lambda: "services:\n  web:\n    image: nginx\nx-flood: [" + "1," * (3 * MIB) + "1]\n",
    "huge-env/compose.yaml": lambda: "services:\n  web:\n    image: nginx\n    env_file: big.env\n",
    "huge-env/big.env": lambda: "A=" + "x" * 60 + "\n" * 1 + ("B=" + "y" * 77 + "\n") * (17 * MIB // 80),
}


def cases() -> list[str]:
    names = sorted(p.name for p in FILES.iterdir())
    names += sorted({k.split("/")[0] for k in GENERATED})
    return names


def prepare(name: str, top: Path) -> tuple[Path, str]:
    """Copy (or generate) the case into top/work; return (working dir, file argument)."""
    work = top / "work"
    work.mkdir()
    generated = {k: v for k, v in GENERATED.items() if k.split("/")[0] == name}
    if generated:
        for rel, make in generated.items():
            write(top / "work" / rel.split("/", 1)[-1] if "/" in rel else work / rel, make())
        return work, "compose.yaml" if any("/" in k for k in generated) else name
    src = FILES / name
    if src.is_dir():
        shutil.copytree(src, work, dirs_exist_ok=True)
        return work, "compose.yaml"
    shutil.copyfile(src, work / name)
    return work, name


def commands(arg: str) -> list[list[str]]:
    return [["convert", arg, "-o", "../out", "--podman-version", "5.4"],
            ["lint", arg, "--podman-version", "5.4"],
            ["config", "-f", arg],
            ["fix", arg, "--diff", "--podman-version", "5.4"]]


def test_there_are_enough_cases():
    assert len(cases()) >= 20, cases()


@pytest.mark.parametrize("name", cases())
def test_hostile_file(tmp_path, name):
    work, arg = prepare(name, tmp_path)
    before = snapshot(tmp_path)
    home = tmp_path / "home"      # HOME outside the snapshot's reach would hide writes there
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda argv: (argv, run_measured(argv, work, timeout=40, address_space=2 * GIB,
                                                                  env={"HOME": str(home)})),
                                commands(arg)))
    for argv, res in results:
        what = f"{argv[0]} {name}"
        assert not res.timed_out, f"{what}: still running after 40 s"
        assert res.rc != 0, f"{what}: exit 0\n{res.text[-1500:]}"
        assert res.rc == 2, f"{what}: exit {res.rc}\n{res.text[-1500:]}"
        assert "Traceback" not in res.text and "internal error" not in res.text, f"{what}:\n{res.text[-3000:]}"
        named = {arg, os.path.basename(arg)} | {p.name for p in work.iterdir()}
        assert any(n in res.text for n in named), f"{what}: no file named in\n{res.text[-1500:]}"
        assert res.seconds < 20, f"{what}: {res.seconds:.1f} s"
        assert res.max_rss < 2 * GIB, f"{what}: {res.max_rss / MIB:.0f} MiB"
    assert not (tmp_path / "out").exists(), "a (partial) output directory was left"
    assert snapshot(tmp_path) == before, "files were written or changed"
    assert not home.exists()
