"""Names and handles within a typo or two of a search, found the way DuckDB's `jaro_winkler_similarity` finds them
(bit for bit), without asking DuckDB: a numpy bound rules out most terms, the exact similarity scores the rest."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

FUZZY_SIMILARITY = 0.88  # Jaro-Winkler: one or two typos in a name still match; different names do not


def jaro(a: bytes, b: bytes) -> float:
    """Jaro similarity on bytes, computed in the same order as DuckDB's (rapidfuzz) so the doubles are equal."""
    la, lb = len(a), len(b)
    if not la or not lb:
        return 0.0
    if la == 1 and lb == 1:
        return float(a == b)
    window = max(la, lb) // 2 - 1
    taken = [False] * lb
    matched = []
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(lb, i + window + 1)):
            if not taken[j] and b[j] == ch:
                taken[j] = True
                matched.append(ch)
                break
    m = len(matched)
    if not m:
        return 0.0
    transpositions = sum(x != y for x, y in zip(matched, (b[j] for j in range(lb) if taken[j]), strict=False)) // 2
    return (m / la + m / lb + (m - transpositions) / m) / 3.0


@dataclass(frozen=True)
class JaroWinkler:
    """DuckDB's jaro_winkler_similarity in Python; `fused` when DuckDB's build adds the prefix bonus with an FMA."""

    fused: bool

    def __call__(self, a: bytes, b: bytes) -> float:
        sim = jaro(a, b)
        if sim <= 0.7:
            return sim
        prefix = next((i for i, (x, y) in enumerate(zip(a[:4], b[:4], strict=False)) if x != y), min(len(a), len(b), 4))
        if not prefix:
            return sim
        if self.fused:  # one rounding of prefix * 0.1 * (1 - sim) + sim, as a fused multiply-add does
            return float(Fraction(prefix * 0.1) * Fraction(1.0 - sim) + Fraction(sim))
        return sim + prefix * 0.1 * (1.0 - sim)

    @classmethod
    def like(cls, con) -> JaroWinkler:
        """The variant that reproduces this DuckDB build's result bit for bit."""
        duck = con.execute("select jaro_winkler_similarity('sam khan', 'sxam khan')").fetchall()[0][0]
        return cls(fused=cls(fused=True)(b"sam khan", b"sxam khan") == duck)


def byte_bins(encoded: list[bytes]) -> np.ndarray:
    """Per string, how many bytes fall in each of 32 bins (a-z own bins; digits and others share)."""
    table = np.array([ord(chr(b).lower()) - 97 if chr(b).isalpha() and b < 128 else 26 + b % 6 for b in range(256)],
                     dtype=np.int64)
    out = np.zeros((len(encoded), 32), dtype=np.uint8)
    for start in range(0, len(encoded), 200_000):
        chunk = encoded[start:start + 200_000]
        data = np.frombuffer(b"".join(chunk), dtype=np.uint8)
        rows = np.repeat(np.arange(len(chunk)), [len(s) for s in chunk])
        counts = np.bincount(rows * 32 + table[data], minlength=len(chunk) * 32).reshape(len(chunk), 32)
        out[start:start + len(chunk)] = np.minimum(counts, 255)
    return out


class FuzzyIndex:
    """Names and handles within a typo or two of a query: same first character, length within 2, Jaro-Winkler
    at least FUZZY_SIMILARITY — search's typo branch.

    A numpy bound on the common characters skips terms that cannot reach the threshold (matching characters are
    equal bytes, so their count is at most the overlap of the two byte histograms); the survivors are scored
    with the exact Jaro-Winkler. The bound never drops a match, so the answers equal DuckDB's.
    """

    def __init__(self, terms: list[str], similarity: JaroWinkler):
        self.terms = terms
        self.encoded = [t.encode() for t in terms]
        self.first = np.array([ord(t[0]) for t in terms])
        self.chars = np.array([len(t) for t in terms])
        self.nbytes = np.array([len(b) for b in self.encoded])
        self.bins = byte_bins(self.encoded)
        self.similarity = similarity

    def similar(self, query: str, threshold: float = FUZZY_SIMILARITY) -> list[str]:
        encoded = query.encode()
        near = np.flatnonzero((self.first == ord(query[0])) & (np.abs(self.chars - len(query)) <= 2))
        common = np.minimum(self.bins[near], byte_bins([encoded])[0]).sum(axis=1)
        common = np.minimum(common, np.minimum(self.nbytes[near], len(encoded)))
        jaro_bound = (common / self.nbytes[near] + common / len(encoded) + 1) / 3
        maybe = near[jaro_bound + 0.4 * (1 - jaro_bound) >= threshold - 1e-9]
        return [self.terms[i] for i in maybe if self.similarity(self.encoded[i], encoded) >= threshold]
