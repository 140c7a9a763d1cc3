"""The rule registry: explicit, greppable, one module per rule (like yamllint's).

Add a rule: write ``pgNNN_name.py`` with a docstring (why / example / fix)
and ``RULE = Rule(...)``, import it here, add tests in
``tests/rules/test_pgNNN_*.py``, and run ``python -m podgen.report.docs`` to refresh
the README table (a test fails while it is stale).

In: the typed ``Project`` (``podgen.model``) and a ``RuleContext`` (the rule,
the ``Target``, its options).  Out: ``Diagnostic``s located at file:line:col,
each maybe with a ``Fix``: ``apply(project)`` for ``convert`` (run by
``podgen.rewrite.apply``) and ``SourceEdit``s for ``podgen fix``.  A rule may
import ``podgen.model``, the load stage's value helpers,
``podgen.report.diagnostics``, the base modules and the helper modules here
(``_base``, ``ports``, ``hostfs``, ``_shellcmd``); not rewrite, targets or the
entry points.
"""
from __future__ import annotations

from podgen.rules import (
    pg001_invalid_input,
    pg002_schema,
    pg003_unset_variable,
    pg004_inactive_profile,
    pg101_privileged_port,
    pg102_invalid_port_spec,
    pg103_port_conflict,
    pg104_ports_ignored,
    pg201_default_network_no_dns,
    pg202_links,
    pg203_dns_breaks_discovery,
    pg301_unreachable_static_ip,
    pg302_client_ip_rewritten,
    pg303_host_gateway,
    pg304_static_ip_outside_subnet,
    pg401_macvlan_rootless,
    pg402_host_network,
    pg403_shared_netns,
    pg404_ping,
    pg405_docker_network_option,
    pg406_swarm_overlay_network,
    pg407_network_mode_unavailable,
    pg501_ulimit_above_rootless_limit,
    pg502_volume_needs_root_mount,
    pg503_bind_source_not_creatable,
    pg504_bind_owner_mismatch,
    pg505_selinux_private_label_shared,
    pg601_docker_socket,
    pg701_unsupported_key,
    pg702_build,
    pg703_unrepresentable,
    pg704_unset_environment,
    pg705_healthy_without_healthcheck,
    pg706_log_rotation,
)

_MODULES = (
    pg001_invalid_input,
    pg002_schema,
    pg003_unset_variable,
    pg004_inactive_profile,
    pg101_privileged_port,
    pg102_invalid_port_spec,
    pg103_port_conflict,
    pg104_ports_ignored,
    pg201_default_network_no_dns,
    pg202_links,
    pg203_dns_breaks_discovery,
    pg301_unreachable_static_ip,
    pg302_client_ip_rewritten,
    pg303_host_gateway,
    pg304_static_ip_outside_subnet,
    pg401_macvlan_rootless,
    pg402_host_network,
    pg403_shared_netns,
    pg404_ping,
    pg405_docker_network_option,
    pg406_swarm_overlay_network,
    pg407_network_mode_unavailable,
    pg501_ulimit_above_rootless_limit,
    pg502_volume_needs_root_mount,
    pg503_bind_source_not_creatable,
    pg504_bind_owner_mismatch,
    pg505_selinux_private_label_shared,
    pg601_docker_socket,
    pg701_unsupported_key,
    pg702_build,
    pg703_unrepresentable,
    pg704_unset_environment,
    pg705_healthy_without_healthcheck,
    pg706_log_rotation,
)

RULES = {m.RULE.code: m.RULE for m in _MODULES}
BY_NAME = {r.name: r for r in RULES.values()}

# Old code -> new code, kept forever so configurations keep working (codes are never reused).
REDIRECTS: dict = {}


def get(code_or_name: str):
    key = code_or_name.strip()
    key = REDIRECTS.get(key.upper(), key)
    return RULES.get(key.upper()) or BY_NAME.get(key.lower())


def analysis_rules():
    return [r for r in RULES.values() if r.check is not None]
