"""``build --no-cache`` removes what builds keep, and nothing else (no MkDocs here)."""

from __future__ import annotations

from pathlib import Path

from generator.build import forget_caches
from generator.project import Project


def test_no_cache_removes_the_build_caches_and_keeps_enrich_answers_and_link_targets(tmp_path: Path) -> None:
    project = Project(tmp_path / "project")
    caches = project.root / "build" / "cache"
    (caches / "arxiv").mkdir(parents=True)
    (caches / "arxiv" / "answer.json").write_text("{}", encoding="utf-8")
    for name in ("links", "records", "docs", "site-0123456789abcdef"):
        project.cache(name).write_text("{}", encoding="utf-8")
    (project.search_index / "f").mkdir(parents=True)
    (project.search_index / "f" / "0.json").write_text("{}", encoding="utf-8")
    # build/docs planted as a link to a directory outside: the link goes, never what it names.
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.md").write_text("mine", encoding="utf-8")
    project.docs.symlink_to(outside, target_is_directory=True)

    forget_caches(project)

    assert sorted(p.name for p in caches.iterdir()) == ["arxiv"]
    assert (caches / "arxiv" / "answer.json").read_text(encoding="utf-8") == "{}"
    assert not project.search_index.exists() and not project.docs.is_symlink() and not project.docs.exists()
    assert (outside / "keep.md").read_text(encoding="utf-8") == "mine"
    forget_caches(project)  # nothing left to remove: no error
