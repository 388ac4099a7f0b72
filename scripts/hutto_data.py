"""The human-rated sentiment sets of Hutto & Gilbert (ICWSM 2014), from the pinned vaderSentiment 3.3.2 sdist.

The sdist ships them as `additional_resources/hutto_ICWSM_2014.tar.gz` (MIT, like the package). Four sets of
snippets, each rated by about 20 people from -4 (extremely negative) to +4 (extremely positive); the ground truth
is their mean. Tweets, movie-review snippets and NYT editorial snippets are what we fit on; the Amazon review
snippets are the held-out test (HELD_OUT): nothing is ever fit on them. Amazon ids are `<review>_<sentence>`, so
the sentences of one review can be put back together (`by_review`).

Downloaded once by pip (the registry, not a URL of our own) into a cache folder and checked against SDIST_SHA256.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

SDIST = "vaderSentiment==3.3.2"
SDIST_FILE = "vaderSentiment-3.3.2.tar.gz"
SDIST_SHA256 = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
ARCHIVE = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
CACHE = Path(__file__).resolve().parents[1] / ".data" / "hutto"

SETS = {
    "tweets": "tweets_GroundTruth.txt",
    "movies": "movieReviewSnippets_GroundTruth.txt",
    "nyt": "nytEditorialSnippets_GroundTruth.txt",
    "amazon": "amazonReviewSnippets_GroundTruth.txt",
}
TRAIN = ("tweets", "movies", "nyt")
HELD_OUT = "amazon"
RATING_SCALE = 4.0  # ratings run -4..4; the scorers' sentiment runs -1..1


@dataclass(frozen=True)
class Snippet:
    id: str
    rating: float  # mean human rating / RATING_SCALE: -1..1
    text: str


def sdist(cache: Path = CACHE) -> Path:
    """The sdist, downloaded by pip if not cached, refused unless its sha256 is the pinned one."""
    path = cache / SDIST_FILE
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*cmd, "-d", str(cache), SDIST], check=True)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise RuntimeError(f"{path}: sha256 {digest}, expected {SDIST_SHA256}")
    return path


def load(name: str, cache: Path = CACHE) -> list[Snippet]:
    """One set, in file order: `<id>\\t<mean rating>\\t<text>` per line."""
    with tarfile.open(sdist(cache)) as outer:
        inner_file = outer.extractfile(ARCHIVE)
        assert inner_file is not None
        with tarfile.open(fileobj=inner_file) as inner:
            member = next(m for m in inner.getmembers() if m.name.endswith("/" + SETS[name]))
            data = inner.extractfile(member)
            assert data is not None
            raw = data.read().decode("utf-8-sig")
    out = []
    for line in raw.splitlines():
        if line.strip():
            sid, rating, text = line.split("\t", 2)
            out.append(Snippet(sid.strip(), float(rating) / RATING_SCALE, text.strip()))
    return out


def by_review(snippets: list[Snippet]) -> list[tuple[str, float, str]]:
    """Amazon sentences put back into reviews: (review id, mean of the sentences' ratings, the sentences joined)."""
    groups: dict[str, list[Snippet]] = defaultdict(list)
    for s in snippets:
        groups[s.id.split("_", 1)[0]].append(s)
    out = []
    for rid, group in groups.items():
        group.sort(key=lambda s: int(s.id.split("_", 1)[1]))
        out.append((rid, sum(s.rating for s in group) / len(group), " ".join(s.text for s in group)))
    return out
