"""The caches that spare a rerun its work never show what is out of date or not the viewer's: the leadership figures
are cached per build (a new build is read afresh), who may see them is checked on every call, the SLA file is read
again when it changes, and a drill-down's profile links keep the session's role."""

from __future__ import annotations

import pandas as pd
import pytest

import store
from models.build import build
from models.sla import SlaError, load_targets
from queries import cache, leadership
from queries.access import Refused
from queries.connection import shared_connection
from tests.conftest import DEMO_AS_OF
from tests.viewers import ADMIN, as_role


def counting(monkeypatch, read) -> list[int]:
    """Count how often the cached read `read` really runs (not answered from the cache)."""
    name = f"{read.__module__}.{read.__qualname__}"
    original, calls = cache._reads[name], []

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setitem(cache._reads, name, counted)
    return calls


def test_a_leadership_figure_is_computed_once_per_build_and_afresh_after_the_next(app_store, monkeypatch):
    calls = counting(monkeypatch, leadership._response_times_by_channel.__wrapped__)
    first = leadership.response_times_by_channel(ADMIN)
    again = leadership.response_times_by_channel(as_role("leadership"))
    assert len(calls) == 1, "the second rerun (another role that may open the page) is answered from the cache"
    pd.testing.assert_frame_equal(first, again)

    con = shared_connection()
    old_key = cache.build_key()
    con.execute("delete from raw_tickets where channel = 'email'")
    build(con.cursor(), DEMO_AS_OF)
    after = leadership.response_times_by_channel(ADMIN)
    assert len(calls) == 2, "a new build is a new key"
    name = f"{leadership.__name__}._response_times_by_channel"
    cache._cached(name, old_key, (leadership.NO_FILTERS,))
    assert len(calls) == 3, "the old build's answers were dropped, not kept until they age out"
    assert "email" in set(first["channel"]) and "email" not in set(after["channel"])
    pd.testing.assert_frame_equal(after, leadership.response_times_by_channel(ADMIN, con=con.cursor()))


def test_a_cached_figure_still_refuses_a_role_that_may_not_open_the_page(app_store):
    leadership.weekly_sentiment(ADMIN)  # cached now
    with pytest.raises(Refused):
        leadership.weekly_sentiment(as_role("support"))


def test_each_filter_has_its_own_answer(app_store):
    options = leadership.options(ADMIN)
    everything = leadership.ticket_volume(ADMIN)
    one_channel = leadership.Filters(channels=["chat"])
    chat = leadership.ticket_volume(ADMIN, one_channel)
    assert "chat" in options["channels"]
    assert chat["tickets"].sum() < everything["tickets"].sum()
    pd.testing.assert_frame_equal(chat, leadership.ticket_volume(ADMIN, one_channel, con=store.connect(app_store)))


def test_other_sla_targets_give_other_attainment_in_the_same_build(app_store):
    strict = {"default": load_targets()["default"].__class__(1, 1)}
    lenient = {"default": strict["default"].__class__(10**6, 10**6)}
    met_strict = leadership.sla_attainment(ADMIN, targets=strict)
    met_lenient = leadership.sla_attainment(ADMIN, targets=lenient)
    assert (met_lenient["first_response_met"].dropna() == 1.0).all()
    assert (met_strict["first_response_met"].dropna() < 1.0).any()


def test_the_sla_file_is_read_again_when_it_changes(tmp_path):
    path = tmp_path / "sla.toml"
    path.write_text("[default]\nfirst_response = 60\nresolution = 600\n", encoding="utf-8")
    assert load_targets(path)["default"].first_response == 60
    path.write_text("[default]\nfirst_response = 90\nresolution = 900\n[email]\nfirst_response = 5\nresolution = 50\n",
                    encoding="utf-8")
    changed = load_targets(path)
    assert changed["default"].first_response == 90 and changed["email"].resolution == 50
    path.write_text("[email]\nfirst_response = 5\nresolution = 50\n", encoding="utf-8")
    with pytest.raises(SlaError, match="default"):
        load_targets(path)
    path.unlink()
    with pytest.raises(SlaError, match="sla.toml"):
        load_targets(path)


def test_profile_links_keep_the_role_and_leave_a_row_without_a_customer_unlinked(monkeypatch):
    from components import session

    monkeypatch.setattr(session, "role_query", lambda: {"role": "sales & co"})
    links = session.profile_links(pd.Series([7, None, 12], dtype="Int64"))
    assert links.tolist() == ["./?customer=7&role=sales+%26+co", None, "./?customer=12&role=sales+%26+co"]
    monkeypatch.setattr(session, "role_query", lambda: {})
    assert session.profile_links(pd.Series([3.0, 4.0])).tolist() == ["./?customer=3", "./?customer=4"]


def test_a_chart_is_drawn_once_per_content_of_its_rows():
    from components import charts

    def purchases(amount: float) -> pd.DataFrame:
        return pd.DataFrame({"kind": ["purchase", "purchase", "ticket_opened"],
                             "occurred_at": pd.to_datetime(["2026-09-03", "2026-10-05", "2026-10-06"]),
                             "currency": ["EUR", "EUR", None], "amount": [10.0, amount, None]})

    first, same = charts.spend_over_time(purchases(5.0)), charts.spend_over_time(purchases(5.0))
    other = charts.spend_over_time(purchases(7.0))
    assert first is same, "the same rows: the figure drawn before"
    assert list(first.data[0].y) == [10.0, 5.0] and list(other.data[0].y) == [10.0, 7.0]
    assert first.data[0].name == "EUR" and first.layout.title.text == "Spend per month"
