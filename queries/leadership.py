"""Leadership figures: sentiment, response times, SLA attainment, CSAT, volume and topics — with drill-down."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from models.sla import Target, load_targets
from models.topics import topic_sql
from queries.access import Viewer
from queries.cache import by_build
from queries.connection import cursor
from queries.masking import mask_results
from store import Connection


@dataclass(frozen=True)
class Filters:
    """What every leadership figure is cut by: a date range, channels or networks, and customer segments."""

    start: datetime | None = None
    end: datetime | None = None
    channels: list[str] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)

    def params(self) -> dict:
        return {"start": self.start, "end": self.end, "channels": self.channels or None,
                "segments": self.segments or None}


NO_FILTERS = Filters()

# the filtered events behind the post and topic figures; $start/$end/$channels/$segments come from Filters.params()
FILTERED_EVENTS = """
    select t.*, p.segment, p.display_name
    from customer_timeline t
    join customer_profiles p using (customer_id)
    where ($start is null or t.occurred_at >= $start) and ($end is null or t.occurred_at < $end)
      and ($channels is null or t.channel in (select unnest($channels)))
      and ($segments is null or p.segment in (select unnest($segments)))
"""

# tickets are cut by when they were opened, so a ticket solved after the range still counts as solved
TICKETS = """
    select * from ticket_facts
    where ($start is null or opened_at >= $start) and ($end is null or opened_at < $end)
      and ($channels is null or channel in (select unnest($channels)))
      and ($segments is null or segment in (select unnest($segments)))
"""

CUSTOMER_POSTS = """
    select * from post_facts
    where ($start is null or occurred_at >= $start) and ($end is null or occurred_at < $end)
      and ($channels is null or channel in (select unnest($channels)))
      and ($segments is null or segment in (select unnest($segments)))
"""

# the social inbox's items in the filter: cut by when they were posted, their network standing for the channel
# (a post's channel on the timeline is its network); the alias `i` is social_inbox
SOCIAL_ITEMS_FILTER = """
    ($start is null or i.posted_at >= $start) and ($end is null or i.posted_at < $end)
    and ($channels is null or i.network in (select unnest($channels)))
    and ($segments is null or i.segment in (select unnest($segments)))
"""

# a complaint: a ticket or a post in which the customer sounds negative (a question is not a complaint)
COMPLAINTS = f"""
    with events as ({FILTERED_EVENTS})
    select *, {topic_sql("lower(coalesce(title, '') || ' ' || coalesce(body, ''))")} as topic
    from events
    where kind in ('ticket_opened', 'social_post') and author_type = 'customer' and sentiment <= -0.05
"""


def _query(sql: str, filters: Filters, con: Connection | None, **extra) -> pd.DataFrame:
    return cursor(con).execute(sql, {**filters.params(), **extra}).df()


def options(viewer: Viewer, con: Connection | None = None) -> dict:
    """The values the filters can take, and the dates the data covers."""
    viewer.require_page("leadership")
    return _filter_options(con=con)


@by_build
def _filter_options(con: Connection | None = None) -> dict:
    con = cursor(con)
    channels = [r[0] for r in con.execute("select distinct channel from customer_timeline "
                                          "where channel is not null order by 1").fetchall()]
    segments = [r[0] for r in con.execute("select distinct segment from customer_profiles "
                                          "where segment is not null order by 1").fetchall()]
    first, last = con.execute("select min(occurred_at), max(occurred_at) from customer_timeline").fetchall()[0]
    return {"channels": channels, "segments": segments, "first": first, "last": last}


def weekly_sentiment(viewer: Viewer, filters: Filters = NO_FILTERS,
                     con: Connection | None = None) -> pd.DataFrame:
    """Per week and network: customer posts, average sentiment and the share that is negative."""
    viewer.require_page("leadership")
    return _weekly_sentiment(filters, con=con)


@by_build
def _weekly_sentiment(filters: Filters, con: Connection | None = None) -> pd.DataFrame:
    return _query(f"""
        -- sentiment summed in decimals (VADER's four places): a double sum follows the threads' order, and a
        -- chart point would change in its last digit from one reading to the next
        select date_trunc('week', occurred_at) as week, network, count(*) as posts,
               avg(sentiment::decimal(18, 4))::double as avg_sentiment,
               avg(case when sentiment <= -0.05 then 1.0 else 0.0 end) as negative_share
        from ({CUSTOMER_POSTS})
        group by all order by week, network
    """, filters, con)


def posts_behind(viewer: Viewer, week: datetime, network: str, filters: Filters = NO_FILTERS,
                 con: Connection | None = None, limit: int | None = None) -> pd.DataFrame:
    """The customer posts behind one point of the weekly sentiment chart, most negative first (the first `limit`)."""
    viewer.require_page("leadership")
    return mask_results(_query(f"""
        select occurred_at, customer_id, display_name, network, body as text, sentiment, url
        from ({CUSTOMER_POSTS})
        where date_trunc('week', occurred_at) = $week and network = $network
        order by sentiment, occurred_at, customer_id
        limit $limit
    """, filters, con, week=week, network=network, limit=limit), viewer.masked, con)


def tickets(viewer: Viewer, filters: Filters = NO_FILTERS,
            con: Connection | None = None) -> pd.DataFrame:
    """One row per ticket opened in the filter: channel, first response and resolution minutes, CSAT."""
    viewer.require_page("leadership")
    return mask_results(_query(TICKETS + " order by opened_at desc", filters, con), viewer.masked, con)


def response_times_by_channel(viewer: Viewer, filters: Filters = NO_FILTERS,
                              con: Connection | None = None) -> pd.DataFrame:
    """Per ticket channel: tickets, median minutes to the first public agent reply and to the last solve."""
    viewer.require_page("leadership")
    return _response_times_by_channel(filters, con=con)


@by_build
def _response_times_by_channel(filters: Filters, con: Connection | None = None) -> pd.DataFrame:
    return _query(f"""
        select channel, channel_group, count(*) as tickets,
               median(first_response_minutes) as median_first_response_minutes,
               median(resolution_minutes) as median_resolution_minutes
        from ({TICKETS}) group by all order by tickets desc
    """, filters, con)


def tickets_behind(viewer: Viewer, channel: str, filters: Filters = NO_FILTERS,
                   con: Connection | None = None, limit: int | None = None) -> pd.DataFrame:
    """The tickets behind one channel's bar, newest first (the first `limit`)."""
    viewer.require_page("leadership")
    return mask_results(_query(f"""
        select opened_at, customer_id, display_name, ref_id as ticket, subject, status,
               first_response_minutes, resolution_minutes, satisfaction
        from ({TICKETS}) where channel = $channel order by opened_at desc, ticket
        limit $limit
    """, filters, con, channel=channel, limit=limit), viewer.masked, con)


def sla_attainment(viewer: Viewer, filters: Filters = NO_FILTERS, targets: dict[str, Target] | None = None,
                   con: Connection | None = None) -> pd.DataFrame:
    """Per channel: the share of answered tickets whose first reply, and of solved tickets whose resolution,
    met the channel's target."""
    viewer.require_page("leadership")
    targets = targets or load_targets()
    # the targets are part of the key: a changed config/sla.toml shows at the next rerun
    return _sla_attainment(filters, tuple((c, t.first_response, t.resolution) for c, t in targets.items()), con=con)


@by_build
def _sla_attainment(filters: Filters, targets: tuple[tuple[str, int, int], ...],
                    con: Connection | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(list(targets), columns=["channel", "first_response_target", "resolution_target"])
    con = cursor(con)
    con.register("_sla_targets", frame)  # registered on this cursor: the query must run on it too
    return con.execute(f"""
        with t as ({TICKETS}),
        targeted as (
            select t.*, coalesce(s.first_response_target, d.first_response_target) as first_response_target,
                   coalesce(s.resolution_target, d.resolution_target) as resolution_target
            from t left join _sla_targets s using (channel)
            cross join (select * from _sla_targets where channel = 'default') d
        )
        select channel, any_value(first_response_target) as first_response_target,
               avg(case when first_response_minutes <= first_response_target then 1.0 else 0.0 end)
                   filter (where first_response_minutes is not null) as first_response_met,
               any_value(resolution_target) as resolution_target,
               avg(case when resolution_minutes <= resolution_target then 1.0 else 0.0 end)
                   filter (where resolution_minutes is not null) as resolution_met,
               count(*) as tickets
        from targeted group by channel order by tickets desc
    """, filters.params()).df()


def csat_by_month(viewer: Viewer, filters: Filters = NO_FILTERS,
                  con: Connection | None = None) -> pd.DataFrame:
    """Per month: rated tickets and the share rated good."""
    viewer.require_page("leadership")
    return _csat_by_month(filters, con=con)


@by_build
def _csat_by_month(filters: Filters, con: Connection | None = None) -> pd.DataFrame:
    return _query(f"""
        select date_trunc('month', opened_at) as month, count(satisfaction) as ratings,
               avg(case satisfaction when 'good' then 1.0 when 'bad' then 0.0 end) as csat
        from ({TICKETS}) group by all having count(satisfaction) > 0 order by month
    """, filters, con)


def ticket_volume(viewer: Viewer, filters: Filters = NO_FILTERS,
                  con: Connection | None = None) -> pd.DataFrame:
    """Tickets opened per week and channel group."""
    viewer.require_page("leadership")
    return _ticket_volume(filters, con=con)


@by_build
def _ticket_volume(filters: Filters, con: Connection | None = None) -> pd.DataFrame:
    return _query(f"""
        select date_trunc('week', opened_at) as week, channel_group, count(*) as tickets
        from ({TICKETS}) group by all order by week, channel_group
    """, filters, con)


def complaint_topics(viewer: Viewer, filters: Filters = NO_FILTERS,
                     con: Connection | None = None) -> pd.DataFrame:
    """What customers complain about: tickets and negative posts per topic."""
    viewer.require_page("leadership")
    return _complaint_topics(filters, con=con)


@by_build
def _complaint_topics(filters: Filters, con: Connection | None = None) -> pd.DataFrame:
    return _query(f"""
        select topic, count(*) filter (where kind = 'ticket_opened') as tickets,
               count(*) filter (where kind = 'social_post') as negative_posts, count(*) as total
        from ({COMPLAINTS}) group by topic order by total desc, topic
    """, filters, con)


def complaints_behind(viewer: Viewer, topic: str, filters: Filters = NO_FILTERS,
                      con: Connection | None = None, limit: int | None = None) -> pd.DataFrame:
    """The tickets and negative posts behind one complaint topic, newest first (the first `limit`)."""
    viewer.require_page("leadership")
    return mask_results(_query(f"""
        select occurred_at, customer_id, display_name, kind, channel, title, body, sentiment
        from ({COMPLAINTS}) where topic = $topic order by occurred_at desc, customer_id, title
        limit $limit
    """, filters, con, topic=topic, limit=limit), viewer.masked, con)


def social_vs_ticket_response(viewer: Viewer, filters: Filters = NO_FILTERS,
                              con: Connection | None = None) -> pd.DataFrame:
    """Median minutes to the first answer and to closing, for social issues next to every ticket channel.

    A social issue is a complaint or question posted on a network; it is answered when the brand replied or staff
    marked it answered in the inbox, and closed when staff closed it there."""
    viewer.require_page("leadership")
    return _query(f"""
        with social as (
            select 'social: ' || i.network as channel, count(*) as items,
                   median(date_diff('minute', i.posted_at, least(s.answered_at, i.brand_replied_at)))
                       as median_first_response_minutes,
                   median(date_diff('minute', i.posted_at, s.closed_at)) as median_close_minutes
            from social_inbox i left join inbox_state s using (post_key)
            where i.intent in ('complaint', 'question') and {SOCIAL_ITEMS_FILTER}
            group by i.network
        ),
        tickets as (
            select 'ticket: ' || channel as channel, count(*) as items,
                   median(first_response_minutes) as median_first_response_minutes,
                   median(resolution_minutes) as median_close_minutes
            from ({TICKETS}) group by channel
        )
        select * from social union all select * from tickets order by items desc
    """, filters, con)


def breaches_by_team(viewer: Viewer, now: datetime, filters: Filters = NO_FILTERS,
                     con: Connection | None = None) -> pd.DataFrame:
    """Per team: social items in the inbox posted in the filter, and how many missed their response-time target."""
    viewer.require_page("leadership")
    return _query(f"""
        select i.team, count(*) as items,
               count(*) filter (
                   where date_diff('minute', i.posted_at, coalesce(least(s.answered_at, i.brand_replied_at), $now))
                         > i.target_minutes) as breached,
               count(*) filter (where coalesce(s.status, case when i.brand_replied_at is not null then 'answered'
                                                            else 'new' end) in ('new', 'in_progress')
                                  and date_diff('minute', i.posted_at, $now) > i.target_minutes) as breached_open
        from social_inbox i left join inbox_state s using (post_key)
        where {SOCIAL_ITEMS_FILTER}
        group by i.team order by breached desc, i.team
    """, filters, con, now=now)
