"""`make serve` has search: MkDocs' live site gets the search bundle of the last `make build`."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.mkdocs_hooks import on_post_build
from generator.urls import SEARCH_BUNDLE


@pytest.mark.parametrize("serving", [True, False])
def test_the_live_site_gets_the_built_search_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serving: bool
) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n")
    bundle = tmp_path / "site" / SEARCH_BUNDLE
    (bundle / "f").mkdir(parents=True)
    (bundle / "index.json").write_text("{}\n")
    (bundle / "f" / "0.json").write_text("{}\n")
    live = tmp_path / "live"
    live.mkdir()
    if serving:
        monkeypatch.setenv("PAPERLIST_SERVE", "1")
    else:
        monkeypatch.delenv("PAPERLIST_SERVE", raising=False)
    on_post_build(config={"config_file_path": str(tmp_path / "mkdocs.yml"), "site_dir": str(live)})
    copied = sorted(p.relative_to(live).as_posix() for p in live.rglob("*") if p.is_file())
    assert copied == ([f"{SEARCH_BUNDLE}/f/0.json", f"{SEARCH_BUNDLE}/index.json"] if serving else [])
