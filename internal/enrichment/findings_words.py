"""Why a product's result has the confidence it has, in a sentence a person reads on its page and in the CLI.

It names the rule of internal/domain/aggregate.py that decided the confidence (too few reviews, a wide interval,
text that disagrees with the stars), with the product's own numbers.
"""

from __future__ import annotations

from internal.domain.models import ProductSentiment

# The rules of aggregate(): fewer reviews than this are low confidence whatever they say; an interval wider than
# these is low / medium; less agreement than this with the stars is medium. Said here in words, decided there.
_MIN_REVIEWS = 5
_LOW_WIDTH = 0.6
_MEDIUM_WIDTH = 0.3
_MIN_AGREEMENT = 0.7


def confidence_words(s: ProductSentiment, *, available: int | None = None, status: str | None = None) -> str:
    n = s.review_count
    if n == 0 or s.mean_sentiment is None:
        return "No review could be scored, so there is no score and no confidence to give."
    scored = f"{n} review{'s' if n != 1 else ''} scored"
    if available is not None and available > n:
        scored += f" of the {available} the source reports"
    parts = [scored]
    width = s.ci_width
    if width is not None and s.ci95_low is not None and s.ci95_high is not None:
        parts.append(
            f"the mean sentiment {s.mean_sentiment:+.2f} lies, with 95% confidence, between {s.ci95_low:+.2f} and "
            f"{s.ci95_high:+.2f} (an interval {width:.2f} wide)"
        )
    if s.agreement is not None and s.rating_count:
        parts.append(f"{s.agreement:.0%} of the {s.rating_count} rated reviews say in words what their stars say")
    level = s.confidence or "low"
    if n < _MIN_REVIEWS:
        why = f"fewer than {_MIN_REVIEWS} reviews are too few to tell a product's sentiment from chance"
    elif width is None or width > _LOW_WIDTH:
        why = "the reviews disagree so much that the interval is wider than 0.6"
    elif width > _MEDIUM_WIDTH:
        why = "the interval is wider than 0.3: more reviews, or reviews that agree more, would narrow it"
    elif s.agreement is not None and s.agreement < _MIN_AGREEMENT:
        why = "under 70% of the rated reviews' text agrees with their stars, so the text and the stars pull apart"
    else:
        why = "enough reviews agree closely on their sentiment, and their text agrees with their stars"
    sentence = f"{level.capitalize()} confidence: {'; '.join(parts)}. {why[0].upper()}{why[1:]}."
    if status == "low_confidence":
        sentence += " The feedback loop tried to firm it up (more pages, a stronger scorer) and kept its best result."
    return sentence
