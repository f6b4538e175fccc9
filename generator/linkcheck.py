"""Check every link of a built site: internal ones resolve, none is unsafe, nothing runs or
loads that the site did not mean to.

A small HTML walk over ``site/``: faster than a crawler because it reads each file once and
resolves links against the file system. Two passes: the first collects every page's links
and anchors, the second resolves links, so a ``page/#fragment`` link is checked against the
anchors of the page it names. Pages are parsed with lxml (libxml2): on the 488-paper site
the standard library's parser took 16 times as long.

Besides links, every page (hand-written ones included) is held to what its
Content-Security-Policy allows (``overrides/partials/csp.html``), so that a page the policy
would break, or one served without it, is caught before it is published: inline script
without a hash the page's policy allows, script from another site, frames, plugins,
``<base>``, ``srcdoc``, event-handler attributes, inline style the policy blocks, and any
resource (script, style sheet, image, media, CSS ``url()``) loaded from another origin.
Links a reader follows (``<a href="https://…">``) may go anywhere safe.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import lxml.etree  # type: ignore[import-untyped]
import lxml.html  # type: ignore[import-untyped]

from .problems import Problem
from .urls import html_file, resolve

SAFE_SCHEMES = {"http", "https", "mailto"}
LINK_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "poster",
    "srcset",
    "data",
    "cite",
    "background",
    "ping",
    "manifest",
    "xlink:href",
}
# Browsers drop leading/trailing C0 controls and spaces and every tab or newline inside a
# URL before reading its scheme, so "\tjava\nscript:" is still javascript:.
_IGNORED_IN_URL = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_REFRESH_URL = re.compile(r"^\s*\d*\s*[;,]?\s*(?:url\s*=\s*)?(.*)$", re.IGNORECASE | re.DOTALL)
# Fragments a browser resolves without a matching id.
_BUILTIN_FRAGMENTS = {"", "top"}
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))


# Elements that embed another document or a plugin, or change how every URL resolves.
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal", "fencedframe"}
# (element, attribute) pairs the browser loads on its own, without a click: never from another origin.
RESOURCES = {
    ("script", "src"),
    ("img", "src"),
    ("img", "srcset"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("source", "src"),
    ("source", "srcset"),
    ("track", "src"),
    ("input", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("iframe", "src"),
    ("frame", "src"),
    ("image", "href"),
    ("image", "xlink:href"),
    ("use", "href"),
    ("use", "xlink:href"),
    ("html", "manifest"),
}
RESOURCE_ATTRIBUTES = {"background", "ping"}  # loaded whatever the element
LOADING_RELS = {
    "stylesheet",
    "icon",
    "apple-touch-icon",
    "mask-icon",
    "manifest",
    "preload",
    "modulepreload",
    "prefetch",
}
LOADING_RELS |= {"preconnect", "dns-prefetch", "prerender"}
# <script type> values a browser runs (the HTML standard's JavaScript MIME types, and modules).
SCRIPT_TYPES = {"", "module", "text/javascript", "application/javascript", "application/ecmascript"}
SCRIPT_TYPES |= {"application/x-ecmascript", "application/x-javascript", "text/ecmascript", "text/jscript"}
SCRIPT_TYPES |= {"text/livescript", "text/x-ecmascript", "text/x-javascript"}
SCRIPT_TYPES |= {f"text/javascript1.{minor}" for minor in range(6)}
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))|@import\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


@dataclass
class _Page:
    ids: set[str] = field(default_factory=set)
    links: list[tuple[int, str, str]] = field(default_factory=list)  # line, attribute, value
    handlers: list[tuple[int, str]] = field(default_factory=list)  # line, on* attribute
    resources: list[tuple[int, str, str]] = field(default_factory=list)  # line, what loads it, URL
    unsafe: list[tuple[int, str]] = field(default_factory=list)  # line, what is wrong
    inline_scripts: list[tuple[int, str]] = field(default_factory=list)  # line, 'sha256-…' of its text
    inline_styles: list[tuple[int, str, str]] = field(default_factory=list)  # line, what, 'sha256-…' or ""
    policy: dict[str, list[str]] | None = None  # the page's Content-Security-Policy, by directive


_PARSER = lxml.html.HTMLParser(encoding="utf-8")
# libxml2 drops a second <html> or <body> tag; a browser copies its attributes (onload=…)
# onto the page's own element, so those tags are read again on their own.
_OUTER_TAG = re.compile(rb"<(html|body)(?=[\s/>])([^>]*)>", re.IGNORECASE)


def _elements(data: bytes) -> list[tuple[int, Any]]:
    """(line, element) for every element, stray outer tags included."""
    root: Any = lxml.html.document_fromstring(data, parser=_PARSER)
    found = [(element.sourceline or 1, element) for element in root.iter(lxml.etree.Element)]
    seen: set[bytes] = set()
    for match in _OUTER_TAG.finditer(data):
        tag = match.group(1).lower()
        if tag in seen:
            stray = lxml.html.fragment_fromstring(b"<div" + match.group(2) + b"></div>", parser=_PARSER)
            found.append((data.count(b"\n", 0, match.start()) + 1, stray))
        seen.add(tag)
    return found


def _scan(path: Path) -> _Page:
    """Links, anchors, event handlers, scripts, styles and resources of one page; attribute
    values arrive with entities decoded."""
    page = _Page()
    data = path.read_bytes()
    if not data.strip():
        return page
    for line, element in _elements(data):
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        for name, value in element.items():
            name = name.lower()
            if name == "id" or (name == "name" and tag == "a"):
                page.ids.add(value)
            elif name in LINK_ATTRIBUTES:
                urls = [part.strip().split()[0] for part in value.split(",") if part.strip()]
                for url in urls if name == "srcset" else [value]:
                    page.links.append((line, name, url))
                    if (tag, name) in RESOURCES or name in RESOURCE_ATTRIBUTES:
                        page.resources.append((line, f"<{tag} {name}>", url))
            elif name.startswith("on"):
                page.handlers.append((line, name))
            elif name == "srcdoc":
                page.unsafe.append((line, f"srcdoc attribute on <{tag}>: a document inside the page"))
            elif name == "style":
                page.inline_styles.append((line, "style attribute", ""))
                for url in _css_urls(value):
                    page.links.append((line, "style", url))
                    page.resources.append((line, "CSS url() in a style attribute", url))
        _scan_element(page, line, tag, element)
    return page


def _scan_element(page: _Page, line: int, tag: str, element: Any) -> None:
    """What one element adds besides its attributes: a policy, inline code, a forbidden kind."""
    if tag in FORBIDDEN_ELEMENTS:
        page.unsafe.append((line, f"<{tag}> element: no frames, plugins or <base> on this site"))
    elif tag == "script":
        kind = (element.get("type") or "").split(";")[0].strip().lower()
        if kind in SCRIPT_TYPES and element.get("src") is None:
            page.inline_scripts.append((line, _hash(element.text or "")))
    elif tag == "style":
        page.inline_styles.append((line, "<style> element", _hash(element.text or "")))
        for url in _css_urls(element.text or ""):
            page.links.append((line, "<style>", url))
            page.resources.append((line, "CSS url() in a <style> element", url))
    elif tag == "link" and LOADING_RELS & set((element.get("rel") or "").lower().split()):
        page.resources.append((line, f"<link rel={element.get('rel')!r}>", element.get("href") or ""))
    elif tag == "meta":
        equiv = (element.get("http-equiv") or "").lower()
        if equiv == "refresh":
            match = _REFRESH_URL.match(element.get("content") or "")
            if match and match.group(1).strip():
                page.links.append((line, "http-equiv=refresh", match.group(1).strip().strip("'\"")))
        elif equiv == "content-security-policy" and page.policy is None:
            page.policy = parse_policy(element.get("content") or "")


def parse_policy(text: str) -> dict[str, list[str]]:
    """A Content-Security-Policy's directives (names lower-cased) and their sources; the first of a name wins."""
    policy: dict[str, list[str]] = {}
    for part in text.split(";"):
        words = part.split()
        if words:
            policy.setdefault(words[0].lower(), words[1:])
    return policy


def _hash(text: str) -> str:
    """The CSP source expression that allows an inline script or style with exactly this text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _css_urls(css: str) -> list[str]:
    return [next(group for group in match.groups() if group is not None) for match in _CSS_URL.finditer(css)]


def _sources(policy: dict[str, list[str]], *directives: str) -> list[str] | None:
    """The sources of the first of ``directives`` the policy has (CSP's fallback order), or None."""
    for name in directives:
        if name in policy:
            return [source.lower() if not source.startswith("'sha") else source for source in policy[name]]
    return None


def _policy_problems(page: _Page) -> list[tuple[int, str]]:
    """Inline script and style this page's own Content-Security-Policy does not allow."""
    found: list[tuple[int, str]] = []
    policy = page.policy or {}
    scripts = _sources(policy, "script-src-elem", "script-src", "default-src") or []
    for line, digest in page.inline_scripts:
        if digest not in scripts:
            found.append((line, f"inline <script> ({digest}) not allowed by a hash in the page's policy"))
    styles = _sources(policy, "style-src-elem", "style-src", "default-src")
    attributes = _sources(policy, "style-src-attr", "style-src", "default-src")
    for line, what, digest in page.inline_styles:
        allowed = attributes if what == "style attribute" else styles
        if allowed is not None and "'unsafe-inline'" not in allowed and digest not in allowed:
            found.append((line, f"inline style ({what}) that the page's policy blocks"))
    return found


def _foreign(url: str) -> bool:
    """Whether a resource at ``url`` comes from another site. Other schemes (javascript:, data:)
    are reported as unsafe links already."""
    cleaned = _IGNORED_IN_URL.sub("", url).strip(_C0_AND_SPACE)
    return scheme(cleaned) in SAFE_SCHEMES or cleaned.startswith(("//", "\\", "/\\", "\\/"))


def scheme(url: str) -> str:
    """The scheme a browser would see in ``url``, lower-cased; "" for a relative URL."""
    match = _SCHEME.match(_IGNORED_IN_URL.sub("", url).strip(_C0_AND_SPACE))
    return match.group(1).lower() if match else ""


def check_site(site: Path) -> tuple[int, list[Problem]]:
    """(links checked, problems): broken internal links and anchors, unsafe URLs, and what a page
    runs or loads that it should not (see the module's docstring)."""
    pages = {path.relative_to(site).as_posix(): _scan(path) for path in sorted(site.rglob("*.html"))}
    problems: list[Problem] = []
    checked = 0
    exists: dict[str, str | None] = {}  # link target -> the file it names; thousands of links share a few

    def find(target: str) -> str | None:
        """The file a resolved URL names: itself, or its directory's index.html (with or without a last /)."""
        if target not in exists:
            name = target.rstrip("/")
            if name in pages or (name and (site / name).is_file()):
                exists[target] = name
            else:
                index = html_file(f"{name}/" if name else "")
                exists[target] = index if index in pages else None
        return exists[target]

    for relpath, page in pages.items():
        where = str(site / relpath)
        problems.extend(Problem(where, line, f"event handler attribute {name!r}") for line, name in page.handlers)
        problems.extend(Problem(where, line, message) for line, message in page.unsafe + _policy_problems(page))
        problems.extend(
            Problem(where, line, f"{what} loads {url!r} from another origin")
            for line, what, url in page.resources
            if _foreign(url)
        )
        for line, attribute, url in page.links:
            checked += 1
            found_scheme = scheme(url)
            if found_scheme:
                if found_scheme not in SAFE_SCHEMES:
                    problems.append(Problem(where, line, f"unsafe link {url!r} in {attribute}"))
                continue
            cleaned = _IGNORED_IN_URL.sub("", url).strip()
            parts = urlsplit(cleaned)
            if parts.netloc:
                continue  # protocol-relative: another host
            target = resolve(relpath, cleaned)
            if target is None:
                problems.append(Problem(where, line, f"link {url!r} leaves the site"))
                continue
            file = find(target)
            if file is None:
                problems.append(Problem(where, line, f"broken link {url!r}"))
            elif parts.fragment and file in pages and not _has_anchor(pages[file], unquote(parts.fragment)):
                problems.append(Problem(where, line, f"broken anchor {url!r}"))
    return checked, problems


def _has_anchor(page: _Page, fragment: str) -> bool:
    return fragment in page.ids or fragment.lower() in _BUILTIN_FRAGMENTS
