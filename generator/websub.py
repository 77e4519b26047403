"""WebSub (a W3C Recommendation): telling a hub that feeds changed, so feed readers that
subscribed through it hear of a new story at once instead of at their next poll.

`newsgen deploy` calls `announce` after a successful publish with the files it changed;
only the feeds among them are announced, all in one request (hubs accept repeated
`hub.url`). A hub that cannot be reached is a warning: the site is published either way.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterable
from urllib.parse import urlencode

from generator.config import SiteConfig
from generator.urls import SITE_ATOM, SITE_JSON, SITE_RSS, to_abs_url

FEED_NAMES = frozenset({SITE_RSS, SITE_ATOM, SITE_JSON})
TIMEOUT_SECONDS = 10


class HubError(Exception):
    """The hub refused the announcement or could not be reached."""


def feed_urls(config: SiteConfig, paths: Iterable[str]) -> list[str]:
    """The published URLs of the feeds among these output paths."""
    return sorted(to_abs_url(config, p) for p in set(paths) if p.rsplit("/", 1)[-1] in FEED_NAMES)


def announce(hub: str, urls: list[str]) -> None:
    """POST hub.mode=publish with every URL; raises HubError saying why it failed."""
    body = urlencode([("hub.mode", "publish"), *(("hub.url", u) for u in urls)]).encode()
    request = urllib.request.Request(
        hub, data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise HubError(f"the hub answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise HubError(f"the hub could not be reached ({getattr(exc, 'reason', exc)})") from None
    if status >= 300:
        raise HubError(f"the hub answered {status}")
