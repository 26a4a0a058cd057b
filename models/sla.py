"""Response-time targets per channel, from config/sla.toml, validated on load."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from store import PROJECT_ROOT

SLA_FILE = PROJECT_ROOT / "config" / "sla.toml"


class SlaError(ValueError):
    """An SLA file that cannot be used; the message names the file and the channel."""


@dataclass(frozen=True)
class Target:
    first_response: int  # minutes
    resolution: int  # minutes


def load_targets(path: Path = SLA_FILE) -> dict[str, Target]:
    """Targets per channel; the entry "default" applies to channels without one of their own. Parsed once per
    version of the file (its size and modification time), not on every rerun of the leadership page."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise SlaError(f"SLA targets {path}: {exc}") from None
    return dict(parsed_targets(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=8)
def parsed_targets(path: Path, mtime_ns: int, size: int) -> tuple[tuple[str, Target], ...]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SlaError(f"SLA targets {path}: {exc}") from None
    targets = {}
    for channel, values in doc.items():
        try:
            targets[channel] = Target(int(values["first_response"]), int(values["resolution"]))
        except (KeyError, TypeError, ValueError):
            message = f"SLA targets {path}: [{channel}] needs whole-minute first_response and resolution"
            raise SlaError(message) from None
    if "default" not in targets:
        raise SlaError(f"SLA targets {path}: needs a [default] entry")
    return tuple(targets.items())
