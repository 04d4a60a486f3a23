"""How the child probes hand their figures to ``bench.run``: one ``BENCH {json}`` line."""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path
from typing import Any

MARKER = "BENCH "
PROGRESS_MARKER = "BENCH-PROGRESS "


def report(values: dict[str, Any]) -> None:
    sys.stdout.write(MARKER + json.dumps(values) + "\n")
    sys.stdout.flush()


def parse(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.splitlines()):
        if line.startswith(MARKER):
            value = json.loads(line[len(MARKER) :])
            assert isinstance(value, dict)
            return value
    raise RuntimeError(f"the probe printed no result line:\n{stdout[-2000:]}")


def peak_rss_mib() -> float:
    """This process's peak resident set size, in MiB.

    On Linux ``getrusage(RUSAGE_SELF).ru_maxrss`` survives ``fork`` + ``exec``: a child started by
    a bigger parent reports at least the parent's peak. The kernel's high-water mark of the
    process's own address space (``VmHWM`` in /proc/self/status) starts afresh at ``exec``, so it
    is used where it exists; elsewhere ``ru_maxrss`` (KiB on Linux, bytes on macOS).
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / 2**20 if sys.platform == "darwin" else maxrss / 1024


def ru_maxrss_mib() -> float:
    """``ru_maxrss`` as reported, for comparison (see ``peak_rss_mib``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
