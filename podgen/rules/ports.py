"""Helpers shared by the port rules (not a rule)."""
from __future__ import annotations


def published_ports(project):
    """(service, index, Port) for every port with a host port, in file order."""
    for svc in project.services.values():
        for index, port in enumerate(svc.ports):
            if port.published:
                yield svc, index, port


def taken_host_ports(project) -> set:
    taken = set()
    for _svc, _i, port in published_ports(project):
        rng = port.published_range
        if rng:
            for p in range(rng[0], rng[1] + 1):
                taken.add((p, port.protocol))
    return taken
