"""Links to the paper itself: arXiv identifiers, https links from records, and BibTeX.

Record values are untrusted (pull-request YAML, or what ``enrich`` copied from an API), and
they become links on the page. So an arXiv id must match arXiv's own identifier grammar
exactly, and a link must be a plain https URL with a host, no credentials, no white space or
control character and nothing outside RFC 3986's characters. Links built from an arXiv id are
made here, from the validated id alone: this module is the one home of those URLs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from slugify import slugify

from .safetext import shown

if TYPE_CHECKING:
    from .records import Paper

# New style (April 2007 on): YYMM.NNNN until 2014, YYMM.NNNNN from 2015; old style (1991 to
# March 2007): archive(.SUBJECT-CLASS)/YYMMNNN, e.g. ``hep-th/9901001``, ``math.GT/0309136``.
NEW_STYLE = re.compile(r"(?P<yy>\d{2})(?P<mm>\d{2})\.(?P<number>\d{4,5})(?P<version>v[1-9]\d{0,3})?")
OLD_STYLE = re.compile(
    r"(?P<archive>[a-z]{2,8}(?:-[a-z]{2,8})?)(?:\.[A-Z]{2})?/(?P<yy>\d{2})(?P<mm>\d{2})\d{3}(?P<version>v[1-9]\d{0,3})?"
)
ID_HINT = 'write it as arXiv shows it, e.g. "2410.13618", "2410.13618v2" or "cs/0112017", in quotes'
ARXIV_ABS = "https://arxiv.org/abs/"
ARXIV_PDF = "https://arxiv.org/pdf/"
HF_PAPERS = "https://huggingface.co/papers/"
URL_MAX = 2000
_HOST = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]")
# RFC 3986's unreserved, reserved and percent characters: no space, quote, '<', '>', '\', '{', …
_URL_REST = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
LATEX_SPECIAL = re.compile(r"[\\{}$&#^_~%]")


def arxiv_id_problem(value: object) -> str | None:
    """Why ``value`` is not an arXiv identifier, or None when it is one."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"arxiv must be quoted text, got the number {shown(value)} (YAML drops trailing zeros): {ID_HINT}"
    if not isinstance(value, str):
        return f"arxiv must be an arXiv identifier, got {shown(value)}: {ID_HINT}"
    new = NEW_STYLE.fullmatch(value)
    if new:
        yymm, digits = int(new["yy"] + new["mm"]), len(new["number"])
        if not 1 <= int(new["mm"]) <= 12 or yymm < 704:
            return f"arxiv {shown(value)} names no month arXiv used for new-style ids (0704 on): {ID_HINT}"
        if (digits == 5) != (yymm >= 1501):
            era = "5 digits after the dot from 1501 on" if yymm >= 1501 else "4 digits after the dot before 1501"
            return f"arxiv {shown(value)} has the wrong number of digits (new-style ids have {era}): {ID_HINT}"
        return None
    old = OLD_STYLE.fullmatch(value)
    if old:
        yy, mm = int(old["yy"]), int(old["mm"])
        if not 1 <= mm <= 12 or not (yy >= 91 or yy <= 7) or (yy == 7 and mm > 3):
            return f"arxiv {shown(value)} names no month of old-style ids (9108 to 0703): {ID_HINT}"
        return None
    return f"arxiv {shown(value)} is not an arXiv identifier: {ID_HINT}"


def unversioned(arxiv_id: str) -> str:
    """The id without its version: what Hugging Face Papers and the latest version use."""
    return re.sub(r"v\d+$", "", arxiv_id)


def arxiv_links(arxiv_id: str) -> dict[str, str]:
    """The abstract page, the PDF and the Hugging Face Papers page of a validated id."""
    return {
        "arxiv": ARXIV_ABS + arxiv_id,
        "pdf": ARXIV_PDF + arxiv_id,
        "huggingface": HF_PAPERS + unversioned(arxiv_id),
    }


def https_url_problem(key: str, value: object) -> str | None:
    """Why ``value`` is not a safe https link, or None when it is one."""
    hint = f'{key} must be an https link such as "https://github.com/owner/repo"'
    if not isinstance(value, str):
        return f"{hint}, got {shown(value)}"
    if len(value) > URL_MAX:
        return f"{key} is longer than {URL_MAX} characters"
    if any(c.isspace() or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value):
        return f"{key} holds white space or a control character: {hint}"
    if not value.startswith("https://"):
        return f"{key} {shown(value)} is not an https link: {hint}"
    rest = value[len("https://") :]
    if not _URL_REST.fullmatch(rest) or _BAD_PERCENT.search(rest):
        return f"{key} {shown(value)} holds characters a link may not (percent-encode them): {hint}"
    parts = urlsplit(value)
    netloc = parts.netloc
    if "@" in netloc:
        return f"{key} {shown(value)} holds a user name or password: {hint}"
    host, _, port = netloc.partition(":")
    if not _HOST.fullmatch(host) or (port and not (port.isdigit() and 0 < int(port) < 65536)):
        return f"{key} {shown(value)} has no valid host name (lowercase, e.g. github.com): {hint}"
    return None


def latex_text(value: str) -> str:
    """``value`` with LaTeX's special characters escaped: a BibTeX field that cannot run a command."""
    special = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return LATEX_SPECIAL.sub(lambda m: special.get(m.group(), "\\" + m.group()), " ".join(value.split()))


def bibtex(*, title: str, authors: tuple[str, ...], year: int, arxiv_id: str | None, url: str | None) -> str:
    """A BibTeX entry: ``@misc`` with arXiv's own eprint fields when the id is known."""
    first = authors[0].split()[-1] if authors[0].split() else "anon"
    words = [w for w in slugify(title).split("-") if len(w) > 3] or ["paper"]
    key = slugify(f"{first}{year}{words[0]}", separator="") or f"paper{year}"
    fields = [("title", "{" + latex_text(title) + "}"), ("author", " and ".join(latex_text(a) for a in authors))]
    fields.append(("year", str(year)))
    if arxiv_id:
        fields += [("eprint", unversioned(arxiv_id)), ("archivePrefix", "arXiv")]
        fields.append(("url", ARXIV_ABS + unversioned(arxiv_id)))
    elif url:
        fields.append(("url", url))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"


def paper_bibtex(paper: Paper) -> str | None:
    """The paper's BibTeX entry, or None unless its authors' names and its year are known."""
    if not paper.author_names or paper.published is None:
        return None
    return bibtex(
        title=paper.title,
        authors=paper.author_names,
        year=paper.published.year,
        arxiv_id=paper.arxiv,
        url=paper.url,
    )


def paper_links(paper: Paper) -> dict[str, str]:
    """The paper's own links: arXiv's three from its id, then the record's pdf, code and url (a record's pdf wins)."""
    links = arxiv_links(paper.arxiv) if paper.arxiv else {}
    for key in ("pdf", "code", "url"):
        value = getattr(paper, key)
        if value:
            links[key] = value
    return links
