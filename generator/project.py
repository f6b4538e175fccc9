"""Where everything lives in a checkout, relative to the repository root.

Kept apart from ``build`` so that light commands (``parse``, ``check``) import nothing heavy.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    """Where everything lives, relative to the repository root."""

    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def sources(self) -> Path:
        return self.content / "sources"

    @property
    def papers(self) -> Path:
        return self.content / "papers"

    @property
    def pages(self) -> Path:
        return self.content / "pages"

    @property
    def taxonomy(self) -> Path:
        return self.content / "taxonomy.yml"

    @property
    def docs(self) -> Path:
        return self.root / "build" / "docs"

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def search_index(self) -> Path:
        """The search index's bundle (generator.search), linked into each published site."""
        return self.root / "build" / "search"

    @property
    def docs_written(self) -> Path:
        """What the last build wrote into ``docs`` (see written.WrittenFiles)."""
        return self.cache("docs")

    def cache(self, name: str) -> Path:
        """The file of one cache under ``build/cache/`` (JSON, see cache.py): never committed."""
        return self.root / "build" / "cache" / f"{name}.json"

    def rel(self, path: Path) -> str:
        with contextlib.suppress(ValueError):
            return str(path.relative_to(self.root))
        return str(path)
