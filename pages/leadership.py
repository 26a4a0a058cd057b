"""Leadership: how customers feel and how fast we answer them, by channel and over time — with drill-down."""

from datetime import UTC, datetime, time, timedelta

import pandas as pd
import streamlit as st

from components import charts
from components.drilldown import drilldown_table
from components.frame import enter_page
from components.picks import as_week, chart_pick, row_pick
from components.safe import download_csv
from components.tables import data_table
from queries import leadership

viewer = enter_page("pages/leadership.py", "leadership")


# The drill-downs are fragments: picking another week, channel or topic in a drill box reruns that box and its table
# alone, not every figure of the page. A picked chart point or table row sets the box through session state and
# reruns the whole page, this fragment with it.
@st.fragment
def posts_drill(weekly: pd.DataFrame, filters: leadership.Filters) -> None:
    weeks = [pd.Timestamp(w) for w in sorted(weekly["week"].unique(), reverse=True)]
    week_col, network_col = st.columns(2)
    week = week_col.selectbox("Drill into week", weeks, format_func=lambda w: f"week of {pd.Timestamp(w):%d %b %Y}",
                              key="drill-week")
    networks = sorted(weekly.loc[weekly["week"] == week, "network"].unique())
    network = network_col.selectbox("Network", networks, key="drill-network")
    drilldown_table(lambda limit: leadership.posts_behind(viewer, pd.Timestamp(week).to_pydatetime(), network,
                                                          filters, limit=limit), "posts.csv", "posts-drill", viewer)


@st.fragment
def tickets_drill(channels: list[str], filters: leadership.Filters) -> None:
    channel = st.selectbox("Tickets behind channel", channels, key="drill-channel")
    drilldown_table(lambda limit: leadership.tickets_behind(viewer, channel, filters, limit=limit), "tickets.csv",
                    "tickets-drill", viewer)


@st.fragment
def complaints_drill(topics: list[str], filters: leadership.Filters) -> None:
    topic = st.selectbox("Complaints behind topic", topics, key="drill-topic")
    drilldown_table(lambda limit: leadership.complaints_behind(viewer, topic, filters, limit=limit),
                    "complaints.csv", "topic-drill", viewer)


st.title("Leadership")
st.caption("Sentiment and response times by channel and over time. Pick a point on a sentiment, response-time or "
           "topic chart, or a row of the targets table, to see what is behind it.")

available = leadership.options(viewer)
if available["last"] is None:
    st.info("No data yet: load some sources on the Data sources page.")
    st.stop()
last_day = available["last"].date()
period, channels, segments = st.columns([2, 3, 2])
dates = period.date_input("Period", value=(last_day - timedelta(days=180), last_day), key="period")
chosen_channels = channels.multiselect("Channels and networks", available["channels"], key="channel-filter")
chosen_segments = segments.multiselect("Segments", available["segments"], key="segment-filter")
filters = leadership.Filters(
    start=datetime.combine(dates[0], time.min) if len(dates) >= 1 else None,
    end=datetime.combine(dates[1], time.max) if len(dates) == 2 else None,
    channels=chosen_channels, segments=chosen_segments)

with st.spinner("Adding up…"):
    weekly = leadership.weekly_sentiment(viewer, filters)
    times = leadership.response_times_by_channel(viewer, filters)
    sla = leadership.sla_attainment(viewer, filters)
    csat = leadership.csat_by_month(viewer, filters)
    volume = leadership.ticket_volume(viewer, filters)
    topics = leadership.complaint_topics(viewer, filters)

st.header("Sentiment on social media")
if weekly.empty:
    st.info("No customer posts in this period and these channels.")
else:
    # a picked point (or bar) sets the week and network boxes below, from its custom data: raw network, week
    to_posts = {"drill-week": 1, "drill-network": 0}
    for chart_key, figure in (("sentiment-chart", charts.weekly_sentiment_chart(weekly)),
                              ("negative-chart", charts.negative_share_chart(weekly))):
        st.plotly_chart(figure, key=chart_key, on_select=chart_pick(chart_key, to_posts, {"drill-week": as_week}),
                        selection_mode="points", width="stretch")
    posts_drill(weekly, filters)

st.header("Response times")
if times.empty:
    st.info("No tickets opened in this period and these channels.")
else:
    st.plotly_chart(charts.response_times_chart(times), key="times-chart", width="stretch", selection_mode="points",
                    on_select=chart_pick("times-chart", {"drill-channel": 0}))
    sla_view = sla.assign(first_response_met=sla["first_response_met"] * 100,
                          resolution_met=sla["resolution_met"] * 100)
    data_table(sla_view, key="sla-table", selection_mode="single-row",
               on_select=row_pick("sla-table", sla, "channel", "drill-channel"), column_config={
        "channel": "Channel", "tickets": "Tickets",
        "first_response_target": st.column_config.NumberColumn("First reply target (min)"),
        "first_response_met": st.column_config.ProgressColumn("First reply within target", format="%.0f%%",
                                                              min_value=0, max_value=100),
        "resolution_target": st.column_config.NumberColumn("Resolution target (min)"),
        "resolution_met": st.column_config.ProgressColumn("Resolved within target", format="%.0f%%",
                                                          min_value=0, max_value=100)})
    download_csv(sla, "sla.csv", viewer, key="sla-csv")
    tickets_drill(list(times["channel"]), filters)

st.subheader("Social issues next to tickets")
st.caption("Complaints and questions posted on social media, from post to first answer (a brand reply or the "
           "inbox marking it answered) and to closing in the inbox, next to each ticket channel.")
social = leadership.social_vs_ticket_response(viewer, filters)
if social.empty:
    st.info("No social issues or tickets in this period and these channels.")
else:
    data_table(social, column_config={
        "channel": "Channel", "items": "Items",
        "median_first_response_minutes": st.column_config.NumberColumn("Median first answer (min)", format="%.0f"),
        "median_close_minutes": st.column_config.NumberColumn("Median to close (min)", format="%.0f")})
breaches = leadership.breaches_by_team(viewer, datetime.now(UTC).replace(tzinfo=None), filters)
if breaches.empty:
    st.info("No social items posted in this period and these networks, so no response-time targets to miss.")
else:
    data_table(breaches, column_config={
        "team": "Team", "items": "Social items", "breached": "Missed target",
        "breached_open": "Missed and still open"})
    download_csv(breaches, "breaches-by-team.csv", viewer, key="breaches-csv")

st.header("Satisfaction and volume")
left, right = st.columns(2)
if not csat.empty:
    left.plotly_chart(charts.csat_chart(csat), width="stretch")
if not volume.empty:
    right.plotly_chart(charts.volume_chart(volume), width="stretch")

st.header("What customers complain about")
if topics.empty:
    st.info("No complaints in this period.")
else:
    st.plotly_chart(charts.topics_chart(topics), key="topics-chart", width="stretch", selection_mode="points",
                    on_select=chart_pick("topics-chart", {"drill-topic": "y"}))
    complaints_drill(list(topics["topic"]), filters)
