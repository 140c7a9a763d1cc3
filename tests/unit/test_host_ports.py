"""``HostPorts``: counts of published host ports without expanding ranges, and free-port search.

Checked against the plain expansion it replaced (a set/Counter of every port of every
range) on random ranges, additions and searches.
"""
from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from podgen.rules.ports import HostPorts

PROTOS = ("tcp", "udp")
ports = st.integers(min_value=0, max_value=65535)
# mostly near the top and near 8080, so that ranges touch, overlap and reach 65535
near = st.one_of(st.integers(8070, 8100), st.integers(65520, 65535), ports)


class Expanded:
    """The reference: every port of every range, counted one by one."""

    def __init__(self, ranges):
        self.counts = Counter()
        for low, high, proto in ranges:
            for p in range(low, high + 1):
                self.counts[(p, proto)] += 1

    def next_free(self, start, proto, allow=0):
        return next((p for p in range(start, 65536) if self.counts[(p, proto)] <= allow), None)

    def next_free_besides(self, start, proto, own):
        return next((p for p in range(start, 65536)
                     if self.counts[(p, proto)] - (own[0] <= p <= own[1]) <= 0), None)


@st.composite
def ranges(draw):
    out = []
    for _ in range(draw(st.integers(0, 8))):
        low = draw(near)
        high = min(65535, low + draw(st.sampled_from([0, 0, 1, 5, 30])))
        out.append((low, high, draw(st.sampled_from(PROTOS))))
    return out


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(rs=ranges(), steps=st.lists(st.tuples(st.sampled_from(["add", "free", "free1", "besides"]), near,
                                             st.sampled_from(PROTOS)), max_size=25))
def test_same_answers_as_the_expansion(rs, steps):
    fast, slow = HostPorts(rs), Expanded(rs)
    for what, port, proto in steps:
        if what == "add":
            fast.add(port, proto)
            slow.counts[(port, proto)] += 1
        elif what == "free":
            assert fast.next_free(port, proto) == slow.next_free(port, proto)
        elif what == "free1":
            assert fast.next_free(port, proto, allow=1) == slow.next_free(port, proto, allow=1)
        elif rs:
            own = rs[port % len(rs)]
            start = max(0, own[0] - 3)
            assert fast.next_free_besides(start, own[2], own[:2]) == slow.next_free_besides(start, own[2], own[:2])
        assert ((port, proto) in fast) == (slow.counts[(port, proto)] > 0)
        assert fast.count(port, proto) == slow.counts[(port, proto)]


def test_a_taken_stretch_is_jumped_over():
    taken = HostPorts([(8080, 9000, "tcp"), (9001, 9001, "tcp")])
    assert taken.next_free(8080, "tcp") == 9002
    assert taken.next_free(8080, "udp") == 8080
    taken.add(9002, "tcp")
    assert taken.next_free(8080, "tcp") == 9003          # the remembered jump still holds
    assert HostPorts([(65000, 65535, "tcp")]).next_free(65100, "tcp") is None


def test_own_range_does_not_count():
    taken = HostPorts([(8000, 8010, "tcp"), (8000, 8004, "tcp")])
    assert taken.next_free_besides(8000, "tcp", (8000, 8010)) == 8005     # 8000-8004 is the other's
    assert taken.next_free_besides(7990, "tcp", (8000, 8010)) == 7990
    assert taken.next_free_besides(8000, "tcp", (8000, 8004)) == 8011     # 8005-8010 is the other's
