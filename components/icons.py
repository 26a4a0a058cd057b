"""Icons and labels per timeline kind and channel, shared by every page."""

KIND_ICONS = {
    "purchase": "🛒", "refund": "↩️", "ticket_opened": "🎫", "ticket_replied": "💬", "ticket_solved": "✅",
    "comment": "🗨️", "social_post": "📣", "note": "📝", "handoff": "🤝",
}
KIND_LABELS = {
    "purchase": "Purchase", "refund": "Refund", "ticket_opened": "Ticket opened", "ticket_replied": "Agent reply",
    "ticket_solved": "Ticket solved", "comment": "Comment", "social_post": "Social post", "note": "Note",
    "handoff": "Hand-off",
}
ROLES = {"Support agent": "support", "Sales rep": "sales", "Leadership": "leadership"}


def kind_label(kind: str) -> str:
    return f"{KIND_ICONS.get(kind, '•')} {KIND_LABELS.get(kind, kind)}"


def sentiment_badge(compound: float | None) -> str:
    if compound is None or compound != compound:  # NaN
        return "—"
    if compound >= 0.05:
        return f"🙂 {compound:+.2f}"
    if compound <= -0.05:
        return f"🙁 {compound:+.2f}"
    return f"😐 {compound:+.2f}"
