"""The site's URL scheme: where every page, feed and index lives, and how one page links to another.

One module owns the scheme so that a change to it is made once. Three spellings of a place:

- a *Markdown path* under the docs directory, what MkDocs reads (``papers/<id>.md``);
- a *URL*, site-relative, what a reader sees (``papers/<id>/``; ``""`` is the home page),
  served from an *HTML file* (``papers/<id>/index.html``) because MkDocs builds with
  ``use_directory_urls``;
- a *link*, relative to the page it is on, so the site works on any host and sub-path.

URLs are part of the public contract (people link to them): ``papers/<id>/``, ``topics/<id>/``,
``tags/<id>/``, ``tags/`` and ``topics/`` for the indexes. Ids hold no ``.``, ``/`` or
``%`` (``safetext.RESERVED_IDS`` keeps them off the section pages' names), so no id reaches
another section or a top-level page.

Copies that cannot import this module are checked against it by tests/test_urls.py:
``mkdocs.yml`` (``not_in_nav``, ``extra.feed``, the nav), ``overrides/partials/search.html``
(the search bundle).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Section:
    """A folder of the site with one page per id (a paper, a topic, a tag) and an index page."""

    name: str

    def page(self, ident: str) -> str:
        """Markdown path of the page of ``ident``."""
        return f"{self.name}/{ident}.md"

    def url(self, ident: str) -> str:
        """Site-relative URL of the page of ``ident`` (for a paper, the ``url`` of ``papers.json``)."""
        return f"{self.name}/{ident}/"

    def list_page(self, ident: str, suffix: str) -> str:
        """Markdown path of a page of the paged list of ``ident``'s papers (``paging``): ``suffix``
        "" is the id's own page; "2/", "top/", "top/2/"... the pages below its URL."""
        return self.page(ident) if not suffix else f"{self.name}/{ident}/{suffix.rstrip('/')}.md"

    @property
    def index(self) -> str:
        """Markdown path of the section's own page (``topics/index.md``: every topic)."""
        return f"{self.name}/index.md"


PAPERS = Section("papers")
TOPICS = Section("topics")
TAGS = Section("tags")
SECTIONS = {section.name: section for section in (PAPERS, TOPICS, TAGS)}
HOME = "index.md"
STATS = "stats.md"
SITE_FEED = "feed.xml"  # the whole list's Atom feed; mkdocs.yml extra.feed announces it
PAPERS_JSON = "papers.json"
FEED = "feed.xml"  # a topic's feed, in the topic's own directory

# MkDocs: paper pages may be filled from the theme shell (mkdocs_hooks); paper, topic and tag
# pages stay out of the nav (mkdocs.yml not_in_nav, gitignore-style patterns from docs_dir).
SHELLED = (f"{PAPERS.name}/",)
NOT_IN_NAV = (f"/{PAPERS.name}/", f"/{TOPICS.name}/**/*.md", f"/{TAGS.name}/**/*.md")  # paged lists sit a level down

# Search (generator/search.py): the index's bundle, read by overrides/assets/search.js.
SEARCH_BUNDLE = "searchindex"


def topic_feed(topic_id: str) -> str:
    """Site-relative path of a topic's Atom feed."""
    return TOPICS.url(topic_id) + FEED


def page_url(path: str) -> str:
    """Site-relative URL of a Markdown page: ``papers/x.md`` -> ``papers/x/``, ``index.md`` -> ``""``."""
    stem = path.removesuffix(".md")
    if stem == "index":
        return ""
    return stem.removesuffix("/index") + "/"


def html_file(url: str) -> str:
    """The file that serves a site-relative URL: a directory's ``index.html``, else the URL itself."""
    return url + "index.html" if url == "" or url.endswith("/") else url


# --- links between pages ----------------------------------------------------------------------


def link_from(url: str) -> Callable[[str], str]:
    """Relative links from the document at site-relative ``url`` (a page's, or a file's like a feed).

    Hand-rolled rather than posixpath.relpath, which resolves against the working directory
    and cost 13 s of rendering at 10,000 papers: the document's own part is split once, and
    each link only compares segments. Targets are URLs of this scheme: a directory ends with
    ``/``, a file has a name no directory of the site has.
    """
    base = [p for p in url[: url.rfind("/") + 1].split("/") if p]

    def link(to_url: str) -> str:
        target = [p for p in to_url.split("/") if p]
        common = 0
        while common < min(len(base), len(target)) and base[common] == target[common]:
            common += 1
        parts = [".."] * (len(base) - common) + target[common:]
        if not parts:
            return "./"
        return "/".join(parts) + ("/" if to_url.endswith("/") else "")

    return link


def linker(from_path: str) -> Callable[[str], str]:
    """``relative`` from one Markdown page: its own part is worked out once for all of its links."""
    return link_from(page_url(from_path))


def relative(from_path: str, to_url: str) -> str:
    """A link from one Markdown page to a site-relative URL that works on any host and sub-path."""
    return linker(from_path)(to_url)


def resolve(from_url: str, href: str) -> str | None:
    """The site-relative URL that ``href``, found on the document at ``from_url``, names; the
    inverse of ``link_from``.

    The query and fragment are dropped and the path percent-decoded (it names a file); ``.``
    and ``..`` are resolved as a browser does (a last ``..`` names a directory), and a path
    starting with ``/`` counts from the site's root. None when the link leaves the site: it
    has a scheme or a host, or climbs above the root (the site may live in a sub-path).
    """
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    if not path:
        return from_url
    directory = "" if path.startswith("/") else from_url[: from_url.rfind("/") + 1]
    joined = posixpath.normpath(directory + path.lstrip("/"))
    if joined == ".":
        return ""
    if joined == ".." or joined.startswith("../"):
        return None
    last = path.rsplit("/", 1)[-1]
    return joined + "/" if last in ("", ".", "..") else joined
