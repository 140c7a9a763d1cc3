"""Docker's json-file/local log driver and its rotation options: the journal keeps the logs.

## Why
Docker writes container logs to files (`json-file`, or `local`) and rotates
them by `max-size`/`max-file`.  Podman's default log driver is `journald` on
a host with systemd and a journal (`k8s-file` elsewhere), so a Quadlet unit's
container logs to the journal (`journalctl --user -u PROJECT-SERVICE.service`,
`podman logs`), which rotates them by its own limits (`SystemMaxUse=`,
`MaxRetentionSec=` in journald.conf).  podgen leaves that default in place:
it does not turn `json-file` or `local` into Podman's file driver (the
journal would then show nothing), and it reports the options that no longer
apply instead of dropping them silently:

- no driver, `json-file` or `local`: the driver is not written; `max-size`,
  `max-file` and `compress` are reported; `tag` is kept (`--log-opt tag=`).
- `k8s-file` (asked for explicitly): kept with `max-size` (and `path`); it
  keeps one file, truncated at `max-size`, so `max-file` and `compress` are
  reported.
- `journald`, `none`, `passthrough`: kept; rotation options are reported.

A shell script (`--format script`) runs `podman` directly: its containers
use the host's default driver (journald on a host with systemd, k8s-file
without a size limit elsewhere, see `log_size_max` in containers.conf).
Other Docker drivers (syslog, fluentd, gelf, ...) have no Podman equivalent
and are reported as PG701.

## Example
```yaml
services:
  web:
    image: nginx
    logging:
      driver: json-file        # PG706
      options:
        max-size: 10m
        max-file: "3"
```

## Fix
Nothing is needed: read the logs with `journalctl --user -u
PROJECT-SERVICE.service` (or `podman logs`) and size the journal in
journald.conf.  To keep a size-capped log file instead, set
`driver: k8s-file` (Podman's json-file) with `max-size`.  Remove the
`logging:` options, or `--ignore PG706`, to silence the note.
"""
from podgen.report.diagnostics import Severity
from podgen.rules._base import Rule

RULE = Rule(code="PG706", name="log-rotation", severity=Severity.INFO,
            summary="Docker's json-file/local log driver and rotation options are not converted: Podman's "
                    "default driver (the journal, under systemd) keeps and rotates the logs",
            doc=__doc__, stage="convert")
