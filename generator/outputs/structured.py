"""Structured data for search engines (schema.org JSON-LD), built as plain dicts.

Templates write each dict with Jinja's `tojson`, which escapes <, > and & so no text can
close the script element. Keys are sorted there, so the order here is for readers only.
"""

from __future__ import annotations

from generator.config import SiteConfig
from generator.documents import Article
from generator.images import CROPS, SHARE_SIZE
from generator.outputs.pictures import crop_paths
from generator.site import Site, Term
from generator.urls import asset_abs_url, link_abs_url, share_card_path, to_url

SCHEMA = "https://schema.org"


def publisher(site: Site) -> dict:
    config = site.config
    found: dict = {"@type": "Organization", "name": config.publisher, "url": link_abs_url(config, "")}
    logo = logo_object(site)
    if logo:
        found["logo"] = logo
    return found


def logo_object(site: Site) -> dict | None:
    """The raster logo (search engines take no SVG), with its size."""
    rel = site.raster_logo
    if not rel:
        return None
    facts = site.images[rel]
    url = asset_abs_url(site.config, rel)
    return {"@type": "ImageObject", "url": url, "width": facts.width, "height": facts.height}


def organization(site: Site) -> dict:
    """The newsroom itself, for the front page."""
    config = site.config
    found: dict = {
        "@context": SCHEMA,
        "@type": "NewsMediaOrganization",
        "name": config.publisher,
        "url": link_abs_url(config, ""),
    }
    logo = logo_object(site)
    if logo:
        found["logo"] = logo
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
    by = publisher(site)
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
    found["image"] = story_images(site, story)
    if category:
        found["articleSection"] = category.name
    if story.tags:
        found["keywords"] = ", ".join(story.tags)
    return found


def story_images(site: Site, story: Article) -> list[dict]:
    """The story's pictures as search engines ask for them: the featured image cut to
    16:9, 4:3 and 1:1 at 1200 pixels across, else its share card (1200x630)."""
    config = site.config
    credit = {"creditText": story.image_credit} if story.image_credit else {}
    crops = crop_paths(site, story)
    if crops:
        return [
            {"@type": "ImageObject", "url": asset_abs_url(config, path), "width": w, "height": h, **credit}
            for ratio, path in crops.items()
            for w, h in [CROPS[ratio]]
        ]
    if story.image and "://" in story.image:
        return [{"@type": "ImageObject", "url": story.image, **credit}]
    card = asset_abs_url(config, share_card_path(story.route))
    w, h = SHARE_SIZE
    return [{"@type": "ImageObject", "url": card, "width": w, "height": h, **credit}]


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
