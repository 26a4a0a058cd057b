"""Issue 19 below the browser: picks that set drill-down boxes, counts that follow filters, leadership tables cut by
channel, and "Seen in" naming only the sources that hold a value (the browser tests are in
e2e/test_flows_b.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import store
from queries import customers, leadership
from tests.viewers import ADMIN


@pytest.fixture
def demo(demo_store):
    con = store.connect(demo_store, read_only=True)
    yield con
    con.close()


def picked_week_and_network():
    import streamlit as st

    from components.picks import as_week, follow_chart_pick

    st.session_state["chart"] = {"selection": {"points": [{"x": "2026-10-12", "y": 0.2, "customdata": ["x<b>"]}]}}
    follow_chart_pick("chart", {"week": "x", "network": 0, "value": "y"}, {"week": as_week})


def picked_nothing():
    import streamlit as st

    from components.picks import follow_chart_pick

    st.session_state.setdefault("week", "as the person left it")
    st.session_state["chart"] = {"selection": {"points": []}}
    follow_chart_pick("chart", {"week": "x"})


def ticked_second_row():
    import pandas as pd
    import streamlit as st

    from components.picks import follow_row_pick

    st.session_state["table"] = {"selection": {"rows": [1], "columns": []}}
    follow_row_pick("table", pd.DataFrame({"channel": ["email", "web"]}), "channel", "box")


def test_a_picked_point_sets_each_box_from_its_x_y_or_raw_custom_data():
    at = AppTest.from_function(picked_week_and_network).run()
    assert at.session_state["week"] == pd.Timestamp("2026-10-12")
    assert at.session_state["network"] == "x<b>"
    assert at.session_state["value"] == 0.2


def test_a_cleared_selection_leaves_the_boxes_alone():
    at = AppTest.from_function(picked_nothing).run()
    assert at.session_state["week"] == "as the person left it"


def test_a_ticked_row_sets_the_box_to_that_rows_value():
    at = AppTest.from_function(ticked_second_row).run()
    assert at.session_state["box"] == "web"


def test_the_timeline_count_is_the_number_of_events_the_filters_select(demo):
    customer_id = demo.execute("select customer_id from customer_timeline group by 1 having count(*) > 30 "
                               "order by 1 limit 1").fetchall()[0][0]
    everything = customers.load_timeline(customer_id, limit=10_000, con=demo)
    assert customers.timeline_size(customer_id, con=demo) == len(everything)
    for filters in ({"kinds": ["purchase"]}, {"channels": ["email", "online"]},
                    {"start": everything["occurred_at"].median()}, {"kinds": ["nothing"]}):
        selected = customers.load_timeline(customer_id, limit=10_000, con=demo, **filters)
        assert customers.timeline_size(customer_id, con=demo, **filters) == len(selected), filters


def test_social_and_missed_target_tables_keep_to_the_chosen_channels(demo):
    mastodon = leadership.Filters(channels=["mastodon"])
    social = leadership.social_vs_ticket_response(ADMIN, mastodon, con=demo)
    assert set(social["channel"]) == {"social: mastodon"}
    teams = leadership.breaches_by_team(ADMIN, pd.Timestamp("2026-11-01").to_pydatetime(), mastodon, con=demo)
    assert teams["items"].sum() == demo.execute(
        "select count(*) from social_inbox where network = 'mastodon'").fetchall()[0][0]
    email = leadership.Filters(channels=["email"])
    assert leadership.breaches_by_team(ADMIN, pd.Timestamp("2026-11-01").to_pydatetime(), email, con=demo).empty
    assert set(leadership.social_vs_ticket_response(ADMIN, email, con=demo)["channel"]) == {"ticket: email"}


def test_seen_in_names_only_the_sources_holding_each_value(demo):
    # customer 3 of the demo: a CRM contact with an address, a Zendesk user and ticket, a till sale, tweets
    seen = customers.contact_points(3, ADMIN, demo).set_index("Contact")["Seen in"]
    sources = set(customers.load_identity(3, demo)["source"])
    assert {"crm", "zendesk", "pos", "twitter"} <= sources
    assert seen["Address"] == "crm"
    assert seen["Birth date"] == "crm"
    assert seen["Email"] == "crm, zendesk"
    assert seen["Phone"] == "crm, pos"
    assert seen["Handle"] == "crm, twitter"
