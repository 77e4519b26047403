"""newsgen: a static news-site generator.

The build is a one-way pipeline; each module is one stage or one noun of it:
sources (scan) -> frontmatter/markup/documents (parse) -> site (model)
-> render/feeds/sitemaps/assets (outputs) -> writer (atomic write).
"""

__version__ = "0.1.0"
