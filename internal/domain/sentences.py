"""Sentences and words of review text, with their offsets, so every quote taken from them is verbatim.

The one sentence rule for the project: VADER scores these sentences (internal/adapters/scorers/vader.py) and aspects and
evidence quote them. Pure and light: the workflow sandbox may import it.
"""

from __future__ import annotations

import functools
import re

_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
_WORDS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def word_set(text: str) -> frozenset[str]:
    """The words of a long literal list, written as prose to keep it readable."""
    return frozenset(text.split())


# Function words and generic review words: never an aspect, never a term that makes two sentences alike.
STOPWORDS = word_set(
    """a about above after again against all also am an and any are aren't as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during
    each even ever every few for from further get gets got had hadn't has hasn't have haven't having he her here
    hers herself him himself his how i i'd i'll i'm i've if in into is isn't it it's its itself just let's me
    more most much my myself no nor not now of off on once only or other our ours ourselves out over own really
    same she should shouldn't so some still such than that that's the their theirs them themselves then there
    there's these they they're this those through to too under until up upon us very was wasn't we we're were
    weren't what when where which while who whom why will with won't would wouldn't you you're your yours
    yourself one ones thing things lot bit way well quite pretty rather enough almost already always never"""
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: split after . ! ? and at line breaks, surrounding whitespace trimmed, so
    text[start:end] is the sentence exactly as written. Empty for blank text."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for sep in [*_SENTENCES.finditer(text), None]:
        end = len(text) if sep is None else sep.start()
        piece = text[pos:end]
        stripped = piece.strip()
        if stripped:
            start = pos + (len(piece) - len(piece.lstrip()))
            spans.append((start, start + len(stripped)))
        if sep is not None:
            pos = sep.end()
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`; the text itself when it has none (blank)."""
    return [text[s:e] for s, e in sentence_spans(text)] or [text]


@functools.lru_cache(maxsize=1 << 16)
def lemma(word: str) -> str:
    """A crude singular: enough that "batteries", "battery" and "battery's" name one thing. Both the vocabulary and
    the text go through it, so a stem that is not a word ("len" for "lens") still matches itself."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Lower-case words, hyphens and punctuation as breaks ("wi-fi" is "wi fi"), typographic apostrophes as '."""
    return _WORDS.findall(text.lower().replace("’", "'"))
