"""`newsgen serve`'s preview: a rebuild session (session.py), its HTTP handler
(handler.py) and event stream (events.py), and the browser scripts they serve."""

from generator.preview.handler import parse_host, resolve_request
from generator.preview.session import LOOPBACK_NAMES, Preview, ServeOptions, make_builder

__all__ = ["LOOPBACK_NAMES", "Preview", "ServeOptions", "make_builder", "parse_host", "resolve_request"]
