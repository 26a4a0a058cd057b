"""Plotly charts; labels that come from data are HTML-escaped, since Plotly reads a few tags in text."""

from __future__ import annotations

import html

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go


def escaped(series: pd.Series) -> pd.Series:
    return series.astype(str).map(html.escape)


def spend_over_time(events: pd.DataFrame) -> go.Figure | None:
    purchases = events[events["kind"] == "purchase"]
    if purchases.empty:
        return None
    # a bar per currency: amounts in two currencies are never added up
    monthly = (purchases.assign(currency=purchases["currency"].fillna("unknown currency"))
               .groupby([pd.Grouper(key="occurred_at", freq="MS"), "currency"])["amount"].sum().reset_index())
    figure = px.bar(monthly, x="occurred_at", y="amount", color="currency", barmode="group",
                    labels={"occurred_at": "Month", "amount": "Spend", "currency": "Currency"})
    return compact(figure, "Spend per month")


def sentiment_over_time(events: pd.DataFrame) -> go.Figure | None:
    posts = events[(events["kind"] == "social_post") & (events["author_type"] == "customer")]
    if posts.empty:
        return None
    figure = px.scatter(posts.assign(network=escaped(posts["network"])), x="occurred_at", y="sentiment",
                        color="network", labels={"occurred_at": "Posted", "sentiment": "Sentiment"},
                        range_y=[-1.05, 1.05])
    figure.add_hline(y=0, line_dash="dot", line_color="grey")
    return compact(figure, "Sentiment of their posts")


def compact(figure: go.Figure, title: str, height: int = 280) -> go.Figure:
    figure.update_layout(title=title, height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         legend={"orientation": "h", "y": -0.25})
    return figure


def weekly_sentiment_chart(weekly: pd.DataFrame) -> go.Figure:
    # the raw network and the week ride along as custom data, so a picked point says which network and week it was
    figure = px.line(weekly.assign(network_name=weekly["network"], network=escaped(weekly["network"])), x="week",
                     y="avg_sentiment", color="network", markers=True, custom_data=["network_name", "week"],
                     labels={"week": "Week", "avg_sentiment": "Average sentiment", "network": "Network"})
    return compact(figure, "Sentiment of customer posts, by network and week", 360)


def negative_share_chart(weekly: pd.DataFrame) -> go.Figure:
    # network and week ride along as on the sentiment chart: a grouped bar's x is its place, beside its week
    figure = px.bar(weekly.assign(network_name=weekly["network"], network=escaped(weekly["network"])), x="week",
                    y="negative_share", color="network", barmode="group", custom_data=["network_name", "week"],
                    labels={"week": "Week", "negative_share": "Share negative", "network": "Network"})
    figure.update_yaxes(tickformat=".0%")
    return compact(figure, "Share of negative posts", 320)


def response_times_chart(times: pd.DataFrame) -> go.Figure:
    long = times.melt(id_vars=["channel"], value_vars=["median_first_response_minutes", "median_resolution_minutes"],
                      var_name="measure", value_name="minutes")
    long["measure"] = long["measure"].map({"median_first_response_minutes": "First response",
                                           "median_resolution_minutes": "Resolution"})
    long["hours"] = long["minutes"] / 60
    # the raw channel rides along as custom data: a picked bar drills into that channel's tickets
    figure = px.bar(long.assign(channel_name=long["channel"], channel=escaped(long["channel"])), x="channel",
                    y="hours", color="measure", barmode="group", custom_data=["channel_name"],
                    labels={"channel": "Channel", "hours": "Median hours", "measure": ""})
    return compact(figure, "Median response and resolution time by channel", 340)


def csat_chart(csat: pd.DataFrame) -> go.Figure:
    figure = px.line(csat, x="month", y="csat", markers=True, labels={"month": "Month", "csat": "CSAT"})
    figure.update_yaxes(tickformat=".0%", range=[0, 1.05])
    return compact(figure, "CSAT (share of ratings that are good)", 300)


def volume_chart(volume: pd.DataFrame) -> go.Figure:
    figure = px.bar(volume.assign(channel_group=escaped(volume["channel_group"])), x="week", y="tickets",
                    color="channel_group", labels={"week": "Week", "tickets": "Tickets", "channel_group": "Channel"})
    return compact(figure, "Tickets opened per week", 300)


def topics_chart(topics: pd.DataFrame) -> go.Figure:
    long = topics.melt(id_vars=["topic"], value_vars=["tickets", "negative_posts"], var_name="from",
                       value_name="count")
    long["from"] = long["from"].map({"tickets": "Tickets", "negative_posts": "Negative posts"})
    figure = px.bar(long, y="topic", x="count", color="from", orientation="h",
                    labels={"topic": "", "count": "Complaints", "from": ""})
    figure.update_yaxes(categoryorder="total ascending")
    return compact(figure, "Top complaint topics", 340)
