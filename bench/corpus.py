"""The benchmark corpus: N synthetic news articles written as three equivalent sites.

The same articles (same words, same dates, same taxonomy) go into a newsgen site, a Hugo
site and a Pelican site, each configured for the same pages: one page per article,
home, category, tag and author listings paginated by 10, feeds of 50 items, a sitemap.
Everything is drawn from a seeded random generator, so a corpus is reproducible.

    python bench/corpus.py 10000 bench/work/corpus-10000
"""

from __future__ import annotations

import argparse
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

CATEGORIES = ("Politics", "Business", "World", "Science", "Sport", "Culture", "Health", "Technology")
AUTHORS = (
    "Ana Ruiz",
    "Ben Okafor",
    "Chen Wei",
    "Dana Levi",
    "Emil Novak",
    "Fatima Zahra",
    "Gustavo Lima",
    "Hannah Berg",
    "Ivo Petrov",
    "Julia Marsh",
)
_WORDS = (
    "the government said on monday that new budget talks would resume after a week of "
    "protests in the capital where thousands gathered outside parliament to demand answers "
    "about rising prices energy bills rents and wages officials insisted the economy was "
    "growing faster than expected while opposition leaders called for an independent review "
    "of the figures analysts warned that inflation could return next year if central banks "
    "cut rates too early scientists published a study showing river pollution had fallen "
    "across the region since factories adopted cleaner processes hospitals reported longer "
    "waiting times during the winter season as staff shortages continued football fans "
    "celebrated a late victory that kept the club in the league the festival opened with a "
    "film about migration memory and family local councils approved plans for cycling lanes "
    "schools libraries and housing investors watched markets closely as shares rose in "
    "technology companies after strong results farmers asked for support after drought "
    "damaged crops ministers promised reforms court judges ruled police researchers voters "
    "museum orchestra vaccine satellite election treaty harbour railway bridge summit"
).split()
TAG_NAMES = tuple(sorted({w.capitalize() for w in _WORDS if len(w) > 5}))[:50]
START = datetime(2016, 1, 1, 6, 0)


@dataclass(frozen=True)
class Story:
    """One synthetic article, before it is written in any tool's format."""

    slug: str  # URL name, the same in every tool
    title: str  # headline
    date: datetime  # publication time (UTC, naive)
    category: str  # one of CATEGORIES
    tags: tuple[str, ...]  # 2-4 of TAG_NAMES
    author: str  # one of AUTHORS
    summary: str  # one sentence
    body: str  # Markdown, 6-12 paragraphs with headings, lists, links, emphasis


def make_stories(count: int, seed: int = 5) -> list[Story]:
    return list(iter_stories(count, seed))


def iter_stories(count: int, seed: int = 5) -> Iterator[Story]:
    """The stories one by one: a million of them do not fit in memory beside a build."""
    rng = random.Random(seed)
    span = (datetime(2026, 11, 1) - START).total_seconds()
    for n in range(count):
        title = _sentence(rng, 5, 10).rstrip(".")
        date = START + timedelta(seconds=int(span * n / count) + rng.randrange(3600))
        yield Story(
            slug=f"story-{n:06d}",
            title=title,
            date=date,
            category=rng.choice(CATEGORIES),
            tags=tuple(rng.sample(TAG_NAMES, rng.randint(2, 4))),
            author=rng.choice(AUTHORS),
            summary=_sentence(rng, 14, 24),
            body=_body(rng, n, count),
        )


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, n: int, count: int) -> str:
    sentences = [_sentence(rng, 8, 18) for _ in range(rng.randint(3, 5))]
    i = rng.randrange(len(sentences))
    words = sentences[i].split()
    pick = rng.randrange(len(words) - 1)
    style = rng.choice(("*{}*", "**{}**", "[{}](https://example.org/ref/{})", "[{}](/{}/)"))
    other = f"{rng.randrange(max(1, n)):06d}" if count else "0"
    target = f"story-{other}" if style.startswith("[{}](/") else words[pick].strip(".")
    words[pick] = (
        style.format(words[pick].strip("."), target) if "(" in style else style.format(words[pick].strip("."))
    )
    sentences[i] = " ".join(words)
    return " ".join(sentences)


def _body(rng: random.Random, n: int, count: int) -> str:
    blocks = []
    for k in range(rng.randint(6, 12)):
        if k and k % 4 == 0:
            blocks.append("## " + _sentence(rng, 3, 6).rstrip("."))
        blocks.append(_paragraph(rng, n, count))
        if k == 2:
            blocks.append("\n".join(f"- {_sentence(rng, 4, 9)}" for _ in range(rng.randint(3, 5))))
    return "\n\n".join(blocks) + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def newsgen_article(s: Story) -> str:
    return (
        f"---\ntitle: {_quoted(s.title)}\ndate: {s.date.isoformat()}\n"
        f"category: {s.category}\ntags: [{', '.join(s.tags)}]\nauthor: {s.author}\n"
        f"summary: {_quoted(s.summary)}\n---\n\n{s.body}"
    )


def hugo_article(s: Story) -> str:
    return (
        f"---\ntitle: {_quoted(s.title)}\ndate: {s.date.isoformat()}Z\nslug: {s.slug}\n"
        f"categories: [{s.category}]\ntags: [{', '.join(s.tags)}]\n"
        f"authors: [{_quoted(s.author)}]\nsummary: {_quoted(s.summary)}\n---\n\n{s.body}"
    )


def pelican_article(s: Story) -> str:
    return (
        f"Title: {s.title}\nDate: {s.date:%Y-%m-%d %H:%M}\nSlug: {s.slug}\n"
        f"Category: {s.category}\nTags: {', '.join(s.tags)}\nAuthor: {s.author}\n"
        f"Summary: {s.summary}\n\n{s.body}"
    )


def article_path(tool: str, s: Story) -> str:
    """Where a story lives inside each tool's site folder."""
    folder = {"newsgen": "content/articles", "hugo": "content/posts", "pelican": "content"}[tool]
    return f"{folder}/{s.date.year}/{s.slug}.md"


WRITERS = {"newsgen": newsgen_article, "hugo": hugo_article, "pelican": pelican_article}
HERE = Path(__file__).resolve().parent


def write_corpus(count: int, root: Path, tools=("newsgen", "hugo", "pelican")) -> Path:
    """Write the N-article corpus under root/<tool>/; returns root."""
    for tool in tools:
        site = root / tool
        shutil.rmtree(site, ignore_errors=True)
        for s in iter_stories(count):
            path = site / article_path(tool, s)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(WRITERS[tool](s), encoding="utf-8")
        shutil.copytree(HERE / "sites" / tool, site, dirs_exist_ok=True)
    return root


@lru_cache(maxsize=8)
def newest_story_path(tool: str, count: int) -> str:
    """The article the edit benchmark changes: the newest, as a newsroom edits most."""
    *_, newest = iter_stories(count)
    return article_path(tool, newest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("root", type=Path)
    parser.add_argument("--tools", default="newsgen,hugo,pelican")
    args = parser.parse_args()
    write_corpus(args.count, args.root, tuple(args.tools.split(",")))


if __name__ == "__main__":
    main()
