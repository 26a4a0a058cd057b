"""The LLM provider as the Data sources page shows it: whether one is configured, what the last build asked of it,
and how many of the posts held were classified by it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from models.llm.apply import configured, version_suffix
from queries.access import Viewer
from queries.connection import cursor
from store import Connection


@dataclass(frozen=True)
class LLMStatus:
    """Counts are 0, texts empty and times None where there is nothing to show (never nan or None on screen)."""

    configured: bool
    provider: str = ""
    model: str = ""
    problem: str = ""  # the LLM file cannot be used, and why
    held: int = 0  # posts whose classification held now is the LLM's
    last_run_at: datetime | None = None
    classified: int = 0  # in the last build
    cached: int = 0
    fallbacks: int = 0
    requests: int = 0
    last_error: str = ""


def llm_status(viewer: Viewer, con: Connection | None = None) -> LLMStatus:
    """The provider's settings and its last build's counters (only a build with this provider and model counts)."""
    viewer.require_page("data_sources")
    settings, problem = configured()
    if settings is None:
        return LLMStatus(False, problem=problem)
    db = cursor(con)
    last = db.execute("""select run_at, provider, model, classified, cached, fallbacks, requests, last_error
                         from llm_runs order by run_at desc limit 1""").fetchall()
    held = db.execute("""select count(*) from post_classifications
                         where classified_by = 'llm' and ends_with(rules_version, $s)""",
                      {"s": version_suffix(settings)}).fetchall()[0][0]
    status = LLMStatus(True, settings.provider, settings.model, held=held)
    if last and last[0][1] == settings.provider and last[0][2] == settings.model:
        run_at, _, _, classified, cached, fallbacks, requests, error = last[0]
        status = LLMStatus(True, settings.provider, settings.model, held=held, last_run_at=run_at,
                           classified=classified, cached=cached, fallbacks=fallbacks, requests=requests,
                           last_error=error or "")
    return status
