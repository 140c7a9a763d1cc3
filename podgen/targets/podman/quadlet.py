"""Emit stage (Quadlet): ProjectSpec -> ``.network``, ``.volume``, ``.container`` units.

Every compose object keeps its Docker Compose name (``NetworkName=``,
``VolumeName=``, ``ContainerName=``) and every service joins each of its
networks with its service name as an alias, so names resolve exactly as they
did under Docker.  Keys newer than the target Podman fall back to
``PodmanArgs=`` (or are reported), values are escaped per lookup kind.
"""
from __future__ import annotations

import json
import re

from podgen.report.diagnostics import Diagnostic, Severity, Span
from podgen.targets.podman.escape import (Unrepresentable, Verbatim, line_value, quote_word, single_value,
                                specifier_escape, systemd_escape, word_value)
from podgen.targets.podman.spec import ContainerSpec, NetworkSpec, ProjectSpec, VolumeSpec
from podgen.targets.podman.units import UnitFile
from podgen.model import RUNTIME_DIR

# ExecStartPre= that creates a missing bind source (the argument after it) and fails with mkdir's
# own error when it cannot; $$ is systemd's literal $ (the script gets "$1")
MKDIR_PRE = "/bin/sh -c '[ -e \"$$1\" ] || mkdir -p \"$$1\"' mkdir "

# the window in which restart: on-failure:N allows N restarts (Docker counts them without one)
RESTART_WINDOW_S = 600
# systemd replaces a word that is exactly ${VAR} by exactly one argument, even an empty one
EMPTY_VAR = "PODGEN_EMPTY"
EMPTY_WORD = "${" + EMPTY_VAR + "}"
# Quadlet writes a ";" argument unquoted into ExecStart=, where systemd takes a lone ";" as the
# end of the command (the next words would run as a second command); ${PODGEN_SEMICOLON} is
# expanded after the line is split, so it stays one ";" argument.
SEMICOLON_VAR = "PODGEN_SEMICOLON"
# words Quadlet cannot carry in Exec=, written as a variable systemd expands: word -> (var, why)
EXEC_WORD_VARS = {
    "": (EMPTY_VAR, "is an empty argument (Quadlet drops empty words; systemd expands this one "
                    "to exactly one empty argument)"),
    ";": (SEMICOLON_VAR, "is a ';' argument (Quadlet writes ';' unquoted, which systemd would take "
                         "as the end of the command)"),
}
_OBJECT_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")


class QuadletEmitter:
    def __init__(self, spec: ProjectSpec, project, target, header: list):
        self.spec = spec
        self.project = project
        self.target = target
        self.header = header
        self.diags: list = spec.diagnostics
        self.units_by_service = {c.service: c for c in spec.containers}
        self.needs_vars: dict = {}      # unit -> {variable: value} for [Service] Environment=
        self._supported: dict = {}      # since -> target.at_least(*since)
        self.strips_quotes = target.at_least(5, 0)
        self._needed_by: dict | None = None

    # --- helpers ---------------------------------------------------------------------------
    def error(self, svc_name, span, message, hint=None):
        from podgen.rules import RULES
        rule = RULES.get("PG703")
        notes = (hint,) if hint else ()
        if span is None:   # not every option knows where it came from; its service does
            owner = self.units_by_service.get(svc_name)
            span = owner.span if owner is not None else Span("")
        self.diags.append(Diagnostic(span, "PG703", Severity.ERROR, message, service=svc_name,
                                     notes=notes, name=rule.name if rule else ""))

    def supports(self, since: tuple) -> bool:
        """``target.at_least(*since)``, remembered: it is asked for every option of every container."""
        ok = self._supported.get(since)
        if ok is None:
            ok = self._supported[since] = self.target.at_least(*since)
        return ok

    def check_name(self, kind: str, name: str, span, svc=None) -> bool:
        if _OBJECT_NAME.fullmatch(name) and len(name) <= 200:
            return True
        self.error(svc, span, f"{kind} name {name!r} cannot be used as a Podman object and unit name",
                   "names use letters, digits, '_', '.', '-' and start with a letter or digit")
        return False

    # --- whole project -----------------------------------------------------------------------
    def emit(self) -> list:
        units = []
        for net in self.spec.networks:
            if not net.external:
                units.append(self.network(net))
        for vol in self.spec.volumes:
            if not vol.external:
                units.append(self.volume(vol))
        for c in self.spec.containers:
            units.append(self.container(c))
        return [u for u in units if u is not None]

    def new_unit(self, filename: str, notes=()) -> UnitFile:
        unit = UnitFile(filename=filename, header=list(self.header))
        for code, text in _unit_notes(notes):
            unit.header.append(f"{code}: {text}")
        return unit

    # --- networks ---------------------------------------------------------------------------------
    def network(self, net: NetworkSpec) -> UnitFile | None:
        if not self.check_name("network", net.name, net.span):
            return None
        unit = self.new_unit(f"{net.unit}.network", net.notes)
        u = unit.section("Unit")
        u.add("Description", specifier_escape(f"Network {net.key} of compose project {self.spec.project}"))
        n = unit.section("Network")
        if self.target.at_least(4, 7):
            n.add("NetworkName", single_value(net.name))
        else:
            n.comments.append(f"Podman {self.target.version} cannot name networks in Quadlet: "
                              f"this network is called systemd-{net.unit}, not {net.name}")
        if net.driver:
            self.put(n, "Driver", net.driver, "single", None, net.span)
        if net.ipam_driver:
            self.put(n, "IPAMDriver", net.ipam_driver, "single", None, net.span)
        gateways_ok = all(("gateway" in s) >= ("gateway" in t)
                          for s, t in zip(net.subnets, net.subnets[1:]))
        ranges_ok = all(("ip_range" in s) >= ("ip_range" in t) for s, t in zip(net.subnets, net.subnets[1:]))
        for sub in net.subnets:
            if "subnet" in sub:
                self.put(n, "Subnet", sub["subnet"], "single", None, net.span)
        for sub in net.subnets:
            if "gateway" in sub and gateways_ok:
                self.put(n, "Gateway", sub["gateway"], "single", None, net.span)
            if "ip_range" in sub and ranges_ok:
                self.put(n, "IPRange", sub["ip_range"], "single", None, net.span)
        if not (gateways_ok and ranges_ok):
            self.error(None, net.span, f"network {net.key!r}: Quadlet pairs Gateway=/IPRange= with "
                       "Subnet= by order; give every earlier subnet a gateway/ip_range too")
        if net.internal:
            n.add("Internal", "true")
        if net.ipv6:
            n.add("IPv6", "true")
        for k, v in net.options.items():
            self.put(n, "Options", f"{k}={v}", "keyval", None, net.span)
        for k, v in net.labels.items():
            self.put(n, "Label", f"{k}={v}", "keyval", None, net.span)
        return unit

    # --- volumes ---------------------------------------------------------------------------------
    def volume(self, vol: VolumeSpec) -> UnitFile | None:
        if not self.check_name("volume", vol.name, vol.span):
            return None
        unit = self.new_unit(f"{vol.unit}.volume", vol.notes)
        u = unit.section("Unit")
        u.add("Description", specifier_escape(f"Volume {vol.key} of compose project {self.spec.project}"))
        v = unit.section("Volume")
        if self.target.at_least(4, 7):
            v.add("VolumeName", single_value(vol.name))
        else:
            v.comments.append(f"Podman {self.target.version} cannot name volumes in Quadlet: "
                              f"this volume is called systemd-{vol.unit}, not {vol.name}")
        if vol.driver:
            if self.target.at_least(4, 8):
                self.put(v, "Driver", vol.driver, "single", None, vol.span)
            else:
                self.put(v, "PodmanArgs", f"--driver={vol.driver}", "args", None, vol.span)
        opts = dict(vol.options)
        device = opts.pop("device", None)
        vtype = opts.pop("type", None)
        o = opts.pop("o", None)
        if device is not None:
            self.put(v, "Device", device, "single", None, vol.span)
            if vtype is not None:
                self.put(v, "Type", vtype, "single", None, vol.span)
            if o is not None:
                self.put(v, "Options", o, "single", None, vol.span)
        else:
            for k, val in (("type", vtype), ("o", o)):
                if val is not None:
                    opts[k] = val
        for k, val in opts.items():
            if self.target.at_least(4, 6):
                self.put(v, "PodmanArgs", f"--opt={k}={val}", "args", None, vol.span)
            else:
                self.error(None, vol.span, f"volume {vol.key!r}: driver option {k} needs Podman 4.6 "
                           "Quadlet (PodmanArgs=) or --format script")
        for k, val in vol.labels.items():
            self.put(v, "Label", f"{k}={val}", "keyval", None, vol.span)
        return unit

    # --- containers --------------------------------------------------------------------------------
    def container(self, c: ContainerSpec) -> UnitFile | None:
        ok = self.check_name("container", c.name, c.span, c.service)
        if not ok:
            return None
        unit = self.new_unit(f"{c.unit}.container", [n for n in c.notes if len(n) == 2])
        u = unit.section("Unit")
        self.unit_section = u
        u.add("Description", specifier_escape(f"Service {c.service} of compose project {self.spec.project}"))
        self.dependencies(c, u)
        if any(_mounts_podman_socket(opt, self.target.rootless) for opt in c.options):
            # the mounted API socket must exist before the container starts, as a socket (PG601);
            # rootful units are system units: podman.socket is then the system socket unit
            u.add("Wants", "podman.socket", ["the container talks to Podman's API socket (PG601)"])
            u.add("After", "podman.socket")
        q = unit.section("Container")
        q.add("ContainerName", single_value(c.name))
        self.put(q, "Image", c.image, "single", c.service, c.span)
        for opt in c.options:
            # not copied: nothing below changes the list, and UnitSection.add keeps a copy
            comments = opt.comments + [opt.note] if opt.note else opt.comments
            self.option(q, opt, c, comments)
        if c.notify_healthy:
            if self.target.at_least(5, 0):
                q.add("Notify", "healthy", [f"dependents wait until {c.service} is healthy"])
        self.entrypoint_and_command(q, c)
        s = unit.section("Service")
        self.service_section(s, c)
        self.install(unit, c)
        return unit

    def install(self, unit, c: ContainerSpec):
        """[Install] WantedBy=default.target for what Docker starts again after a reboot.

        After a host reboot Docker starts the containers that were running with a restart policy
        of `always`, `unless-stopped` or `on-failure` (moby/moby#47846: the last one too, although
        the docs say a daemon restart alone does not).  `no` (the default) is never restarted, and
        neither is a job that had already exited: podgen knows a job when a depends_on waits for it
        to complete successfully (Type=oneshot).  So long-running services with a restart policy
        start at boot; jobs and services without one start with a unit that needs them or by hand,
        and a one-shot setup job (`kong migrations bootstrap`) is not run again at every boot.
        """
        policy = c.restart if c.restart not in (None, "") else "no"
        if policy in ("always", "unless-stopped") or (policy.startswith("on-failure") and not c.oneshot):
            unit.section("Install").add("WantedBy", "default.target")
            return
        user = " --user" if self.target.rootless else ""
        if self._needed_by is None:     # service -> the units that need it, built once (not per unit)
            self._needed_by = {}
            for d in self.spec.containers:
                for r in d.requires:
                    units = self._needed_by.setdefault(r.service, [])
                    if f"{d.unit}.service" not in units[-1:]:
                        units.append(f"{d.unit}.service")
        needed_by = self._needed_by.get(c.service, ())
        why = ("Docker does not start it again after a reboot either" if policy == "no"
               else "it runs to completion (a depends_on waits for it to complete successfully), "
                    "and Docker does not start a job that has exited again after a reboot")
        unit.header.append(
            f"Not started at boot (no [Install] section): restart: {policy} - {why}.  "
            + (f"It starts with {', '.join(needed_by)}, which need{'s' if len(needed_by) == 1 else ''} it, "
               "or by hand: " if needed_by
               else "Start it by hand: ")
            + f"systemctl{user} start {c.unit}.service (a restart policy starts a long-running service at boot)")

    def dependencies(self, c: ContainerSpec, u):
        for req in c.requires:
            dep = self.units_by_service.get(req.service)
            if dep is None:
                continue
            dep_unit = f"{dep.unit}.service"
            if req.condition == "service_healthy" and dep.notify_healthy:
                why = f"starts once {req.service} is healthy"
            elif req.condition == "service_healthy":     # PG705: nothing to wait for
                why = f"starts after {req.service} (which has no healthcheck to wait for)"
            elif req.condition == "service_completed_successfully":
                why = f"starts once {req.service} has completed successfully"
            else:
                why = f"starts after {req.service}"
            u.add("Requires" if req.required else "Wants", dep_unit, [f"depends_on: {why}"])
            u.add("After", dep_unit)
            if req.restart:
                u.add("PartOf", dep_unit)

    def option(self, q, opt, c: ContainerSpec, comments):
        key = opt.key
        if key is None:
            usable = False
        else:   # supports(), inlined: asked for every option of every container
            usable = self._supported.get(opt.since)
            if usable is None:
                usable = self.supports(opt.since)
        if key == "Network" and opt.qvalue and opt.qvalue.endswith(".container") and not self.target.at_least(5, 3):
            # Network=x.container needs 5.3; the plain container: form works on any version
            self.put(q, "Network", opt.value, "line", c.service, opt.span, comments)
            return
        if usable and key == "User" and ":" in (opt.value or ""):
            from podgen.targets.podman.units import UnitSection
            user, group = opt.value.split(":", 1)
            pair = UnitSection(q.name)      # both or neither: written to q only when both can be
            if self.put(pair, "User", user, "single", c.service, opt.span, comments, fallback=False) and \
                    self.put(pair, "Group", group, "single", c.service, opt.span, fallback=False):
                for line in pair.lines:
                    q.add(line.key, line.value, line.comments)
                return
            usable = False
        if usable:
            value = opt.qvalue if opt.qvalue is not None else opt.value
            if opt.runtime_dir:
                value = runtime_dir_value(value)
            if opt.kind == "bool":
                q.add(key, value or "true", comments)
                return
            if self.put(q, key, value, opt.kind, c.service, opt.span, comments, fallback=False):
                return
        elif key is not None and opt.key != "PodmanArgs":
            comments = comments + [f"{key}= needs Podman {'.'.join(map(str, opt.since))} Quadlet; "
                                   f"target is {self.target.version}"]
        arg = opt.arg()
        if opt.runtime_dir:
            arg = Verbatim(f"{opt.flag}=" + runtime_dir_value(opt.value))
        self.put(q, "PodmanArgs", arg, "args", c.service, opt.span, comments,
                 what=f"{key}= (and PodmanArgs=)" if usable else None)

    def put(self, section, key, value, kind, svc_name, span, comments=(), fallback=True, what=None) -> bool:
        """Write key=value escaped for *kind*; report what cannot be written."""
        try:
            # most lines are key=value lists (Environment=, Label=) or one-argument lines (Volume=)
            if kind == "keyval" or kind == "args":
                text = quote_word(value)
            elif kind == "line":
                text = line_value(value)
            elif kind == "single":
                text = single_value(value, strips_quotes=self.strips_quotes)
            elif kind == "words":
                text = word_value(value)
            else:
                raise ValueError(kind)
        except Unrepresentable as exc:
            if not fallback:
                return False
            self.error(svc_name, span, f"{what or key + '='}: cannot write {value!r} into a Quadlet unit: {exc}",
                       "change the value, or use a shell script: convert --format script (lint --for script)")
            return False
        section.add(key, text, comments)
        return True

    def entrypoint_and_command(self, q, c: ContainerSpec):
        svc = self.project.services.get(c.service) if hasattr(self.project, "services") else None
        if c.entrypoint is not None:
            value = json.dumps(c.entrypoint, ensure_ascii=False)
            if not c.entrypoint:
                if self.target.at_least(5, 0):
                    q.add("Entrypoint", "[]", ["entrypoint: [] clears the image's entrypoint"])
                else:
                    q.add("PodmanArgs", "--entrypoint=", ["entrypoint: [] clears the image's entrypoint"])
            elif self.target.at_least(5, 0):
                self.put(q, "Entrypoint", value, "single", c.service,
                         svc.span_of("entrypoint") if svc else c.span)
            else:
                self.put(q, "PodmanArgs", f"--entrypoint={value}", "args", c.service,
                         svc.span_of("entrypoint") if svc else c.span)
        if c.command is not None:
            if not c.command:
                return
            try:
                words = " ".join("${%s}" % EXEC_WORD_VARS[w][0] if w in EXEC_WORD_VARS else quote_word(w)
                                 for w in c.command)
            except Unrepresentable as exc:
                self.error(c.service, svc.span_of("command") if svc else c.span,
                           f"command {c.command!r} cannot be written as Exec=: {exc}",
                           "use a shell script: convert --format script (lint --for script)")
                return
            comments = []
            for word, (var, why) in EXEC_WORD_VARS.items():
                if word in c.command:
                    self.needs_vars.setdefault(c.unit, {})[var] = word
                    comments.append(f"${{{var}}} {why}")
            q.add("Exec", words, comments)

    def service_section(self, s, c: ContainerSpec):
        for var, word in self.needs_vars.get(c.unit, {}).items():
            s.add("Environment", f"{var}={word}")
        restart = c.restart
        if c.oneshot:
            s.add("Type", "oneshot", ["runs to completion: a depends_on uses service_completed_successfully"])
            s.add("RemainAfterExit", "yes")
            if restart in ("always", "unless-stopped"):
                # systemd refuses it: "Service has Restart= set to either always or on-success, which
                # isn't allowed for Type=oneshot services" (on-failure is allowed, systemd 244+) - PG701
                s.comments.append(f"restart: {restart} is not used: systemd refuses Restart=always for a "
                                  "run-to-completion (Type=oneshot) unit")
                restart = None
        if restart and restart != "no":
            value = {"always": "always", "unless-stopped": "always"}.get(restart, "on-failure")
            note = []
            if restart == "unless-stopped":
                note = ["restart: unless-stopped (systemd never restarts a unit you stopped)"]
            elif c.oneshot:
                note = [f"restart: {restart}: a failed run is started again (systemd 244+ allows Restart=on-failure "
                        "with Type=oneshot)"]
            s.add("Restart", value, note)
            if restart.startswith("on-failure:") and restart != "on-failure:0":     # 0: no limit (Docker)
                # Docker gives up after N restarts; systemd counts starts (the first one too) within
                # StartLimitIntervalSec (10 s by default, which a slow crash loop never reaches)
                retries = int(restart.split(":", 1)[1])
                self.unit_section.add("StartLimitIntervalSec", str(RESTART_WINDOW_S),
                                      [f"restart: {restart}: at most {retries} restart(s) within "
                                       f"{RESTART_WINDOW_S // 60} minutes, then the unit stays failed "
                                       f"(systemctl{' --user' if self.target.rootless else ''} reset-failed clears it)"])
                self.unit_section.add("StartLimitBurst", str(retries + 1))
        for path in dict.fromkeys(c.host_dirs):
            try:
                arg = quote_word(path)
            except Unrepresentable:
                continue
            # not "-/usr/bin/mkdir -p": that ignored every failure (EACCES too, and podman then failed
            # with "no such file or directory"); an existing file or directory is left alone
            s.add("ExecStartPre", MKDIR_PRE + arg,
                  ["compose creates missing bind-mount sources; podman does not (if it cannot be "
                   "created, mkdir's error is in the journal and the unit fails)"])
        for name, path in c.secrets:
            s.add("ExecStartPre", f"-/usr/bin/podman secret create {quote_word(name)} {quote_word(path)}",
                  [f"creates secret {name} on first start (remove it to pick up a changed file)"])
        timeout = 900
        if c.notify_healthy:
            timeout = max(timeout, c.health_timeout_s)
        s.add("TimeoutStartSec", str(timeout))
        if c.stop_timeout is not None:
            s.add("TimeoutStopSec", str(c.stop_timeout + 30))
        code = None if c.oneshot else _stop_exit_status(c)
        if code is not None:
            s.add("SuccessExitStatus", str(code),
                  [f"a process that dies of its stop signal exits {code}: a normal stop, not a failure"])
        if c.notify_healthy and not self.target.at_least(5, 0):
            s.add("ExecStartPost", f"/usr/bin/podman wait --condition=healthy {quote_word(c.name)}",
                  [f"Podman {self.target.version} has no Notify=healthy: wait for the healthcheck instead"])


def _stop_exit_status(c: ContainerSpec) -> int | None:
    """128 + the stop signal: what ``podman run`` exits with when a stop signal kills the container."""
    name = str(next((o.value for o in c.options if o.flag == "--stop-signal"), None) or "SIGTERM").upper()
    status = _STOP_STATUS.get(name, _UNKNOWN)
    if status is _UNKNOWN:
        status = _STOP_STATUS[name] = _signal_exit_status(name)
    return status


# signal name -> exit status (asked once per container); SIGTERM, the default, is 15 on every
# system podman runs on: most projects then never import the signal module (~1 ms)
_STOP_STATUS: dict = {"SIGTERM": 128 + 15}
_UNKNOWN = object()


def _signal_exit_status(name: str) -> int | None:
    import signal
    if name.isdigit():
        number = int(name)
    else:
        try:
            number = signal.Signals[name if name.startswith("SIG") else "SIG" + name].value
        except KeyError:
            return None
    return 128 + number if 0 < number < 128 else None


# Podman's system API socket (podman.socket of the system manager), what PG601 mounts rootful
_ROOTFUL_PODMAN_SOCKETS = ("/run/podman/podman.sock:", "/var/run/podman/podman.sock:")


def _mounts_podman_socket(opt, rootless: bool) -> bool:
    """Whether *opt* bind-mounts the Podman API socket that the target's podman.socket unit provides."""
    value = opt.value
    if opt.flag != "--volume" or not value:
        return False
    if opt.runtime_dir:             # %t: the user's runtime directory (/run for system units)
        return value.startswith(RUNTIME_DIR + "/podman/podman.sock:")
    return not rootless and value.startswith(_ROOTFUL_PODMAN_SOCKETS)


def runtime_dir_value(value: str) -> Verbatim:
    """``$XDG_RUNTIME_DIR/rest`` -> ``%t/rest`` (systemd's runtime directory specifier), rest escaped."""
    return Verbatim("%t" + systemd_escape(value[len(RUNTIME_DIR):]))


def _unit_notes(notes):
    for note in notes:
        if len(note) == 2:
            yield note
