"""The LLM provider's settings (config/llm.toml, or the file RAPPORT_LLM_FILE names): where the endpoint is, which
model, the environment variable holding its key (the key itself is never in a file), and how hard to push it."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from store import PROJECT_ROOT

LLM_FILE = PROJECT_ROOT / "config" / "llm.toml"
# setting: (type, default); None as default means required
SETTINGS = {"enabled": (bool, True), "base_url": (str, None), "model": (str, None), "api_key_env": (str, ""),
            "requests_per_minute": (int, 60), "timeout_seconds": (float, 30.0), "batch_size": (int, 10),
            "retries": (int, 2), "max_seconds_per_build": (float, 300.0)}


class LLMConfigError(ValueError):
    """An LLM file that cannot be used; the message names the file and the setting."""


@dataclass(frozen=True)
class LLMSettings:
    base_url: str  # the OpenAI-compatible API root, e.g. http://127.0.0.1:11434/v1 (chat/completions is appended)
    model: str
    api_key_env: str = ""  # the environment variable that holds the key; empty: the endpoint needs none
    requests_per_minute: int = 60
    timeout_seconds: float = 30.0
    batch_size: int = 10  # posts per request
    retries: int = 2  # further tries of a request that timed out, was refused, rate-limited (429) or failed (5xx)
    max_seconds_per_build: float = 300.0  # after this, the posts not yet asked fall back to the learned model
    enabled: bool = True

    @property
    def provider(self) -> str:
        """The endpoint as people can be shown it: scheme, host and port, never a path, query or credentials."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")

    def api_key(self) -> str | None:
        """The key from the environment (None when no variable is named or it is empty)."""
        return os.environ.get(self.api_key_env) or None if self.api_key_env else None


def llm_file() -> Path:
    return Path(os.environ.get("RAPPORT_LLM_FILE") or LLM_FILE)


def load_llm_settings(path: Path | None = None) -> LLMSettings | None:
    """The provider's settings, or None when there is no file or it says `enabled = false` (the default: off)."""
    path = Path(path or llm_file())
    if not path.exists():
        return None
    where = f"LLM file {path}"
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LLMConfigError(f"{where}: {exc}") from None
    if "api_key" in doc:
        raise LLMConfigError(f"{where}: the key goes in an environment variable named by api_key_env, not the file")
    if unknown := set(doc) - set(SETTINGS):
        raise LLMConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(SETTINGS)}")
    values = {name: checked(doc, name, kind, default, where) for name, (kind, default) in SETTINGS.items()}
    if not values["enabled"]:
        return None
    if urlsplit(values["base_url"]).scheme not in ("http", "https"):
        raise LLMConfigError(f"{where}: base_url must start with http:// or https://")
    if urlsplit(values["base_url"]).password:
        raise LLMConfigError(f"{where}: the key goes in an environment variable named by api_key_env, not the file")
    return LLMSettings(**values)


def checked(doc: dict, name: str, kind: type, default, where: str):
    """One setting, of its type (an int is a fine float), positive where it is a number."""
    if name not in doc:
        if default is None:
            raise LLMConfigError(f"{where}: needs {name}")
        return default
    value = doc[name]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise LLMConfigError(f"{where}: {name} must be a {kind.__name__}")
    if kind in (int, float) and (value < 0 or (value == 0 and name != "retries")):
        raise LLMConfigError(f"{where}: {name} must be positive")
    if kind is str and name != "api_key_env" and not value.strip():
        raise LLMConfigError(f"{where}: {name} must not be empty")
    return value.strip() if kind is str else value
