"""The rules, one family per module, in the order they are tried: a rule takes a customer's Context and returns its
talking points (none when it does not fire). A new rule goes into its family's module and into RULES here; the
order breaks ties between points of the same priority and age."""

from __future__ import annotations

from collections.abc import Callable

from models.talking_points.evidence import TalkingPoint
from models.talking_points.rules.orders import (
    churn_risk,
    first_time_buyer,
    recent_purchase_follow_up,
    recent_refund,
    top_customer,
)
from models.talking_points.rules.relationship import anniversary, reach_them
from models.talking_points.rules.service import bad_recent_csat, long_open_ticket, reopened_ticket, unanswered_ticket
from models.talking_points.rules.social import (
    advocate,
    influencer_unhappy,
    negative_post_answered,
    negative_post_unanswered,
    product_idea,
    prospect,
)
from models.talking_points.timeline import Context

RULES: list[Callable[[Context], list[TalkingPoint]]] = [
    unanswered_ticket, long_open_ticket, reopened_ticket, negative_post_unanswered, negative_post_answered,
    recent_purchase_follow_up, recent_refund, top_customer, churn_risk, bad_recent_csat, product_idea,
    advocate, influencer_unhappy, anniversary, first_time_buyer, prospect, reach_them,
]
