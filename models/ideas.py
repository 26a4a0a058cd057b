"""Product ideas customers post, grouped when they ask for the same thing (weighted word overlap, synonyms folded)."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

import numpy as np
import pandas as pd

from models.company import current_company
from models.talking_points import shorten
from store import Connection

SIMILAR_FROM = 0.3  # IDF-weighted overlap with a group's common words: from here, an idea asks for the same thing
THEME_WEIGHT = 2.0  # a shared wish word ("kid", "rent", "repair", ...) counts double: it is what the idea is about
STOPWORD_TEXT = """
a about above after again all also am an and any are as at be because been before being below between both but by
can could did do does doing down during each few for from further had has have having he her here hers him his how i
if in into is it its itself just let like love loved lot lots me more most my myself no nor not now of off on once only
or other our ours out over own please really same she should so some such than that the their them then there these
they this those through to too under until up us very was we were what when where which while who whom why will with
would you your yours yes yeah hey hi thanks thank guys team maybe great amazing awesome idea ideas suggestion wish
make made get got go going want wanted think thought see some someone something day days one two still even ever
im ive id dont cant wont youre theyre thats whats its
"""
STOPWORDS = frozenset(STOPWORD_TEXT.split())
# words people use for the same wish, folded so that "kids' sizes" and "children's version" meet
SYNONYMS = {
    "kid": "kid", "kids": "kid", "child": "kid", "children": "kid", "childrens": "kid", "son": "kid",
    "daughter": "kid", "junior": "kid", "youth": "kid", "toddler": "kid",
    "rent": "rent", "rental": "rent", "rentals": "rent", "renting": "rent", "hire": "rent", "borrow": "rent",
    "repair": "repair", "repairs": "repair", "fix": "repair", "fixing": "repair", "mend": "repair",
    "mending": "repair", "patch": "repair",
    "vegan": "vegan", "leather": "vegan", "animal": "vegan", "plant": "vegan",
    "loyalty": "loyalty", "points": "loyalty", "rewards": "loyalty", "reward": "loyalty", "member": "loyalty",
    "membership": "loyalty", "discount": "loyalty",
    "recycle": "takeback", "recycling": "takeback", "takeback": "takeback", "trade": "takeback",
    "secondhand": "takeback", "resell": "takeback", "return": "takeback", "old": "takeback",
}


THEMES = frozenset(SYNONYMS.values())


def theme_weight(word: str) -> float:
    return THEME_WEIGHT if word in THEMES else 1.0


def content_words(text: str) -> set[str]:
    """The words that carry meaning: lower-case, no mentions, links, stop words or brand names, synonyms folded."""
    text = re.sub(r"https?://\S+|[@#]\w+", " ", (text or "").lower())
    brand_words = current_company().words  # config/company.toml: the company's name is not what an idea asks for
    words = set()
    for word in re.findall(r"[a-z]+(?:'[a-z]+)?", text):
        word = word.replace("'", "")
        word = SYNONYMS.get(word, word)
        if len(word) > 2 and word not in STOPWORDS and word not in brand_words:
            words.add(SYNONYMS.get(word.rstrip("s"), word))
    return words


class Group:
    """An idea group while grouping: its word counts, and its common words (the core) with their summed IDF.

    The core is rebuilt only when a word joins or leaves it; rebuilt or not, it holds the same words in the same
    order as `{w for w, n in counts.items() if n >= max(1, 0.3 * size)}` would now, so every score is the same.
    """

    def __init__(self, idf: dict[str, float]):
        self.idf, self.counts, self.size = idf, Counter(), 0
        self.core: set[str] = set()
        self.core_weight, self.floor = 0.0, math.inf  # floor: no core word is used fewer times than this
        self.scores: dict[int, float] = {}  # by id(bag), while the core stays as it is

    def add(self, bag: set[str]) -> bool:
        """Count the bag in; whether the core changed (and with it every score)."""
        counts = self.counts
        for word in bag:  # not Counter.update: its checks cost more than the counting, a million times over
            counts[word] += 1
        self.size += 1
        threshold = max(1, 0.3 * self.size)
        if self.floor < threshold or any(counts[w] >= threshold for w in bag - self.core):
            core = {w for w, n in self.counts.items() if n >= threshold}
            # fsum: exactly rounded, so the order a set yields its words in (it follows Python's string hashing)
            # cannot move a score by a last bit and flip a tie
            self.core_weight = math.fsum(self.idf[w] for w in core)
            self.floor = min((self.counts[w] for w in core), default=math.inf)
            self.scores = {}
            changed, self.core = core != self.core, core
            return changed
        return False

    def score(self, bag: set[str], weight: float) -> float:
        """IDF-weighted overlap of a bag (whose own weight is `weight`) with the core."""
        found = self.scores.get(id(bag))
        if found is None:
            smaller = min(weight, self.core_weight)
            found = math.fsum(self.idf[w] * theme_weight(w) for w in bag & self.core) / smaller if smaller else 0.0
            self.scores[id(bag)] = found
        return found


def group_ideas(texts: list[str]) -> np.ndarray:
    """A group number per text, taken in order: a text joins the group whose common words it shares most
    (IDF-weighted overlap at least SIMILAR_FROM), else starts a group. Comparing with a group's common words,
    not with any one member, keeps chains of loosely similar posts from swallowing different wishes."""
    bags = bags_of(texts)
    frequency = Counter(word for bag in bags for word in bag)
    idf = {word: math.log((1 + len(bags)) / (1 + count)) + 1 for word, count in frequency.items()}
    groups: list[Group] = []
    holders: dict[str, set[int]] = defaultdict(set)
    labels = np.zeros(len(texts), dtype=np.int64)
    # scores depend on the groups' cores alone (a group sharing no core word with a text scores 0), so a text's best
    # group stays the same until some core changes (a new epoch; a new group's first core too): a repeated text then
    # skips the scoring. With the cheaper counting in Group.add, the 940k idea posts at 1M customers group in 5.2 s
    # instead of 11.7, into the same groups
    best_in_epoch: dict[int, tuple[int, int | None]] = {}  # by id(bag): bags_of shares one bag per distinct text
    epoch = 0
    for index, bag in enumerate(bags):
        remembered = best_in_epoch.get(id(bag))
        if remembered is not None and remembered[0] == epoch:
            best = remembered[1]
        else:
            best = best_group(bag, groups, holders, idf)
            best_in_epoch[id(bag)] = (epoch, best)
        if best is None:
            best = len(groups)
            groups.append(Group(idf))
        if groups[best].add(bag):
            epoch += 1
        for word in bag:
            holders[word].add(best)
        labels[index] = best
    return first_member_numbers(merge_by_theme(labels, [g.counts for g in groups], [g.size for g in groups]))


def best_group(bag: set[str], groups: list[Group], holders: dict[str, set[int]], idf: dict[str, float]) -> int | None:
    """The group sharing a word with the bag whose core it overlaps most (at least SIMILAR_FROM), or None."""
    best, best_score = None, SIMILAR_FROM
    weight = math.fsum(idf[w] for w in bag)
    for group in {g for word in bag for g in holders[word]}:
        score = groups[group].score(bag, weight)
        if score >= best_score:
            best, best_score = group, score
    return best


def bags_of(texts: list[str]) -> list[set[str]]:
    """content_words of each text, worked out once per distinct text (posts repeat: retweets, copied wishes)."""
    seen: dict[str, set[str]] = {}
    return [seen[t] if t in seen else seen.setdefault(t, content_words(t)) for t in texts]


def merge_by_theme(labels: np.ndarray, groups: list[Counter], sizes: list[int]) -> np.ndarray:
    """Groups most of whose posts name the same wish word ("vegan", "rent", ...) are one idea said differently."""
    owner: dict[str, int] = {}
    target = list(range(len(groups)))
    for group, words in enumerate(groups):
        themes = [(n, w) for w, n in words.items() if w in THEMES and n >= 0.5 * sizes[group]]
        if themes:
            theme = max(themes)[1]
            target[group] = owner.setdefault(theme, group)
    return np.array([target[label] for label in labels], dtype=np.int64)


def first_member_numbers(labels: np.ndarray) -> np.ndarray:
    """Relabel groups by the index of their first member, so a group's number is the position of its first post."""
    first: dict[int, int] = {}
    for index, label in enumerate(labels):
        first.setdefault(int(label), index)
    return np.array([first[int(label)] for label in labels], dtype=np.int64)


LABEL_CHARS = 70  # an idea's title: one line in the table and the picker
# phrases that ask for something to be made in so many words (the learned classifier finds idea posts; these only
# decide whether a group of them asks for a thing, and which of a post's sentences says what)
ASKING = ("would love", "i'd love", "love to see", "would really like", "wish you", "i wish", "please make",
          "please add", "please stock", "please consider", "please bring back", "bring back", "could you add",
          "could you do", "can you add", "could we get", "it would be great", "would be great", "would be amazing",
          "would be nice", "would be fantastic", "would be cool", "would be perfect", "it'd be", "if you made",
          "would sell", "would buy", "suggestion", "idea:", "feature request", "how about", "why not", "you should",
          "you guys should", "consider offering", "consider adding", "start stocking", "any chance of",
          "any plans for", "a version of", "rental", "repair service")
ASKING_PATTERN = re.compile(r"(?<!\w)(?:" + "|".join(
    re.escape(phrase).replace("'", "'?").replace(r"\ ", r"[\s-]+") for phrase in ASKING) + r")(?!\w)")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
LEADING_GREETING = re.compile(r"^\s*(?:(?:hey|hi|hello|dear|yo)\b[\s,!]*)?(?:[@#]\w+[\s,:!]*)+", re.IGNORECASE)


def titles(texts: list[str]) -> list[str]:
    """Titles for a group, best first: one per distinct post, the post that says most of what the group's posts
    say first (the most of their often-used words, per word it uses, so a short, to-the-point post beats a long
    one that also mentions the rest; ties to the shorter, then by text)."""
    bags = bags_of(texts)
    counts = Counter(word for bag in bags for word in bag)

    def weight(bag: set[str]) -> float:
        return sum(counts[w] for w in bag) / math.sqrt(len(bag) or 1)

    ranked = sorted(set(zip(texts, map(frozenset, bags), strict=True)),
                    key=lambda post: (-weight(post[1]), len(post[0]), post[0]))
    return list(dict.fromkeys(post_title(text, counts) for text, _ in ranked))


def post_title(text: str, counts: Counter) -> str:
    """The sentence of a post that names a wish we know ("repair"), else asks for something, else carries most of
    its group's words; with mentions, hashtags and links left out, cut at a word boundary."""
    # a greeting to the brand's handle opens many posts ("Hey @brand, ..."): the title starts after it
    opened = LEADING_GREETING.sub("", text)
    cleaned = " ".join(re.sub(r"https?://\S+|[@#]\w+", " ", opened).split())
    sentences = [s.strip(" ,;:-") for s in SENTENCE_END.split(cleaned) if s.strip(" ,;:-")] or [""]

    def rank(sentence: str) -> tuple:
        words = content_words(sentence)
        return bool(words & THEMES), asks_for_something(sentence), sum(counts[w] for w in words)
    best = max(sentences, key=rank)
    return shorten(best, LABEL_CHARS) or "(no words)"


def label_of(texts: list[str], taken: frozenset[str] = frozenset()) -> str:
    """A group's title (see titles): the best one another group has not `taken` already."""
    found = titles(texts)
    return next((title for title in found if title not in taken), found[0] if found else "(no words)")


def asks_for_something(text: str) -> bool:
    """Whether the text asks for something in so many words ("would love", "please add", "you should")."""
    lowered = (text or "").lower().replace("\u2019", "'")
    return ASKING_PATTERN.search(lowered) is not None


def is_idea(texts: list[str]) -> bool:
    """A group is an idea when one of its posts asks for something in so many words or its posts name a wish we
    know ("rent", "repair", "vegan"...): "Sent. Please actually reply this time." matched the classifier's weak
    'please' but asks for nothing to be made."""
    return any(asks_for_something(t) for t in texts) or any(bag & THEMES for bag in bags_of(texts))


def group_labels(members: dict[str, list[str]]) -> dict[str, str]:
    """A distinct title per idea group, the biggest groups choosing first; groups that ask for nothing to be made
    are left out (their posts with them)."""
    labels: dict[str, str] = {}
    for key in sorted(members, key=lambda k: (-len(members[k]), k)):
        if is_idea(members[key]):
            labels[key] = label_of(members[key], frozenset(labels.values()))
    return labels


def build_ideas(con: Connection) -> None:
    """idea_posts and idea_groups; a group's key is its earliest post, so its status survives new ideas joining."""
    con.execute("""
        create or replace temp table _ideas as
        select t.event_id, t.customer_id, t.body as text, t.occurred_at as posted_at, t.network
        from customer_timeline t join post_intents i using (event_id)
        where i.intent = 'idea'
    """)
    # only the texts come into Python, in posting order: a frame of every column cost seconds at 1M to convert
    event_ids, texts = [], []
    for event_id, text in con.execute("select event_id, coalesce(text, '') from _ideas order by posted_at, event_id"
                                      ).fetchall():
        event_ids.append(event_id)
        texts.append(text)
    keys = [event_ids[first] for first in group_ideas(texts).tolist()] if texts else []
    members: dict[str, list[str]] = defaultdict(list)
    for key, text in zip(keys, texts, strict=True):
        members[key].append(text)
    labels = group_labels(members)
    kept = [i for i, key in enumerate(keys) if key in labels]
    event_ids, keys = [event_ids[i] for i in kept], [keys[i] for i in kept]
    con.register("_idea_keys", pd.DataFrame({
        "event_id": pd.array(event_ids, dtype="string"), "idea_key": pd.array(keys, dtype="string"),
        "label": pd.array([labels[key] for key in keys], dtype="string")}))
    con.execute("""create or replace table idea_posts as
                   select i.*, k.idea_key, k.label from _ideas i join _idea_keys k using (event_id)
                   order by i.posted_at, i.event_id""")
    con.unregister("_idea_keys")
    con.execute("drop table _ideas")
    con.execute("""create or replace table idea_groups as
                   select i.idea_key, any_value(i.label) as label, count(distinct i.customer_id) as customers,
                          count(*) as posts, min(i.posted_at) as first_at, max(i.posted_at) as last_at,
                          -- rounded to the cent: a sum of doubles differs in its last bits with the order it is
                          -- added in, which differs between an incremental and a full build
                          (select round(coalesce(sum(p.lifetime_value), 0), 2) from customer_profiles p
                           where p.customer_id in (select customer_id from idea_posts x
                                                   where x.idea_key = i.idea_key)) as combined_lifetime_value,
                          -- what people read: the sum in each currency (the one figure above only orders groups)
                          (select list({'currency': c.currency, 'amount': c.amount} order by c.amount desc, c.currency)
                           from (select v.currency, sum(v.amount) as amount
                                 from (select unnest(p.lifetime_values) as v from customer_profiles p
                                       where p.customer_id in (select customer_id from idea_posts x
                                                               where x.idea_key = i.idea_key))
                                 group by v.currency) as c) as combined_lifetime_values
                   from idea_posts i group by i.idea_key
                   order by customers desc, posts desc""")
