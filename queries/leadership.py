"""Leadership figures: sentiment and response times by channel and over time, from the timeline."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from queries.connection import cursor
from store import Connection


def weekly_sentiment(start: datetime | None = None, end: datetime | None = None, networks: list[str] | None = None,
                     con: Connection | None = None) -> pd.DataFrame:
    """Per week and network: customer posts, average sentiment and the share that is negative."""
    return cursor(con).execute("""
        select date_trunc('week', occurred_at) as week, network, count(*) as posts,
               avg(sentiment) as avg_sentiment,
               avg(case when sentiment <= -0.05 then 1.0 else 0.0 end) as negative_share
        from customer_timeline
        where kind = 'social_post' and author_type = 'customer'
          and ($start is null or occurred_at >= $start) and ($end is null or occurred_at < $end)
          and ($networks is null or network in (select unnest($networks)))
        group by all
        order by week, network
    """, {"start": start, "end": end, "networks": networks or None}).df()


def response_times_by_channel(start: datetime | None = None, end: datetime | None = None,
                              con: Connection | None = None) -> pd.DataFrame:
    """Per ticket channel: tickets, median minutes to the first public agent reply and to the last solve."""
    return cursor(con).execute("""
        with tickets as (
            select ref_id, source, any_value(channel) as channel,
                   min(occurred_at) filter (where kind = 'ticket_opened') as opened_at,
                   min(occurred_at) filter (where kind = 'ticket_replied') as first_reply_at,
                   max(occurred_at) filter (where kind = 'ticket_solved') as solved_at
            from customer_timeline
            where kind in ('ticket_opened', 'ticket_replied', 'ticket_solved')
            group by ref_id, source
        )
        select channel, count(*) as tickets,
               median(date_diff('minute', opened_at, first_reply_at)) as median_first_response_minutes,
               median(date_diff('minute', opened_at, solved_at)) as median_resolution_minutes
        from tickets
        where opened_at is not null
          and ($start is null or opened_at >= $start) and ($end is null or opened_at < $end)
        group by channel
        order by tickets desc
    """, {"start": start, "end": end}).df()
