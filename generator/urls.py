"""Every URL and output-path rule of the site, as pure functions.

Names ending in `_url` are URLs as links use them ("/news/2026/11/24/x/", with the
base path); names ending in `_path` are paths relative to the output folder
("2026/11/24/x/index.html"). A "route" is the part in between: site-relative, no
leading slash ("2026/11/24/x/").
"""

from __future__ import annotations

from datetime import datetime

from generator.config import SiteConfig

SITE_RSS = "feed.xml"  # route of the site's RSS feed; a listing's is beside it
SITE_JSON = "feed.json"  # route of the site's JSON Feed; a listing's is beside it
SITE_ATOM = "atom.xml"  # route of the site's Atom feed
SEARCH_ROUTE = "search/"  # the search page
SEARCH_INDEX_ROUTE = "pagefind/"  # the folder of its index
FEEDS_ROUTE = "feeds/"  # the page listing every feed
CORRECTIONS_ROUTE = "corrections/"  # every correction of the site, newest first
MASTHEAD_ROUTE = "masthead/"  # the people of the newsroom, from content/authors/
LIVE_JSON = "live.json"  # an open live story's entries, beside its page, for its script
# Which listings get feeds of their own ("follow this columnist"); archive months do not.
FEED_TAXONOMIES = ("category", "tag", "author")


def route(config: SiteConfig, kind: str, slug: str = "", when: datetime | None = None) -> str:
    """The route of one item of a kind, from the patterns in config.urls."""
    values = {"slug": slug}
    if when is not None:
        values.update(year=f"{when.year:04d}", month=f"{when.month:02d}", day=f"{when.day:02d}")
    return config.urls[kind].format(**values).lstrip("/")


def page_route(first_route: str, number: int) -> str:
    """The route of page `number` of a paginated listing whose first page is first_route."""
    if number <= 1:
        return first_route
    return f"{first_route}page/{number}/"


def to_url(config: SiteConfig, rel: str) -> str:
    """The link to a route, from the domain root (so it works on every page)."""
    return config.base_path + rel


def to_abs_url(config: SiteConfig, rel: str) -> str:
    """The full URL of a route, for feeds, sitemaps and canonical links."""
    return config.origin + to_url(config, rel)


def term_feed_route(listing_route: str, name: str = SITE_RSS) -> str:
    """The route of a listing's feed (SITE_RSS or SITE_JSON), beside its first page; the
    site's own for the home page's route ""."""
    return listing_route + name


def live_json_path(article_route: str) -> str:
    """The entries of a live story as its page's script fetches them."""
    return article_route + LIVE_JSON


def output_path(rel: str) -> str:
    """The file that serves a route: folders get index.html."""
    if rel == "" or rel.endswith("/"):
        return rel + "index.html"
    return rel


def path_route(path: str) -> str:
    """The route a file serves: output_path's inverse ("x/index.html" -> "x/")."""
    if path == "index.html":
        return ""
    return path[: -len("index.html")] if path.endswith("/index.html") else path


def index_route(config: SiteConfig, kind: str) -> str:
    """The page listing every term of a kind: the pattern's first folder ("category/")."""
    return config.urls[kind].split("{")[0].strip("/").split("/")[0] + "/"


def asset_url(config: SiteConfig, path: str) -> str:
    """The link to a file as front matter and site.yaml name it: a path under
    content/static/ (with or without a leading slash), or a URL, kept as it is."""
    if "://" in path or path.startswith("//"):
        return path
    return to_url(config, path.lstrip("/"))


def asset_abs_url(config: SiteConfig, path: str) -> str:
    """The full URL of such a file: link previews and structured data need one."""
    url = asset_url(config, path)
    return url if "://" in url or url.startswith("//") else config.origin + url


def link_abs_url(config: SiteConfig, link: str) -> str:
    """The full URL of a link from the domain root ("/news/x/") or of a route ("x/")."""
    return config.origin + link if link.startswith("/") else to_abs_url(config, link)


# --- Pictures: variants and crops sit beside their original ------------------------------
SHARE_CARD = "share.jpg"  # a page's 1200x630 link-preview card, in the page's own folder
FAVICON_PNG = "favicon.png"  # 48 px, from the logo
TOUCH_ICON = "apple-touch-icon.png"  # 180 px, where iOS looks for it by default


def variant_path(rel: str, width: int, extension: str) -> str:
    """A resized copy of a static image: "images/a.jpg" at 720 in WebP is
    "images/a.jpg-720.webp" (the original's extension stays, so a.jpg and a.png differ)."""
    return f"{rel}-{width}.{extension}"


def crop_path(rel: str, ratio: str) -> str:
    """A 1200-pixel crop of a static image to a ratio of images.CROPS ("16x9")."""
    return f"{rel}-{ratio}.jpg"


def share_card_path(page_route: str) -> str:
    """The share card of the page at a route: "2026/11/24/x/share.jpg"; the site's own,
    for its listings, is "share.jpg"."""
    return page_route + SHARE_CARD


def share_card_url(config: SiteConfig, page_route: str) -> str:
    """The card a page without a photo shares: its own, or the site's when the site
    draws none per page (`images.share_cards: false`, an archive too big for a card each)."""
    return asset_abs_url(config, share_card_path(page_route if config.images.share_cards else ""))
