"""Rapport's keyword rules (rules version 1), kept only for `python -m bench classify` to compare against: intent,
urgency and sentiment of a social post from weighted keyword cues plus VADER, each with its reasons."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from models.company import current_company

INTENTS = ("complaint", "question", "praise", "idea", "other")
URGENCIES = ("high", "normal", "low")
RULES_VERSION = "1"  # bump on any change below: callers cache classifications by (text hash, RULES_VERSION)

# Ties go to the intent it costs more to miss: an unanswered complaint hurts more than an unthanked compliment.
PRECEDENCE = ("complaint", "question", "idea", "praise", "other")
MAX_CHARS = 5_000  # posts are short; a pasted novel should not cost more than a post's worth of regex and VADER
STRONG, WEAK = 2.0, 1.0


def weighted(strong: tuple[str, ...] = (), weak: tuple[str, ...] = ()) -> tuple[tuple[str, float], ...]:
    """Cue phrases with their weights; a trailing `*` matches any word ending, `'` is optional."""
    return tuple((cue, STRONG) for cue in strong) + tuple((cue, WEAK) for cue in weak)


# Intent cues, strong (2.0) and weak (1.0). Lower case; a phrase matches whole words, "'" and "-" are optional.
COMPLAINT_CUES = weighted(
    strong=(
        # waiting and not being answered
        "still waiting", "still no", "still nothing", "still hasn't", "still not", "no reply", "no response",
        "no answer", "not replied", "nobody is", "nobody told", "nobody answer*", "no one", "on hold", "gave up",
        "non-existent", "nonexistent", "never arrived", "never received", "not received", "didn't get", "days later",
        # money
        "refund", "money back", "compensation", "charged for",
        # the product failed
        "broken", "broke", "snapped", "ripped", "torn", "split", "fell apart", "falling apart", "peeling", "leak*",
        "wetted out", "let water in", "faulty", "defect*", "stopped working", "doesn't work", "didn't work", "died",
        "jammed", "missing", "mould*", "destroyed", "froze", "rash", "colour ran", "color ran", "poor quality",
        "cheap", "design fail", "downhill",
        # the order went wrong
        "wrong size", "wrong colour", "wrong color", "wrong item", "wrong address", "sent the wrong",
        "someone else's order", "out of stock after", "can't find",
        # how the writer feels about it
        "not happy", "not impressed", "not good enough", "not ok", "disappoint*", "rubbish", "useless", "unusable",
        "terrible", "awful", "worst", "appalling", "shocking", "unacceptable", "ridiculous", "joke", "rude",
        "fuming", "wasted", "complain*", "how you treat", "lost a customer", "won't be back", "no thanks",
        # "why …?" asked of a shop is a grievance far more often than curiosity
        "why is", "why are", "why does", "why do", "why has", "why have",
        # sarcasm and exasperation
        "thanks for nothing", "smh", "wtf", "irony", "my foot",
    ),
    weak=(
        "cancelled", "cancelling", "returning", "return postage", "delivered", "wrong", "damp", "smell*", "slow",
        "hot", "cold", "hole", "stain", "invalid", "nothing", "poor", "gross", "blisters", "lasted", "instead",
        "waiting for", "again", "really", "the point", "shrugged", "😤", "🙄", "🙃", "😒", "😢", "😡",
    ),
)
QUESTION_CUES = weighted(
    strong=(
        "do you", "does the", "does anyone", "does it", "is there", "is the", "are your", "are the", "are you",
        "can i", "can the", "could you tell", "how do i", "how long", "how much", "how many", "how warm",
        "what's the", "what size", "what time", "which of", "where do", "where's my", "when will", "will the",
        "anyone know", "anyone tried", "any news", "any idea", "any tips", "quick q", "want to know", "wondering",
        "would you recommend", "is that normal", "is that right",
    ),
    weak=("what", "when", "where", "which", "how", "do i", "can you", "should i", "is it", "did you"),
)
PRAISE_CUES = weighted(
    strong=(
        "love my", "loving", "in love", "obsessed", "brilliant", "amazing", "awesome", "excellent", "superb", "fab",
        "best", "perfect", "perfectly", "legend*", "beast", "bombproof", "impressed", "impressive", "delighted",
        "so happy", "happy customer", "happy hiker", "proud", "thank you", "thanks to", "big thanks", "appreciated",
        "kudos", "shoutout", "props to", "10/10", "5 stars", "worth every penny", "game changer", "can't recommend",
        "highly recommend", "never disappoints", "customer for life", "nailed it", "no complaints",
        "no questions asked", "comfiest", "so comfy", "bone dry", "toasty", "going strong", "works a treat",
        "saved our bacon", "smoothest", "easy peasy", "most helpful", "so patient", "great advice", "great service",
        "sehr gut",
    ),
    weak=(
        "love", "great", "thanks", "happy", "helpful", "patient", "quick", "fast", "comfy", "comfortable",
        "quality", "reliable", "stunning", "unreal", "wow", "😍", "🥰", "💚", "🧡", "❤️", "👍", "👌", "🙌", "👏",
        "⭐", "🔥",
    ),
)
IDEA_CUES = weighted(
    strong=(
        "would love", "i'd love", "love to see", "would really like", "wish you", "i wish", "please make",
        "please add", "please stock", "please consider", "please bring back", "bring back", "could you add",
        "could you do", "can you add", "could we get", "it would be great", "would be great", "would be amazing",
        "would be nice", "would be fantastic", "would be cool", "would be perfect", "would be the perfect",
        "it'd be", "if you made", "would sell", "would buy", "suggestion", "idea:", "feature request", "how about",
        "why not", "you should", "you guys should", "maybe do", "consider offering", "consider adding",
        "start stocking", "any chance of", "any plans for", "just saying",
        # things customers keep asking to be offered
        "kids' version", "a version of", "rental", "repair service",
    ),
    weak=("please", "version", "collab", "should", "make a", "i think a", "would be"),
)
OTHER_CUES = weighted(
    strong=(
        "giveaway", "#ad", "entering", "tagging", "congrats", "throwback", "rt if", "dm me", "link in bio",
        "check out my", "following for", "wish me luck", "who else", "lovely pic", "happy friday",
        "merry christmas", "happy birthday",
    ),
    weak=("look at this", "good luck", "#win", "birthday", "haha", "lol", "😂"),
)
INTENT_CUES = {"complaint": COMPLAINT_CUES, "question": QUESTION_CUES, "praise": PRAISE_CUES,
               "idea": IDEA_CUES, "other": OTHER_CUES}

# Urgency cues: any one makes a complaint or question high urgency (and counts as a strong complaint cue).
SAFETY_CUES = (
    "burn*", "fire", "smoking", "explod*", "gas leak*", "leaking gas", "smell gas", "smell of gas",
    "carbon monoxide", "injur*", "hospital", "poison*", "stomach bug*", "dangerous", "recalling", "product recall",
)
MONEY_CUES = ("charged twice", "charged me twice", "double charged", "fraud*", "scam*", "where is my money")
ESCALATION_CUES = (
    "lawyer", "solicitor", "trading standards", "ombudsman", "chargeback", "small claims", "court", "never again",
    "never shopping", "furious",
)
URGENCY_CUES = {"safety": SAFETY_CUES, "money": MONEY_CUES, "escalation": ESCALATION_CUES}
# A complaint that says it can wait ("bit disappointed … but it'll do") is low urgency.
MILD_CUES = ("bit disappointed", "it'll do", "minor", "slightly", "no big deal", "no biggie", "small thing")

QUESTION_MARK_WEIGHT = 1.5
# Sentiment counts only when no other intent has words for it: strong feeling alone says complaint or praise.
NEGATIVE_LEAN, POSITIVE_LEAN = -0.3, 0.5
SENTIMENT_WEIGHT = 2.0
MIN_INTENT_SCORE = 1.0  # below this a post has said nothing we can read as an intent
ANGRY_COMPLAINT_SENTIMENT = -0.9
SHOUTED_WORDS = 3  # this many all-caps words (3+ letters) is shouting, not an acronym
LONG_WAIT_DAYS = 7

NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "several": 3, "few": 3}
UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14, "month": 30}
WAIT_AMOUNT = re.compile(
    r"(?<!\w)(\d{1,3}|" + "|".join(NUMBER_WORDS) + r")\s+(?:working\s+)?(day|week|fortnight|month)s?(?!\w)"
    r"|(?<!\w)day\s+(\d{1,3})(?!\w)"
)
# A number of days only means a wait when the post says so ("3 weeks ago", "been 2 weeks", "still nothing").
WAITING_WORDS = re.compile(r"(?<!\w)(?:still (?:no|not|nothing|waiting|hasn't)|waiting|ago|been|no (?:reply|answer|"
                           r"response)|day\s+\d)")
SHOUTED_WORD = re.compile(r"(?<![A-Za-z])[A-Z]{3,}(?![A-Za-z])")
RHETORICAL_MARKS = re.compile(r"\?\s*[?!]|!\s*\?")
MENTIONED = re.compile(r"(?<![\w@])@(\w[\w.]*(?:@[\w.-]+)?)")  # in lower-cased text; config/company.toml says whose


@dataclass(frozen=True)
class Classification:
    intent: str
    urgency: str
    sentiment: float  # VADER compound
    explanation: str  # plain text, mentions the matched cues and the sentiment


TOKEN = re.compile(r"\w+|[^\w\s]")  # a word, or one symbol or emoji
STEM_KEY_LENGTH = 4  # a one-word cue with a wildcard ("scam*") is looked up by its first 4 characters


def word_keys(lowered: str) -> set[str]:
    """The words of lower-cased text, and the first characters of each, to look cues up by."""
    words = set(TOKEN.findall(lowered))
    return words | {word[:STEM_KEY_LENGTH] for word in words if len(word) > STEM_KEY_LENGTH}


def cue_key(cue: str) -> str:
    """A cue's first word, or for a one-word wildcard cue the first characters of its stem."""
    first = TOKEN.search(cue.lower())[0]
    return first[:STEM_KEY_LENGTH] if cue.endswith("*") and " " not in cue else first


def cue_pattern(cue: str) -> re.Pattern[str]:
    """A lower-case cue phrase as a regex for whole words of lower-cased text; `'` optional, `*` any word ending.

    The pattern starts with the cue's literal first word and checks the boundary before it with a lookbehind placed
    after it: a leading lookbehind would stop `re` from scanning for the literal, 20-30 times slower."""
    first = TOKEN.match(cue)[0]
    rest = re.escape(cue[len(first):].rstrip("*")).replace("'", "'?").replace(r"\ ", r"[\s-]+")
    boundary_before = rf"(?<!\w{re.escape(first)})" if re.match(r"\w", first) else ""  # "#ad", emoji need none
    star = r"\w*" if cue.endswith("*") else ""
    return re.compile(rf"{re.escape(first)}{boundary_before}{rest}{star}(?!\w)")


class CueSet:
    """Cue phrases of several families, found in a text by trying only the cues that start with one of its words.

    (One alternation of all cues would be simpler, but Python's re tries every branch at every character: ~150/s.)
    """

    def __init__(self, families: dict[str, tuple[str, ...]]) -> None:
        self.by_key: dict[str, list[tuple[str, str, re.Pattern[str]]]] = {}
        for family, cues in families.items():
            for cue in cues:
                self.by_key.setdefault(cue_key(cue), []).append((cue, family, cue_pattern(cue)))
        self.keys = frozenset(self.by_key)

    def find(self, lowered: str, keys: set[str]) -> dict[str, list[str]]:
        """Distinct cues in `lowered` text (whose `word_keys` are `keys`) by family, in order of appearance.

        Where cues overlap the longer wins, so "would love" (idea) leaves no "love" (praise) behind."""
        hits = []
        for key in keys & self.keys:
            for cue, family, pattern in self.by_key[key]:
                if pattern.search(lowered):  # most candidates miss; skip building an iterator for them
                    hits.extend((m.start(), -len(m[0]), cue, family) for m in pattern.finditer(lowered))
        hits.sort()
        found: dict[str, list[str]] = {}
        taken_until = 0
        for start, negative_length, cue, family in hits:
            if start >= taken_until:
                taken_until = start - negative_length
                if cue not in found.setdefault(family, []):
                    found[family].append(cue)
        return found


INTENT_CUE_SET = CueSet({intent: tuple(cue for cue, _ in cues) for intent, cues in INTENT_CUES.items()})
CUE_WEIGHTS = {(cue, intent): weight for intent, cues in INTENT_CUES.items() for cue, weight in cues}
URGENCY_CUE_SET = CueSet(URGENCY_CUES)
MILD_CUE_SET = CueSet({"mild": MILD_CUES})
_analyzer = SentimentIntensityAnalyzer()


@dataclass(frozen=True)
class Post:
    """A post's text and what every rule reads from it, worked out once."""

    text: str
    lowered: str  # what cues are matched against
    keys: set[str]
    sentiment: float
    urgent: dict[str, list[str]]  # safety / money / escalation cues found
    waited: int  # days the writer says they have been waiting


class Tally:
    """Each intent's score so far and the reasons that earned it (quoted cues and named signals, never the text)."""

    __slots__ = ("scores", "reasons")

    def __init__(self) -> None:
        self.scores = dict.fromkeys(INTENTS, 0.0)
        self.reasons: dict[str, list[str]] = {intent: [] for intent in INTENTS}

    def add(self, intent: str, weight: float, reason: str) -> None:
        self.scores[intent] += weight
        self.reasons[intent].append(reason)


def read_post(text: str, sentiment: float | None) -> Post:
    """Typographic apostrophes made plain (so "can’t" meets "can't"), long texts cut to MAX_CHARS, signals found."""
    text = (text or "")[:MAX_CHARS].replace("\u2019", "'").replace("\u2018", "'")
    if sentiment is None:
        sentiment = _analyzer.polarity_scores(text)["compound"] if text.strip() else 0.0
    lowered = text.lower()
    keys = word_keys(lowered)
    return Post(text, lowered, keys, float(sentiment), URGENCY_CUE_SET.find(lowered, keys), days_waiting(lowered))


def days_waiting(lowered: str) -> int:
    """The longest wait a lower-cased post mentions, in days, if it says it is waiting; else 0."""
    if not WAITING_WORDS.search(lowered):
        return 0
    longest = 0
    for amount, unit, day_number in WAIT_AMOUNT.findall(lowered):
        days = int(day_number) if day_number else (int(amount) if amount.isdigit() else NUMBER_WORDS[amount])
        longest = max(longest, days * (1 if day_number else UNIT_DAYS[unit]))
    return longest


def question_mark_intent(post: Post, words: dict[str, float]) -> tuple[str, str]:
    """Whom a '?' speaks for: a request ("could you add …?"), anger ("why is nobody answering??"), or a question."""
    if words["idea"] > words["question"]:
        return "idea", "'?' after a suggestion"
    # A question about a hazard ("is it safe … carbon monoxide?") is still a question: only grievance makes it rhetoric.
    grievance = words["complaint"] - STRONG * len(post.urgent.get("safety", ()))
    angry_marks = bool(RHETORICAL_MARKS.search(post.text)) and (grievance > 0 or post.sentiment < 0)
    if angry_marks or grievance > words["question"]:
        return "complaint", "a rhetorical '?'"
    return "question", "'?'"


def sentiment_lean(words: dict[str, float], sentiment: float) -> str | None:
    """complaint or praise when the feeling is strong and no other intent has words for the post; else None."""
    leaning = "complaint" if sentiment <= NEGATIVE_LEAN else "praise" if sentiment >= POSITIVE_LEAN else None
    if leaning and not any(score for intent, score in words.items() if intent != leaning):
        return leaning
    return None


def tally_intents(post: Post) -> Tally:
    """Score every intent: its cues, then the signals around them (urgent words, waits, tags, '?', sentiment)."""
    tally = Tally()
    for intent, cues in INTENT_CUE_SET.find(post.lowered, post.keys).items():
        for cue in cues:
            tally.add(intent, CUE_WEIGHTS[(cue, intent)], f"'{cue}'")
    for cue in (cue for cues in post.urgent.values() for cue in cues):
        tally.add("complaint", STRONG, f"'{cue}'")  # burns, double charges and lawyers are complaints whatever else
    if post.waited >= LONG_WAIT_DAYS:
        tally.add("complaint", STRONG, f"waiting {post.waited} days")
    if any(mention.split("@")[0] not in current_company().all_handles for mention in MENTIONED.findall(post.lowered)):
        tally.add("other", WEAK, "an @mention of someone else")
    words = dict(tally.scores)  # what the words alone say, before punctuation and feeling
    if "?" in post.text:
        intent, reason = question_mark_intent(post, words)
        tally.add(intent, QUESTION_MARK_WEIGHT, reason)
    if leaning := sentiment_lean(words, post.sentiment):
        feeling = "negative" if leaning == "complaint" else "positive"
        tally.add(leaning, SENTIMENT_WEIGHT * abs(post.sentiment), f"{feeling} sentiment")
    return tally


def pick_intent(scores: dict[str, float]) -> tuple[str, list[str]]:
    """The best-scoring intent, and any intents it tied with (ties go by PRECEDENCE)."""
    best = max(scores.values())
    if best < MIN_INTENT_SCORE:
        return "other", []
    tied = [intent for intent in PRECEDENCE if scores[intent] == best]
    return tied[0], tied[1:]


def urgency_reasons(post: Post, intent: str) -> list[str]:
    """Why a complaint or question is urgent; empty when it is not."""
    reasons = [f"'{cue}' ({family})" for family, cues in post.urgent.items() for cue in cues]
    if len(SHOUTED_WORD.findall(post.text)) >= SHOUTED_WORDS:
        reasons.append("ALL CAPS")
    if "!!!" in post.text:
        reasons.append("'!!!'")
    if post.waited >= LONG_WAIT_DAYS:
        reasons.append(f"waiting {post.waited} days")
    if intent == "complaint" and post.sentiment <= ANGRY_COMPLAINT_SENTIMENT:
        reasons.append(f"sentiment at or below {ANGRY_COMPLAINT_SENTIMENT}")
    return reasons


def decide_urgency(post: Post, intent: str) -> tuple[str, str]:
    """high / normal / low, and the clause that explains it."""
    if intent not in ("complaint", "question"):
        return "low", f"urgency low: {intent} needs no reply by a deadline"
    if reasons := urgency_reasons(post, intent):
        return "high", "urgency high: matched " + join_reasons(reasons)
    if intent == "complaint" and (mild := MILD_CUE_SET.find(post.lowered, post.keys)):
        return "low", "urgency low: a mild complaint, matched " + join_reasons([f"'{c}'" for c in mild["mild"]])
    return "normal", f"urgency normal: a {intent} with no urgent cues"


def join_reasons(reasons: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return reasons[0] if len(reasons) == 1 else ", ".join(reasons[:-1]) + " and " + reasons[-1]


def describe_intent(intent: str, tally: Tally, tied_with: list[str]) -> str:
    """The intent clause: what matched, and how a tie was broken."""
    if tally.scores[intent] < MIN_INTENT_SCORE:
        return f"{intent}: no intent scored {MIN_INTENT_SCORE:.1f} or more"
    clause = f"{intent}: matched {join_reasons(tally.reasons[intent])}"
    if tied_with:
        clause += f" (tied with {' and '.join(tied_with)} at {tally.scores[intent]:.1f}; {intent} goes first on ties)"
    return clause


def classify(text: str, sentiment: float | None = None) -> Classification:
    """Intent, urgency and VADER compound of one post, explained by the cues that decided them."""
    post = read_post(text, sentiment)
    tally = tally_intents(post)
    intent, tied_with = pick_intent(tally.scores)
    urgency, urgency_clause = decide_urgency(post, intent)
    explanation = f"{describe_intent(intent, tally, tied_with)}; sentiment {post.sentiment:+.2f}; {urgency_clause}"
    return Classification(intent, urgency, post.sentiment, explanation)


def classify_many(texts: Iterable[str]) -> list[Classification]:
    """`classify` over many posts, in order."""
    return [classify(text) for text in texts]
