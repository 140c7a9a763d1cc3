"""The one table from compose service key to what the Podman target does with it.

``SERVICE_KEYS[key]`` is one of

* a handler ``handler(low, svc, spec, add)`` in the module of its concern
  (``identity``, ``networking``, ``storage``, ``lifecycle``, ``resources``,
  ``security``, ``logs``): it turns the key into ``Opt``s and unit facts;
* ``NotConverted(why)``: the key has no Podman equivalent; ``lowering``
  reports it as PG701 "... was not converted (why)";
* ``LOADED``: the load stage resolved it (nothing is left to lower).

A key that is not in the table is reported as PG701 too ("podgen does not
know this key").  This table is what decides: ``lowering.Lowering.container``
dispatches through it, and ``tests/unit/test_layers.py`` checks that every
handler lives in the module named for its concern and that every service key
of the compose schema is in it.  To support a key: write its handler in the
module of its concern and put it here, in that module's block.
"""
from __future__ import annotations

from podgen.targets.podman import identity, lifecycle, logs, networking, resources, security, storage


class NotConverted:
    """A compose key with no Podman equivalent, and why (PG701's message)."""

    __slots__ = ("why",)

    def __init__(self, why: str):
        self.why = why


class _Loaded:
    """The load stage resolved the key (``extends``, ``profiles``, ``env_file``): nothing is left to lower."""

    __slots__ = ()


LOADED = _Loaded()

SERVICE_KEYS = {
    # identity and environment: identity.py
    "image": identity.image, "build": identity.build, "container_name": identity.container_name,
    "command": identity.command, "entrypoint": identity.entrypoint,
    "environment": identity.environment, "labels": identity.labels, "annotations": identity.annotations,
    "user": identity.user, "working_dir": identity.working_dir, "hostname": identity.hostname,
    "domainname": identity.domainname, "platform": identity.platform, "pull_policy": identity.pull_policy,
    "tty": identity.tty, "stdin_open": identity.stdin_open,
    # networking and ports: networking.py
    "ports": networking.ports, "expose": networking.expose, "networks": networking.networks,
    "network_mode": networking.network_mode, "extra_hosts": networking.extra_hosts, "dns": networking.dns,
    "dns_search": networking.dns_search, "dns_opt": networking.dns_opt, "mac_address": networking.mac_address,
    # storage: storage.py
    "volumes": storage.volumes, "tmpfs": storage.tmpfs, "secrets": storage.secrets, "configs": storage.configs,
    "volumes_from": storage.volumes_from, "storage_opt": storage.storage_opt,
    # health, restart, dependencies: lifecycle.py
    "depends_on": lifecycle.depends_on, "links": lifecycle.links, "restart": lifecycle.restart,
    "healthcheck": lifecycle.healthcheck, "init": lifecycle.init, "stop_signal": lifecycle.stop_signal,
    "stop_grace_period": lifecycle.stop_grace_period,
    # resources: resources.py
    "deploy": resources.deploy, "mem_limit": resources.mem_limit, "mem_reservation": resources.mem_reservation,
    "memswap_limit": resources.memswap_limit, "mem_swappiness": resources.mem_swappiness,
    "cpus": resources.cpus, "cpu_shares": resources.cpu_shares, "cpu_quota": resources.cpu_quota,
    "cpu_period": resources.cpu_period, "cpu_rt_runtime": resources.cpu_rt_runtime,
    "cpu_rt_period": resources.cpu_rt_period, "cpuset": resources.cpuset, "pids_limit": resources.pids_limit,
    "shm_size": resources.shm_size, "ulimits": resources.ulimits, "blkio_config": resources.blkio_config,
    "oom_kill_disable": resources.oom_kill_disable, "oom_score_adj": resources.oom_score_adj,
    "devices": resources.devices, "device_cgroup_rules": resources.device_cgroup_rules, "gpus": resources.gpus,
    "sysctls": resources.sysctls, "runtime": resources.runtime,
    # security: security.py
    "cap_add": security.cap_add, "cap_drop": security.cap_drop, "privileged": security.privileged,
    "read_only": security.read_only, "security_opt": security.security_opt, "userns_mode": security.userns_mode,
    "group_add": security.group_add, "pid": security.pid, "ipc": security.ipc, "uts": security.uts,
    "cgroup": security.cgroup, "cgroup_parent": security.cgroup_parent,
    # logging: logs.py
    "logging": logs.logging,
    # resolved while loading
    "extends": LOADED, "profiles": LOADED, "env_file": LOADED,
    # no Podman equivalent: PG701 with the reason
    "credential_spec": NotConverted("a Windows container feature"),
    "isolation": NotConverted("a Windows container feature"),
    "cpu_count": NotConverted("Windows only"),
    "cpu_percent": NotConverted("Windows only"),
    "develop": NotConverted("used by 'docker compose watch', which Podman has no equivalent of"),
    "provider": NotConverted("service providers are a Docker Compose plugin mechanism"),
    "models": NotConverted("Docker Model Runner is not available to Podman"),
    "attach": NotConverted("log attachment is a 'docker compose up' option"),
    "pull_refresh_after": NotConverted("Podman has no periodic re-pull; use AutoUpdate=registry"),
    "external_links": NotConverted("the linked container is outside the project; put it on a shared network "
                                   "instead"),
    "post_start": NotConverted("lifecycle hooks have no podman run flag"),
    "pre_stop": NotConverted("lifecycle hooks have no podman run flag"),
    "use_api_socket": NotConverted("Docker's API socket is not available; mount the Podman socket explicitly"),
    "label_file": NotConverted("podgen does not read label files yet; copy the labels into 'labels:'"),
    "scale": NotConverted("one container per service is generated"),
}

# the keys of a top-level network that become `podman network create` options (lowering.Lowering.network);
# any other key (but x-) is reported as PG701
NETWORK_KEYS = frozenset(("name", "driver", "driver_opts", "ipam", "internal", "enable_ipv6", "external",
                          "attachable", "labels", "enable_ipv4"))
