"""What the classifier reads in a post: word and character n-grams of the masked text, VADER's scores, a few
typographic cues and a wordllama sentence embedding, as one sparse row per post."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from models.company import Company, mask_company

MAX_CHARS = 2_000  # posts are short; a pasted novel should cost no more than a long post
# dense features are scaled to weigh about as much as a typical n-gram block (whose rows have unit length)
CUE_WEIGHT, EMBEDDING_WEIGHT = 0.5, 1.0
CUE_NAMES = ("vader negative", "vader neutral", "vader positive", "vader compound", "a '?'", "'!'", "capitals",
             "length")


def clean(text: str | None, company: Company) -> str:
    """The text cut to MAX_CHARS, typographic apostrophes made plain, the company's names and handles masked."""
    text = (text or "")[:MAX_CHARS].replace("\u2019", "'").replace("\u2018", "'")
    return mask_company(text, company)


@cache
def vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@cache
def embedder():
    """wordllama's 256-d model from the files its wheel ships (nothing is downloaded)."""
    import wordllama
    from wordllama import WordLlama

    return WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


def cues(text: str) -> list[float]:
    """VADER's four scores and how the post is typed: a question mark, exclamation, shouting, length."""
    scores = vader().polarity_scores(text) if text.strip() else {"neg": 0.0, "neu": 1.0, "pos": 0.0, "compound": 0.0}
    letters = [c for c in text if c.isalpha()]
    capitals = sum(c.isupper() for c in letters) / len(letters) if len(letters) >= 8 else 0.0
    return [scores["neg"], scores["neu"], scores["pos"], scores["compound"], float("?" in text),
            min(text.count("!"), 3) / 3, capitals, min(math.log1p(len(text.split())) / 5, 1.0)]


class Features:
    """Fitted once on the training texts; turns cleaned texts into the classifier's rows."""

    def __init__(self) -> None:
        self.words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=12_000, sublinear_tf=True,
                                     lowercase=True, token_pattern=r"(?u)[@#]?\b\w[\w']*\b")
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, max_features=20_000,
                                     sublinear_tf=True, lowercase=True)

    def fit(self, texts: list[str]) -> Features:
        self.words.fit(texts)
        self.chars.fit(texts)
        return self

    def __getstate__(self) -> dict:
        """What is saved: the vectorizers without the id() of their stop-word list, which they remember only to
        skip a check, and which would make every saved model differ."""
        for vectorizer in (self.words, self.chars):
            vars(vectorizer).pop("_stop_words_id", None)
        return self.__dict__

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        dense = np.hstack([CUE_WEIGHT * np.array([cues(t) for t in texts], dtype=np.float64).reshape(len(texts), -1),
                           EMBEDDING_WEIGHT * embed(texts)])
        return sp.hstack([self.words.transform(texts), self.chars.transform(texts), sp.csr_matrix(dense)],
                         format="csr")

    @property
    def word_terms(self) -> np.ndarray:
        """The word n-grams, in column order (they come first in every row)."""
        return self.words.get_feature_names_out()


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length sentence embeddings (zeros for an empty text)."""
    if not texts:
        return np.zeros((0, 256))
    return np.asarray(embedder().embed([t or " " for t in texts], norm=True), dtype=np.float64)
