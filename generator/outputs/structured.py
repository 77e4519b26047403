"""Structured data for search engines (schema.org JSON-LD), built as plain dicts.

Templates write each dict with Jinja's `tojson`, which escapes <, > and & so no text can
close the script element. Keys are sorted there, so the order here is for readers only.
"""

from __future__ import annotations

from generator.config import TRUST_POLICIES, SiteConfig
from generator.documents import Article, Person
from generator.images import CROPS, SHARE_SIZE
from generator.markup import plain_text
from generator.outputs.pictures import crop_paths
from generator.site import Site, Term
from generator.urls import asset_abs_url, link_abs_url, share_card_url, to_url

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
    links = site.trust_links
    for policy, link in links.items():
        found[TRUST_POLICIES[policy]] = link_abs_url(config, link) if "://" not in link else link
    if "ethics" in links and "principles" not in links:  # the ethics code is the principles
        found["publishingPrinciples"] = found["ethicsPolicy"]
    return found


def article(site: Site, story: Article, category: Term | None, page_url: str) -> list[dict]:
    """NewsArticle and BreadcrumbList for one story's page."""
    return [
        news_article(site, story, category, page_url),
        breadcrumbs(site.config, story, category, page_url),
    ]


def news_article(site: Site, story: Article, category: Term | None, page_url: str) -> dict:
    """The story as its schema.org type (documents.STORY_TYPES; LiveBlogPosting while
    live), with its people, corrections and live entries."""
    config = site.config
    by = publisher(site)
    authors = [person(site, name, link, who) for name, link, who in site.bylines(story)]
    found: dict = {
        "@context": SCHEMA,
        "@type": story.schema_type,
        "mainEntityOfPage": link_abs_url(config, page_url),
        "url": link_abs_url(config, page_url),
        "headline": story.title,
        "description": story.summary,
        "datePublished": story.date.isoformat(),
        "dateModified": story.modified.isoformat(),
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
    if story.dek:
        found["alternativeHeadline"] = story.dek
    if story.corrections:
        found["correction"] = [
            {"@type": "CorrectionComment", "text": n.text, "datePublished": n.when.isoformat()}
            for n in reversed(story.corrections)
        ]
    if story.live:
        found.update(live_coverage(config, story, page_url))
    return found


def person(site: Site, name: str, route: str, who: Person | None) -> dict:
    """A byline: the outlet itself as an Organization, else a Person with what their
    author file tells (job title, portrait, profiles elsewhere)."""
    config = site.config
    found: dict = {
        "@type": "Organization" if name == config.publisher else "Person",
        "name": who.name if who else name,
    }
    if route:
        found["url"] = link_abs_url(config, to_url(config, route))
    if who is None or found["@type"] == "Organization":
        return found
    if who.role:
        found["jobTitle"] = who.role
    if who.photo:
        found["image"] = asset_abs_url(config, who.photo)
    if who.links:
        found["sameAs"] = list(who.links)
    if who.email:
        found["email"] = who.email
    return found


def live_coverage(config: SiteConfig, story: Article, page_url: str) -> dict:
    """LiveBlogPosting's own properties: the coverage's span and its entries."""
    found: dict = {"coverageStartTime": story.date.isoformat()}
    if story.live_until:
        found["coverageEndTime"] = story.live_until.isoformat()
    page = link_abs_url(config, page_url)
    found["liveBlogUpdate"] = [
        {
            "@type": "BlogPosting",
            "headline": entry.title or story.title,
            "url": f"{page}#{entry.anchor}",
            "datePublished": entry.when.isoformat(),
            "articleBody": plain_text(entry.html),
        }
        for entry in story.live_entries
    ]
    return found


def masthead(site: Site, page_url: str) -> dict:
    """The masthead page: the newsroom's people as the organization's employees."""
    config = site.config
    people = [person(site, p.name, _author_route(site, p), p) for p in site.people.values()]
    return {
        "@context": SCHEMA,
        "@type": "AboutPage",
        "url": link_abs_url(config, page_url),
        "name": config.title,
        "about": {"@type": "NewsMediaOrganization", "name": config.publisher, "employee": people},
    }


def profile(site: Site, who: Person, page_url: str) -> dict:
    """An author page: the person it is about."""
    config = site.config
    return {
        "@context": SCHEMA,
        "@type": "ProfilePage",
        "url": link_abs_url(config, page_url),
        "mainEntity": person(site, who.name, _author_route(site, who), who),
    }


def _author_route(site: Site, who: Person) -> str:
    term = site.terms["author"].get(site.slug(who.slug))
    return term.route if term else ""


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
    card = share_card_url(config, story.route)
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
