"""Structured data for search engines (schema.org JSON-LD), built as plain dicts.

Templates write each dict with Jinja's `tojson`, which escapes <, > and & so no text can
close the script element. Keys are sorted there, so the order here is for readers only.
"""

from __future__ import annotations

from generator.config import SiteConfig
from generator.documents import Article
from generator.site import Site, Term
from generator.urls import asset_abs_url, link_abs_url, to_url

SCHEMA = "https://schema.org"


def publisher(config: SiteConfig) -> dict:
    found: dict = {"@type": "Organization", "name": config.publisher, "url": link_abs_url(config, "")}
    if config.logo:
        found["logo"] = {"@type": "ImageObject", "url": asset_abs_url(config, config.logo)}
    return found


def organization(config: SiteConfig) -> dict:
    """The newsroom itself, for the front page."""
    found: dict = {
        "@context": SCHEMA,
        "@type": "NewsMediaOrganization",
        "name": config.publisher,
        "url": link_abs_url(config, ""),
    }
    if config.logo:
        found["logo"] = asset_abs_url(config, config.logo)
    if config.description:
        found["description"] = config.description
    return found


def article(site: Site, story: Article, category: Term | None, page_url: str) -> list[dict]:
    """NewsArticle and BreadcrumbList for one story's page."""
    return [
        news_article(site, story, category, page_url),
        breadcrumbs(site.config, story, category, page_url),
    ]


def news_article(site: Site, story: Article, category: Term | None, page_url: str) -> dict:
    config = site.config
    by = publisher(config)
    authors = [
        {
            "@type": "Organization" if name == config.publisher else "Person",
            "name": name,
            "url": link_abs_url(config, _author_url(site, name)),
        }
        for name in story.authors
    ]
    found: dict = {
        "@context": SCHEMA,
        "@type": "NewsArticle",
        "mainEntityOfPage": link_abs_url(config, page_url),
        "url": link_abs_url(config, page_url),
        "headline": story.title,
        "description": story.summary,
        "datePublished": story.date.isoformat(),
        "dateModified": (story.updated or story.date).isoformat(),
        "author": authors or [by],
        "publisher": by,
        "inLanguage": story.lang or config.language,
        "wordCount": story.words,
    }
    if story.image:
        found["image"] = [asset_abs_url(config, story.image)]
    if category:
        found["articleSection"] = category.name
    if story.tags:
        found["keywords"] = ", ".join(story.tags)
    return found


def breadcrumbs(config: SiteConfig, story: Article, category: Term | None, page_url: str) -> dict:
    trail = [(config.title, link_abs_url(config, ""))]
    if category:
        trail.append((category.name, link_abs_url(config, to_url(config, category.route))))
    trail.append((story.title, link_abs_url(config, page_url)))
    items = [
        {"@type": "ListItem", "position": n, "name": name, "item": link}
        for n, (name, link) in enumerate(trail, start=1)
    ]
    return {"@context": SCHEMA, "@type": "BreadcrumbList", "itemListElement": items}


def _author_url(site: Site, name: str) -> str:
    term = site.term_named("author", name)
    return to_url(site.config, term.route) if term else ""
