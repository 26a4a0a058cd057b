"""The demo's social side: customers' posts on Twitter, Facebook, Instagram and Mastodon, and the team that answers
them — its replies on the networks (in the exports) and its inbox history (assignments, answers by direct message,
closed items), all timed relative to the demo's export moment."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from data import demo_text as txt
from data.demo import (
    BRAND_SOCIAL,
    BRAND_TWITTER,
    FILES,
    Order,
    Person,
    _band,
    _compose_post,
    _full_name,
    _iso_z,
    _moment,
    _plant_probes,
    _rng,
    _twitter_time,
    _weighted,
    _write_csv,
    _write_jsonl,
)

TWCS_COLUMNS = ("tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id",
                "in_response_to_tweet_id")
FOLLOWER_FACTOR = {"twitter": 1.0, "instagram": 1.4, "facebook": 0.6, "mastodon": 0.3}
BRAND_FOLLOWERS = {"facebook": 18400, "instagram": 26300, "mastodon": 1900}
ACTIVE_SHARE = {"twitter": 0.7, "instagram": 0.55, "facebook": 0.55, "mastodon": 0.55}
INTENT_MIX = {
    "happy": (("praise", 40), ("question", 20), ("idea", 15), ("other", 20), ("complaint", 5)),
    "neutral": (("praise", 18), ("question", 30), ("idea", 12), ("other", 25), ("complaint", 15)),
    "unhappy": (("complaint", 55), ("question", 18), ("praise", 4), ("idea", 8), ("other", 15)),
    "advocate": (("praise", 55), ("idea", 20), ("other", 15), ("question", 7), ("complaint", 3)),
    "prospect": (("question", 45), ("other", 35), ("idea", 15), ("praise", 5)),
}
REPLY_CHANCE = {"complaint": 0.7, "question": 0.75, "praise": 0.35, "idea": 0.5, "other": 0.1}
FOLLOW_UP_CHANCE = {"complaint": 0.4, "question": 0.25, "praise": 0.1, "idea": 0.15, "other": 0.05}
_SHORTCODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

@dataclass(eq=False)
class Post:
    network: str
    created: datetime
    text: str
    author: Person | None  # None for the brand's own posts
    handle: str
    intent: str
    parent: Post | None = None
    id: str = ""
    url: str = ""
    children: list[Post] = field(default_factory=list)
    handling: Handling | None = None


# --- the team that answers: who, when, how fast -------------------------------------------------------------------


@dataclass(frozen=True)
class Team:
    agents: tuple[str, ...]
    opens: int  # hour (UTC) the team starts answering
    closes: int
    weekdays_only: bool
    median_minutes: float  # working minutes from the first open moment to the first answer
    spread: float  # sigma of the log-normal delay


@dataclass(frozen=True)
class Handling:
    """What the team did with one customer post: who took it, whether the answer was a public reply (else a direct
    message, or for praise and ideas a look and close), when it was first answered and when it was closed."""
    agent: str
    public: bool
    answered_at: datetime
    closed_at: datetime


_NAMES = tuple(name for _, name in txt.AGENTS)
# support answers complaints and questions every day 07-21 UTC, marketing (praise, everything else) every day 09-17,
# product (ideas) on weekdays 09-17
SUPPORT = Team(_NAMES[:4], 7, 21, False, 35, 1.0)
TEAMS = {"complaint": SUPPORT, "question": SUPPORT,
         "praise": Team(_NAMES[4:6], 9, 17, False, 150, 0.9),
         "other": Team(_NAMES[4:6], 9, 17, False, 240, 0.9),
         "idea": Team(_NAMES[6:8], 9, 17, True, 420, 0.8)}
PUBLIC_REPLY = {"complaint": 0.9, "question": 0.92, "praise": 0.6, "idea": 0.7, "other": 0.1}
SECOND_REPLY = {"complaint": 0.35}  # a customer's reaction to a reply is answered in public again only if unhappy
SLIP_CHANCE = 0.05  # a post nobody saw for a while: its answer comes many times later than usual
MOST_WORKING_DAYS = 3  # ... but within three of the team's working days: the queue is worked, nothing rots
HISTORY = timedelta(days=120)  # the inbox history covers the months the team has worked in Rapport
# the feeling a post of each intent was written with; questions, ideas and chitchat were written with none in
# particular (they read any way), so nobody can say the model got their sentiment wrong
INTENDED_SENTIMENT = {"complaint": "negative", "praise": "positive"}
INBOX_HISTORY_COLUMNS = ("file", "post_id", "status", "assignee", "updated_by", "assigned_at", "answered_at",
                         "closed_at", "note")


def _is_open(team: Team, moment: datetime) -> bool:
    return team.opens <= moment.hour < team.closes and not (team.weekdays_only and moment.weekday() >= 5)


def _next_open(team: Team, moment: datetime) -> datetime:
    """The first moment from `moment` on at which the team works."""
    while not _is_open(team, moment):
        if moment.hour < team.opens:
            moment = moment.replace(hour=team.opens, minute=0, second=0)
        else:
            moment = (moment + timedelta(days=1)).replace(hour=team.opens, minute=0, second=0)
    return moment


def _working_minutes_later(team: Team, moment: datetime, minutes: float) -> datetime:
    """`minutes` of the team's working time after `moment` (nights and, for some, weekends do not count)."""
    moment = _next_open(team, moment)
    while True:
        left = (moment.replace(hour=team.closes, minute=0, second=0) - moment).total_seconds() / 60
        if minutes <= left:
            return (moment + timedelta(minutes=minutes)).replace(microsecond=0)
        minutes -= left
        moment = _next_open(team, moment.replace(hour=team.closes, minute=0, second=0))


def _public_chance(post: Post) -> float:
    return PUBLIC_REPLY[post.intent] if post.parent is None else SECOND_REPLY.get(post.intent, 0.0)


def _handle(rng: random.Random, post: Post, public: bool) -> Handling:
    """When and by whom a post is answered, and when it is closed after the conversation quiets down."""
    team = TEAMS[post.intent]
    minutes = max(2.0, rng.lognormvariate(math.log(team.median_minutes), team.spread))
    if rng.random() < SLIP_CHANCE:
        minutes *= rng.uniform(6, 30)
    minutes = min(minutes, MOST_WORKING_DAYS * 60 * (team.closes - team.opens))
    answered = _working_minutes_later(team, max(post.created, _next_open(team, post.created)), minutes)
    if not public and post.intent not in ("complaint", "question"):
        return Handling(rng.choice(team.agents), False, answered, answered)  # looked at, liked or logged, closed
    closed = _working_minutes_later(team, answered, rng.uniform(60, 2 * 60 * (team.closes - team.opens)))
    return Handling(rng.choice(team.agents), public, answered, closed)


# --- social: Twitter, Facebook, Instagram, Mastodon ---------------------------------------------------------------


def _post_moment(rng: random.Random, person: Person, intent: str, now: datetime) -> tuple[Order | None, datetime]:
    delays = {"complaint": (2, 20), "praise": (5, 120), "question": (0.5, 10)}
    if intent in delays and person.orders and rng.random() < 0.7:
        order = rng.choice(person.orders)
        when = order.created + timedelta(days=rng.uniform(*delays[intent]))
        if when < now:
            return order, when.replace(microsecond=0)
    start = now - timedelta(days=730)
    if not person.prospect:
        start = max(start, person.signup)
    return None, _moment(rng, start, now, bias=1.3)


def _shown_handle(rng: random.Random, person: Person, network: str) -> str:
    handle = person.handles[network]
    if network != "instagram":
        return handle
    r = rng.random()
    if r < 0.12:
        return "@" + handle
    if r < 0.24:  # Instagram handles are case-insensitive and people type them any way they like
        return handle.lower() if handle != handle.lower() else handle.capitalize()
    return handle


def _post_count(rng: random.Random, person: Person) -> int:
    count = _band(rng, ((0.6, 1, 1), (0.82, 2, 2), (0.91, 3, 3), (0.98, 4, 8), (1.0, 9, 20)))
    if person.personality == "advocate" or person.followers >= 10_000:
        count += rng.randint(1, 4)
    return count


def _customer_post(rng: random.Random, person: Person, network: str, now: datetime) -> Post:
    intent = _weighted(rng, INTENT_MIX["prospect" if person.prospect else person.personality])
    order, when = _post_moment(rng, person, intent, now)
    text = _compose_post(rng, person, intent, order, when, network)
    return Post(network, when, text, person, _shown_handle(rng, person, network), intent)


def _brand_reply(rng: random.Random, parent: Post, handling: Handling, texts: tuple[str, ...]) -> Post:
    person = parent.author
    assert person is not None
    body = rng.choice(texts).format(first=person.first)
    handle = parent.handle.lstrip("@")
    if parent.network == "twitter":  # the tweet is signed by the agent who answers it
        initials = "".join(word[0] for word in handling.agent.split())
        text = f"@{handle} {body} ^{initials}"
    else:
        text = body if parent.network == "facebook" else f"@{handle} {body}"
    brand_handle = BRAND_TWITTER if parent.network == "twitter" else BRAND_SOCIAL
    return Post(parent.network, handling.answered_at, text, None, brand_handle, parent.intent, parent)


def _reply_delay(rng: random.Random) -> timedelta:
    return timedelta(minutes=min(3 * 24 * 60, max(2, rng.lognormvariate(math.log(45), 1.3))))


def _follow_up(rng: random.Random, reply: Post) -> Post:
    assert reply.parent is not None and reply.parent.author is not None
    root = reply.parent
    body = rng.choice(txt.FOLLOW_UPS[root.intent])
    text = f"@{BRAND_TWITTER} {body}" if root.network == "twitter" else body
    return Post(root.network, (reply.created + _reply_delay(rng)).replace(microsecond=0), text, root.author,
                root.handle, root.intent, reply)


def _exchange(rng: random.Random, root: Post, now: datetime) -> list[Post]:
    """The brand's answers and the customer's reactions to them, cut off at the export moment. Every customer post
    gets a handling (a public reply, an answer by direct message, or a look and close), which may lie after the
    export: then it is still waiting in the inbox."""
    thread, post = [], root
    while True:
        post.handling = _handle(rng, post, public=rng.random() < _public_chance(post))
        if not post.handling.public or post.handling.answered_at > now:
            break
        texts = txt.BRAND_REPLIES[root.intent] if post is root else txt.BRAND_SECOND_REPLIES
        reply = _brand_reply(rng, post, post.handling, texts)
        thread.append(reply)
        if post is not root or rng.random() >= FOLLOW_UP_CHANCE[root.intent]:
            break
        post = _follow_up(rng, reply)
        if post.created > now:
            break
        thread.append(post)
    return thread


def _build_posts(rng: random.Random, people: list[Person], network: str, now: datetime) -> list[Post]:
    posts = []
    for person in people:
        if network not in person.handles or rng.random() >= ACTIVE_SHARE[network]:
            continue
        for _ in range(_post_count(rng, person)):
            root = _customer_post(rng, person, network, now)
            posts.append(root)
            posts.extend(_exchange(rng, root, now))
    posts.sort(key=lambda post: (post.created, post.author.pid if post.author else "~"))
    for post in posts:
        if post.parent is not None:
            post.parent.children.append(post)
    return posts


def _plant_post_probes(rng: random.Random, posts: list[Post]) -> list[Post]:
    roots = [post for post in posts if post.author and post.parent is None and len(post.text) <= 250]
    for index, text in _plant_probes(rng, [post.text for post in roots]).items():
        roots[index].text = text
    return posts


def _display_name(rng: random.Random, person: Person, network: str) -> str:
    if network not in person.display_names:  # a profile keeps its display name
        name = _full_name(person)
        person.display_names[network] = _weighted(rng, (
            (name, 60), (f"{person.first} {person.last[0]}.", 18), (person.first, 10), (name.lower(), 6),
            (f"{person.first} {rng.choice(('🏔️', '⛺', '🌲', '🥾'))}", 6)))
    return person.display_names[network]


def _assign_social_ids(rng: random.Random, posts: list[Post]) -> None:
    counters = {"facebook": 7_100_000_000_000_000, "instagram": 17_900_000_000_000_000,
                "mastodon": 110_000_000_000_000_000}
    for post in posts:
        counters[post.network] += rng.randint(1_000, 9_000_000)
        number = counters[post.network]
        handle = post.handle.lstrip("@")
        if post.network == "facebook":
            post.id, post.url = f"104857392847561_{number}", f"https://www.facebook.com/{handle}/posts/{number}"
        elif post.network == "instagram":
            code = "".join(rng.choice(_SHORTCODE_CHARS) for _ in range(11))
            post.id, post.url = str(number), f"https://www.instagram.com/p/{code}/"
        else:
            user, _, instance = handle.partition("@")
            post.id, post.url = str(number), f"https://{instance or 'mastodon.social'}/@{user}/{number}"


def _engagement(rng: random.Random, post: Post) -> tuple[int, int, int]:
    if post.author is None:
        return rng.randint(0, 4), 0, BRAND_FOLLOWERS[post.network]
    followers = int(post.author.followers * FOLLOWER_FACTOR[post.network])
    appeal = {"praise": 1.5, "complaint": 1.2, "idea": 1.0, "question": 0.5, "other": 1.3}[post.intent]
    if post.parent is not None:
        appeal *= 0.2  # replies deep in a thread are barely seen
    likes = int(followers * rng.uniform(0.002, 0.04) * appeal) + rng.randint(0, 6)
    return likes, int(likes * rng.uniform(0.0, 0.2)), followers


def _social_json(rng: random.Random, post: Post) -> dict[str, object]:
    likes, shares, followers = _engagement(rng, post)
    author_name = _display_name(rng, post.author, post.network) if post.author else "Fernwood Outdoor"
    return {
        "post_id": post.id, "posted_at": _iso_z(post.created), "network": post.network, "handle": post.handle,
        "author_name": author_name, "text": post.text, "url": post.url,
        "in_reply_to": post.parent.id if post.parent else None, "likes": likes, "shares": shares,
        "followers": followers, "from_company": post.author is None,
    }

def _write_twcs(out: Path, tweets: list[Post], truth: list) -> Path:
    for number, tweet in enumerate(tweets, 1):
        tweet.id = str(number)
    rows = [[t.id, t.handle, "True" if t.author else "False", _twitter_time(t.created), t.text,
             ",".join(child.id for child in t.children), t.parent.id if t.parent else ""] for t in tweets]
    # Brand tweets have no person: they stay in truth with an empty person_id.
    truth.extend(("social_posts", "twitter", t.id, t.author.pid if t.author else "") for t in tweets)
    return _write_csv(out / FILES["twcs"], TWCS_COLUMNS, rows)


def _write_social(rng: random.Random, out: Path, posts: list[Post], truth: list) -> Path:
    _assign_social_ids(rng, posts)
    truth.extend(("social_posts", "social", p.id, p.author.pid if p.author else "") for p in posts)
    return _write_jsonl(out / FILES["social_posts"], [_social_json(rng, post) for post in posts])



def _agent_email(agent: str) -> str:
    return "".join(c for c in agent.lower().replace(" ", ".") if c.isalnum() or c == ".") + "@fernwoodoutdoor.co.uk"


def _history_row(rng: random.Random, file: str, post: Post, now: datetime) -> dict[str, object] | None:
    """The inbox state staff left on one customer post by the export moment (None: nobody has touched it yet)."""
    handling = post.handling
    assert handling is not None
    team = TEAMS[post.intent]
    if handling.answered_at > now:  # still waiting: taken by someone already, or not yet seen
        seen = _next_open(team, post.created)
        if seen >= now or rng.random() < 0.4:
            return None
        taken = seen + (now - seen) * rng.uniform(0.1, 0.9)
        return _state(file, post, "in_progress", handling.agent, taken.replace(microsecond=0), None, None, None)
    seen = _next_open(team, post.created)
    taken = seen + (handling.answered_at - seen) * rng.uniform(0.2, 0.9)
    note = None
    if not handling.public:
        note = "Answered by direct message." if post.intent in ("complaint", "question") else None
        if post.intent == "idea":
            note = "Logged for the product review."
    closed = handling.closed_at if handling.closed_at <= now else None
    return _state(file, post, "closed" if closed else "answered", handling.agent, taken.replace(microsecond=0),
                  handling.answered_at, closed, note)


def _state(file, post, status, agent, assigned_at, answered_at, closed_at, note) -> dict[str, object]:
    times = {"assigned_at": assigned_at, "answered_at": answered_at, "closed_at": closed_at}
    return {"file": file, "post_id": post.id, "status": status, "assignee": agent, "updated_by": _agent_email(agent),
            **{name: _iso_z(moment) if moment else None for name, moment in times.items()}, "note": note}


def _write_inbox_history(rng: random.Random, out: Path, tweets: list[Post], posts: list[Post],
                         now: datetime) -> Path:
    """What the team did in Rapport's social inbox over its last months: one state per customer post it touched."""
    rows = [_history_row(rng, FILES[name], post, now)
            for name, network_posts in (("twcs", tweets), ("social_posts", posts))
            for post in network_posts if post.author and post.created >= now - HISTORY]
    return _write_jsonl(out / FILES["inbox_history"], [row for row in rows if row])


def _write_post_labels(out: Path, tweets: list[Post], posts: list[Post]) -> Path:
    """What each customer's own post (not a reaction in a thread, whose words follow the exchange) was written to
    be: its intent, and its sentiment where the intent carries one (None elsewhere)."""
    rows = [{"file": FILES[name], "post_id": post.id, "intent": post.intent,
             "sentiment": INTENDED_SENTIMENT.get(post.intent)}
            for name, network_posts in (("twcs", tweets), ("social_posts", posts))
            for post in network_posts if post.author and post.parent is None]
    return _write_jsonl(out / FILES["post_labels"], rows)


# --- entry points -------------------------------------------------------------------------------------------------


@dataclass
class Social:
    tweets: list[Post]
    posts: list[Post]  # Facebook, Instagram and Mastodon


def build(seed: int, people: list[Person], now: datetime) -> Social:
    """Every network's posts and the brand's replies, up to the export moment."""
    tweets = _build_posts(_rng(seed, "twitter"), people, "twitter", now)
    _plant_post_probes(_rng(seed, "twitter-probes"), tweets)
    social_rng = _rng(seed, "social")
    posts = sorted((post for network in ("facebook", "instagram", "mastodon")
                    for post in _build_posts(social_rng, people, network, now)),
                   key=lambda post: (post.created, post.network))
    _plant_post_probes(_rng(seed, "social-probes"), posts)
    return Social(tweets, posts)


def write(seed: int, out: Path, social: Social, now: datetime, truth: list) -> dict[str, Path]:
    """The Twitter (twcs) and social exports, the team's inbox history that refers to their post ids, and what
    each customer post was written to be."""
    paths = {"twcs": _write_twcs(out, social.tweets, truth),
             "social_posts": _write_social(_rng(seed, "social-rows"), out, social.posts, truth)}
    paths["inbox_history"] = _write_inbox_history(_rng(seed, "inbox-history"), out, social.tweets, social.posts, now)
    paths["post_labels"] = _write_post_labels(out, social.tweets, social.posts)
    return paths
