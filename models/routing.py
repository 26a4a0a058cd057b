"""Routing rules (config/routing.toml): which team handles a social post and how fast; first matching rule wins."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from store import PROJECT_ROOT

ROUTING_FILE = PROJECT_ROOT / "config" / "routing.toml"
INTENTS = ("complaint", "question", "praise", "idea", "other")
URGENCIES = ("high", "normal", "low")
REASONS = ("safety", "fraud_account", "deadline", "public_escalation", "vulnerability")  # why a post is urgent
LIST_CONDITIONS = ("intents", "urgencies", "reasons", "keywords", "networks", "categories", "segments")
SETTINGS = {"name", "team", "target_minutes", "prospect", "min_lifetime_value", *LIST_CONDITIONS}


class RoutingError(ValueError):
    """A routing file that cannot be used; the message names the file, the rule and the setting."""


@dataclass(frozen=True)
class Post:
    """What a rule can look at: the post, its classification, and who wrote it."""

    text: str
    intent: str
    urgency: str
    network: str | None = None
    categories: tuple[str, ...] = ()
    segment: str | None = None
    is_prospect: bool = False
    lifetime_value: float = 0.0
    urgency_reason: str = ""  # the classifier's reason for high urgency (REASONS), else ""


@dataclass(frozen=True)
class Rule:
    name: str
    team: str
    target_minutes: int
    intents: tuple[str, ...] = ()
    urgencies: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    prospect: bool | None = None
    min_lifetime_value: float | None = None
    keyword_pattern: re.Pattern | None = field(default=None, compare=False, repr=False)

    def matches(self, post: Post) -> bool:
        return all((
            not self.intents or post.intent in self.intents,
            not self.urgencies or post.urgency in self.urgencies,
            not self.reasons or post.urgency_reason in self.reasons,
            not self.networks or post.network in self.networks,
            not self.segments or post.segment in self.segments,
            not self.categories or bool(set(self.categories) & set(post.categories)),
            self.prospect is None or post.is_prospect == self.prospect,
            self.min_lifetime_value is None or post.lifetime_value >= self.min_lifetime_value,
            self.keyword_pattern is None or bool(self.keyword_pattern.search(post.text)),
        ))


@dataclass(frozen=True)
class Route:
    """Where a post goes, and which rule sent it there."""

    team: str
    rule: str
    target_minutes: int


def load_rules(path: Path = ROUTING_FILE) -> list[Rule]:
    """Read and validate the routing rules; errors name the file, the rule and the setting."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RoutingError(f"routing rules {path}: {exc}") from None
    entries = doc.get("rule")
    if not isinstance(entries, list) or not entries:
        raise RoutingError(f"routing rules {path}: needs at least one [[rule]]")
    rules = [parse_rule(entry, index, path) for index, entry in enumerate(entries, start=1)]
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise RoutingError(f"routing rules {path}: rule names must be unique")
    return rules


def parse_rule(entry: dict, index: int, path: Path) -> Rule:
    where = f"routing rules {path}: rule {index} ({entry.get('name', 'unnamed')!r})"
    unknown = set(entry) - SETTINGS
    if unknown:
        raise RoutingError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    for required in ("name", "team", "target_minutes"):
        if required not in entry:
            raise RoutingError(f"{where}: needs {required!r}")
    target = entry["target_minutes"]
    if not isinstance(target, int) or isinstance(target, bool) or target <= 0:
        raise RoutingError(f"{where}: target_minutes must be a whole number of minutes above 0")
    lists = {name: strings(entry.get(name, []), name, where) for name in LIST_CONDITIONS}
    check_values(lists["intents"], INTENTS, "intents", where)
    check_values(lists["urgencies"], URGENCIES, "urgencies", where)
    check_values(lists["reasons"], REASONS, "reasons", where)
    prospect = entry.get("prospect")
    if prospect is not None and not isinstance(prospect, bool):
        raise RoutingError(f"{where}: prospect must be true or false")
    minimum = entry.get("min_lifetime_value")
    if minimum is not None and (isinstance(minimum, bool) or not isinstance(minimum, int | float)):
        raise RoutingError(f"{where}: min_lifetime_value must be a number")
    keywords = lists["keywords"]
    pattern = (re.compile(r"\b(" + "|".join(re.escape(k.lower()) for k in keywords) + r")\b", re.IGNORECASE)
               if keywords else None)
    return Rule(name=str(entry["name"]), team=str(entry["team"]), target_minutes=target,
                prospect=prospect, min_lifetime_value=minimum, keyword_pattern=pattern,
                **{name: tuple(v.lower() for v in values) for name, values in lists.items()})


def strings(value, name: str, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise RoutingError(f"{where}: {name} must be a list of strings")


def check_values(values: list[str], allowed: tuple[str, ...], name: str, where: str) -> None:
    wrong = [v for v in values if v.lower() not in allowed]
    if wrong:
        raise RoutingError(f"{where}: {name} {', '.join(wrong)} not one of {', '.join(allowed)}")


def route(post: Post, rules: list[Rule]) -> Route | None:
    """The first rule that matches the post, or None when no rule does."""
    for rule in rules:
        if rule.matches(post):
            return Route(rule.team, rule.name, rule.target_minutes)
    return None
