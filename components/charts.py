"""Plotly charts, written as plain figure specifications (dicts): Plotly Express built the same figures in 30-70 ms
each on every rerun (templates copied, every property validated one path at a time), which made the leadership
page's charts two thirds of its server time; a dict costs a few ms to draw through st.plotly_chart. Labels that come
from data are HTML-escaped, since Plotly reads a few tags in text; the raw values a drill-down needs ride along as
custom data.

Each chart is a pure function of the rows it draws, so the drawn figure is kept per content of those rows
(st.cache_resource, not copied): a rerun, or another person looking at the same figures, then neither builds nor
validates it again. Only the columns a chart reads are passed to the cache, so hashing them stays cheap, and a
kept figure holds nothing beyond what the chart shows. Nobody may change a figure drawn()
returns: sessions share it."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

Figure = dict[str, Any]
# figures kept: each a few to a few dozen kB; the profile's two per customer opened, leadership's per filter
MAX_FIGURES = 512


def drawn(chart: str, rows: pd.DataFrame) -> go.Figure:
    """The figure `chart` (a name in CHARTS) makes of `rows`, validated once per content of `rows`."""
    return _drawn(chart, rows)


@st.cache_resource(max_entries=MAX_FIGURES, show_spinner=False)
def _drawn(chart: str, rows: pd.DataFrame) -> go.Figure:
    return go.Figure(CHARTS[chart](rows))


def escaped(series: pd.Series) -> pd.Series:
    return series.astype(str).map(html.escape)


def plain(values: Iterable) -> list:
    """Values as JSON takes them: timestamps as ISO text, missing ones as None (Plotly leaves a gap)."""
    out = []
    for value in values:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            out.append(None)
        elif isinstance(value, pd.Timestamp):
            out.append(value.isoformat())
        else:
            out.append(value.item() if hasattr(value, "item") else value)
    return out


def traces(frame: pd.DataFrame, by: str, x: str, y: str, kind: dict[str, Any],
           custom: list[str] | None = None) -> list[dict[str, Any]]:
    """One trace per value of `by`, in the order the values first appear (Plotly Express's order), named by it."""
    drawn = []
    for name, group in frame.groupby(by, sort=False, dropna=False):
        trace = {**kind, "name": str(name), "legendgroup": str(name), "x": plain(group[x]), "y": plain(group[y])}
        if custom:
            trace["customdata"] = [plain(row) for row in group[custom].itertuples(index=False)]
        drawn.append(trace)
    return drawn


def figure(data: list[dict[str, Any]], title: str, height: int, x_title: str, y_title: str,
           legend_title: str = "", **layout: Any) -> Figure:
    """A figure with the compact layout every chart here shares (title, height, margins, legend below)."""
    axis_x, axis_y = layout.pop("xaxis", {}), layout.pop("yaxis", {})
    return {"data": data, "layout": {
        "title": {"text": title}, "height": height, "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "legend": {"orientation": "h", "y": -0.25, "title": {"text": legend_title}, "tracegroupgap": 0},
        "xaxis": {"title": {"text": x_title}, **axis_x}, "yaxis": {"title": {"text": y_title}, **axis_y},
        **layout}}


BAR = {"type": "bar"}
LINE = {"type": "scatter", "mode": "lines+markers"}
POINTS = {"type": "scatter", "mode": "markers"}


def spend_over_time(events: pd.DataFrame) -> go.Figure | None:
    purchases = events.loc[events["kind"] == "purchase", ["occurred_at", "currency", "amount"]]
    return None if purchases.empty else drawn("spend", purchases)


def sentiment_over_time(events: pd.DataFrame) -> go.Figure | None:
    posts = events.loc[(events["kind"] == "social_post") & (events["author_type"] == "customer"),
                       ["occurred_at", "network", "sentiment"]]
    return None if posts.empty else drawn("sentiment", posts)


def weekly_sentiment_chart(weekly: pd.DataFrame) -> go.Figure:
    return drawn("weekly sentiment", weekly[["week", "network", "avg_sentiment"]])


def negative_share_chart(weekly: pd.DataFrame) -> go.Figure:
    return drawn("negative share", weekly[["week", "network", "negative_share"]])


def response_times_chart(times: pd.DataFrame) -> go.Figure:
    return drawn("response times", times[["channel", "median_first_response_minutes", "median_resolution_minutes"]])


def csat_chart(csat: pd.DataFrame) -> go.Figure:
    return drawn("csat", csat[["month", "csat"]])


def volume_chart(volume: pd.DataFrame) -> go.Figure:
    return drawn("volume", volume[["week", "channel_group", "tickets"]])


def topics_chart(topics: pd.DataFrame) -> go.Figure:
    return drawn("topics", topics[["topic", "tickets", "negative_posts"]])


# ---------------------------------------------------------------- the figures, from the rows they draw


def spend_figure(purchases: pd.DataFrame) -> Figure:
    # a bar per currency: amounts in two currencies are never added up
    monthly = (purchases.assign(currency=escaped(purchases["currency"].fillna("unknown currency")))
               .groupby([pd.Grouper(key="occurred_at", freq="MS"), "currency"])["amount"].sum().reset_index())
    return figure(traces(monthly, "currency", "occurred_at", "amount", BAR), "Spend per month", 280, "Month",
                  "Spend", "Currency", barmode="group")


def sentiment_figure(posts: pd.DataFrame) -> Figure:
    zero = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": 0, "y1": 0,
            "line": {"dash": "dot", "color": "grey"}}
    return figure(traces(posts.assign(network=escaped(posts["network"])), "network", "occurred_at", "sentiment",
                         POINTS), "Sentiment of their posts", 280, "Posted", "Sentiment", "Network",
                  yaxis={"range": [-1.05, 1.05]}, shapes=[zero])


def weekly_sentiment_figure(weekly: pd.DataFrame) -> Figure:
    # the raw network and the week ride along as custom data, so a picked point says which network and week it was
    shown = weekly.assign(network_name=weekly["network"], network=escaped(weekly["network"]))
    return figure(traces(shown, "network", "week", "avg_sentiment", LINE, ["network_name", "week"]),
                  "Sentiment of customer posts, by network and week", 360, "Week", "Average sentiment", "Network")


def negative_share_figure(weekly: pd.DataFrame) -> Figure:
    # network and week ride along as on the sentiment chart: a grouped bar's x is its place, beside its week
    shown = weekly.assign(network_name=weekly["network"], network=escaped(weekly["network"]))
    return figure(traces(shown, "network", "week", "negative_share", BAR, ["network_name", "week"]),
                  "Share of negative posts", 320, "Week", "Share negative", "Network", barmode="group",
                  yaxis={"tickformat": ".0%"})


def response_times_figure(times: pd.DataFrame) -> Figure:
    long = times.melt(id_vars=["channel"], value_vars=["median_first_response_minutes", "median_resolution_minutes"],
                      var_name="measure", value_name="minutes")
    long["measure"] = long["measure"].map({"median_first_response_minutes": "First response",
                                           "median_resolution_minutes": "Resolution"})
    long["hours"] = long["minutes"] / 60
    # the raw channel rides along as custom data: a picked bar drills into that channel's tickets
    shown = long.assign(channel_name=long["channel"], channel=escaped(long["channel"]))
    return figure(traces(shown, "measure", "channel", "hours", BAR, ["channel_name"]),
                  "Median response and resolution time by channel", 340, "Channel", "Median hours", barmode="group")


def csat_figure(csat: pd.DataFrame) -> Figure:
    line = {**LINE, "name": "CSAT", "showlegend": False, "x": plain(csat["month"]), "y": plain(csat["csat"])}
    return figure([line], "CSAT (share of ratings that are good)", 300, "Month", "CSAT",
                  yaxis={"tickformat": ".0%", "range": [0, 1.05]})


def volume_figure(volume: pd.DataFrame) -> Figure:
    shown = volume.assign(channel_group=escaped(volume["channel_group"]))
    return figure(traces(shown, "channel_group", "week", "tickets", BAR), "Tickets opened per week", 300, "Week",
                  "Tickets", "Channel", barmode="relative")


def topics_figure(topics: pd.DataFrame) -> Figure:
    long = topics.melt(id_vars=["topic"], value_vars=["tickets", "negative_posts"], var_name="from",
                       value_name="count")
    long["from"] = long["from"].map({"tickets": "Tickets", "negative_posts": "Negative posts"})
    # horizontal bars: the topic on y, the count on x
    data = [{**trace, "orientation": "h", "x": trace["y"], "y": trace["x"]}
            for trace in traces(long, "from", "topic", "count", BAR)]
    return figure(data, "Top complaint topics", 340, "Complaints", "", barmode="relative",
                  yaxis={"categoryorder": "total ascending"})


CHARTS = {"spend": spend_figure, "sentiment": sentiment_figure, "weekly sentiment": weekly_sentiment_figure,
          "negative share": negative_share_figure, "response times": response_times_figure, "csat": csat_figure,
          "volume": volume_figure, "topics": topics_figure}
