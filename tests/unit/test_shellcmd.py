"""podgen.rules._shellcmd: the programs a command line runs (only where a command name stands)."""
from __future__ import annotations

import pytest

from podgen.rules._shellcmd import runs, shell_commands


@pytest.mark.parametrize("script,names", [
    ("redis-cli ping", ["redis-cli"]),
    ("curl -f http://localhost/ping || exit 1", ["curl", "exit"]),
    ("while ping -c1 x; do sleep 60; done", ["ping", "sleep"]),
    ("x && ping6 ::1 | grep ttl", ["x", "ping6", "grep"]),
    ("A=1 B=2 exec /bin/ping -c1 gw", ["ping"]),
    ("timeout -s KILL 5 nice -n 5 sudo -u me fping gw", ["fping"]),
    ("echo \"$(ping -c1 x)\" `date` $(id -u) done", ["ping", "date", "id", "echo"]),
    ("if ! test -x /bin/ping; then echo 'ping; no'; fi", ["test", "echo"]),
    ("for h in ping pong; do echo $h; done", ["echo"]),
    ("(cd /x && ping -c1 y) >/dev/null 2>&1 # ping z", ["cd", "ping"]),
    ("sh -c 'bash -lc \"ping -c1 gw\"'", ["sh", "bash", "ping"]),
    ("echo $((1 + 2)) ping", ["1", "echo"]),
])
def test_command_names_of_a_script(script, names):
    assert sorted(runs(script=script)) == sorted(names)


@pytest.mark.parametrize("argv,names", [
    (["redis-cli", "ping"], ["redis-cli"]),
    (["/bin/ping", "-c1", "x"], ["ping"]),
    (["sh", "-ec", "mysqladmin ping && ping -c1 db"], ["sh", "mysqladmin", "ping"]),
    (["gosu", "app", "ping", "x"], ["ping"]),
    (["tini", "--", "ping", "x"], ["ping"]),
    (["sh", "script.sh", "-c", "ping"], ["sh"]),
])
def test_command_names_of_an_argv(argv, names):
    assert sorted(runs(argv=argv)) == sorted(names)


def test_unterminated_quotes_and_parentheses_do_not_fail():
    assert shell_commands("echo 'ping") == [["echo", "ping"]]
    assert list(runs(script="echo $(ping x")) == ["ping", "echo"]
    assert list(runs(script="a ) ping x")) == ["a", "ping"]
