"""Wire shapes of the product page (`GET /api/v1/jobs/{id}/products/{row}`) and the job overview."""

from __future__ import annotations

from pydantic import BaseModel


class QuoteOut(BaseModel):
    text: str  # verbatim: review.text[start:start + len(text)]
    review_id: str
    start: int
    sentiment: float
    rating: float | None = None
    date: str | None = None


class AspectOut(BaseModel):
    name: str
    kind: str  # vocabulary (the same name across products) | phrase (a noun many of this product's reviews name)
    mentions: int  # N: reviews that mention it
    reviews: int  # M: reviews looked at
    mean_sentiment: float
    ci95_low: float | None
    ci95_high: float | None
    positive: int
    neutral: int
    negative: int
    quotes: list[QuoteOut]


class AspectProviderOut(BaseModel):
    provider: str  # offline | comprehend | gemini: who named the aspects (docs/aspects.md, "Providers")
    dropped_claims: int  # the provider's claims that failed our checks
    dropped: dict[str, int]  # ... by reason: quote_not_verbatim, no_mentions, count_inflated, unusable_name
    provider_error: str | None  # why a configured provider's aspects are not here (offline ones are)


class EvidenceOut(BaseModel):
    label_distribution: dict[str, int]
    praise: QuoteOut | None = None
    complaint: QuoteOut | None = None
    praise_reviews: int = 0
    complaint_reviews: int = 0


class ScoreOut(BaseModel):
    score_5: float | None
    score_display: str | None
    mean_sentiment: float | None
    ci95_low: float | None
    ci95_high: float | None
    label: str | None
    confidence: str | None
    review_count: int
    reviews_available: int | None
    mean_rating: float | None
    rating_count: int
    agreement: float | None


class ReviewOut(BaseModel):
    review_id: str
    text: str
    rating: float | None
    date: str | None
    sentiment: float | None  # its decisive scorer's, -1..1
    label: str | None
    confidence: float | None
    scorer: str | None


class ReviewPageOut(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[ReviewOut]


class ProductOut(BaseModel):
    job_id: str
    row: int
    product_id: str | None
    name: str | None
    status: str
    reason: str | None
    duplicate_of: int | None
    demo_data: bool
    score: ScoreOut | None
    label_distribution: dict[str, int]
    why: str  # why the result has the confidence it has, in words
    aspects: list[AspectOut]
    aspect_provider: AspectProviderOut | None
    evidence: EvidenceOut | None
    reviews: ReviewPageOut


class ProductBriefOut(BaseModel):
    row: int
    product_id: str | None
    name: str | None
    score_5: float


class JobAspectOut(BaseModel):
    name: str
    products: int  # products whose reviews talk about it
    mentions: int
    positive: int
    negative: int
    mean_sentiment: float | None
    negative_products: int  # negative products in which more reviews fault it than praise it


class SummaryOut(BaseModel):
    products: int
    labels: dict[str, int]
    shares: dict[str, float]
    mean_score_5: float | None
    best: list[ProductBriefOut]
    worst: list[ProductBriefOut]
    aspects: list[JobAspectOut]


class GroupOut(SummaryOut):
    value: str


class OverviewOut(SummaryOut):
    job_id: str
    status: str
    group_by: str | None
    groups: list[GroupOut]
