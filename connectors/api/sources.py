"""The sources file (`sources.toml`): which APIs to sync and how, validated with errors naming file, source, setting."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from connectors.api import mastodon, rest, shopify, zendesk
from connectors.api.base import Setting, SourcesError
from connectors.api.http import RetryPolicy
from connectors.loader import SOURCE_NAME
from store import PROJECT_ROOT

CONNECTORS: dict[str, ModuleType] = {"zendesk": zendesk, "shopify": shopify, "mastodon": mastodon, "rest": rest}
COMMON = {
    "connector": Setting("text", required=True, help=f"one of {', '.join(CONNECTORS)}"),
    "timeout": Setting("number", default=30.0, help="seconds to wait for a connection and for each read"),
    "retries": Setting("integer", default=5, help="further attempts after a timeout, HTTP 429 or 5xx"),
    "backoff": Setting("number", default=1.0, help="seconds before the first retry; doubled each time"),
    "max_wait": Setting("number", default=120.0, help="the longest wait; a Retry-After asking more fails"),
    "batch_records": Setting("integer", default=25_000, help="store rows and cursor every this many records..."),
    "batch_seconds": Setting("number", default=30.0, help="...or after fetching for this many seconds"),
}
# literal credentials in a file end up in backups and version control: the file names environment variables instead
SECRET_KEYS = {"token", "password", "secret", "api_key", "apikey", "api_token", "access_token", "key"}
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CHECKS = {
    "text": (lambda v: isinstance(v, str), "text"),
    "number": (lambda v: isinstance(v, int | float) and not isinstance(v, bool), "a number"),
    "integer": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    "boolean": (lambda v: isinstance(v, bool), "true or false"),
    "texts": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of texts"),
    "table": (lambda v: isinstance(v, dict), "a table"),
}


@dataclass(frozen=True)
class Source:
    """One configured source: its name (the `source` of every row it loads), connector and checked settings."""

    name: str
    connector: str
    settings: dict = field(default_factory=dict)
    file: Path | None = None

    @property
    def module(self) -> ModuleType:
        return CONNECTORS[self.connector]

    @property
    def policy(self) -> RetryPolicy:
        s = self.settings
        return RetryPolicy(timeout=float(s["timeout"]), retries=s["retries"], backoff=float(s["backoff"]),
                           max_wait=float(s["max_wait"]))


def sources_path() -> Path:
    """The sources file: `RAPPORT_SOURCES` if set, else `sources.toml` in the project folder."""
    return Path(os.environ.get("RAPPORT_SOURCES") or PROJECT_ROOT / "sources.toml")


def load_sources(path: str | Path | None = None) -> list[Source]:
    """The sources a file configures, in file order; none when the file does not exist."""
    path = Path(path) if path is not None else sources_path()
    if not path.exists():
        return []
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SourcesError(f"{path}: {exc}") from None
    return parse_sources(doc, path)


def parse_sources(doc: dict, path: Path) -> list[Source]:
    unknown = set(doc) - {"defaults", "sources"}
    if unknown:
        raise SourcesError(f"{path}: unknown top-level setting(s) {', '.join(sorted(unknown))}; "
                           f"expected [defaults] and [sources.NAME] tables")
    defaults = doc.get("defaults", {})
    sources = doc.get("sources", {})
    if not isinstance(defaults, dict) or not isinstance(sources, dict):
        raise SourcesError(f"{path}: [defaults] and [sources] must be tables")
    for key in defaults:
        if key not in COMMON or key == "connector":
            raise SourcesError(f"{path}: [defaults] has unknown setting {key!r}; expected "
                               f"{', '.join(k for k in COMMON if k != 'connector')}")
    return [parse_source(name, table, defaults, path) for name, table in sources.items()]


def parse_source(name: str, table, defaults: dict, path: Path) -> Source:
    where = f"{path}: source {name!r}"
    if not isinstance(table, dict):
        raise SourcesError(f"{where}: must be a table ([sources.{name}])")
    if not SOURCE_NAME.match(name):
        raise SourcesError(f"{where}: a source name is lower-case letters, digits, '_', '.' or '-'")
    connector = table.get("connector")
    if connector not in CONNECTORS:
        raise SourcesError(f"{where}: setting 'connector' must be one of {', '.join(CONNECTORS)}, not {connector!r}")
    spec = {**COMMON, **CONNECTORS[connector].SETTINGS}
    for key in table:
        if key.lower() in SECRET_KEYS:
            raise SourcesError(f"{where}: setting {key!r}: secrets do not go in this file; put it in an environment "
                               f"variable and name that variable with {key.lower()}_env = \"NAME\"")
        if key not in spec:
            raise SourcesError(f"{where}: unknown setting {key!r} for connector {connector!r}; expected one of "
                               f"{', '.join(spec)}")
    settings = {key: setting_value(key, setting, table, defaults, where) for key, setting in spec.items()}
    return Source(name, connector, CONNECTORS[connector].check(settings, where), path)


def setting_value(key: str, setting: Setting, table: dict, defaults: dict, where: str):
    value = table.get(key, defaults.get(key, setting.default))
    if value is None:
        if setting.required:
            raise SourcesError(f"{where}: missing required setting {key!r} ({setting.help})")
        return None
    check, expected = CHECKS[setting.type]
    if not check(value):
        raise SourcesError(f"{where}: setting {key!r} must be {expected}, not {value!r}")
    if key.endswith("_env") and not ENV_NAME.match(value):
        raise SourcesError(f"{where}: setting {key!r} names an environment variable; {value!r} is not a "
                           f"variable name")
    if setting.type in ("number", "integer") and value < 0:
        raise SourcesError(f"{where}: setting {key!r} must not be negative")
    return value


def select(sources: list[Source], names: list[str] | None, path: Path | None = None) -> list[Source]:
    """The sources called `names` (all when None), or an error naming the ones not configured."""
    if not names:
        return sources
    known = {s.name: s for s in sources}
    missing = [n for n in names if n not in known]
    if missing:
        where = path or sources_path()
        raise SourcesError(f"{where}: no source named {', '.join(map(repr, missing))}; configured: "
                           f"{', '.join(known) or 'none'}")
    return [known[n] for n in dict.fromkeys(names)]
