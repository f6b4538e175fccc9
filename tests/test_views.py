"""Views: each page is rendered from one view, which is also what its key digests.

A template that printed something not in its view could leave a stale page (its key would not
change with it); these tests fail when a template reads anything but its view, when a view
holds something that is not plain data, or when a field of a view is missing from the key.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import jinja2
import jinja2.meta
import pytest
from test_render import HOSTILE, catalog, paper

from generator import render
from generator.render import Page, Renderer

PAPERS = [
    paper("a", "Bandit paper A", "Regret of bandits, a first take.", tags=("regret",), upvotes=3, arxiv="2410.13618"),
    paper("b", HOSTILE, "Regret of bandits again, unlike Bandit paper A.", tags=("regret", "lora"), note="Read it."),
    paper("c", "Low-rank paper C", "Low-rank adapters.", topics=("low-rank",), tags=("lora",), status="must-read"),
    paper("d", "Unlearning paper D", "Forgetting data.", topics=("unlearning",), published=None, upvotes=None),
    paper("e", "Paper E", "Named.", author_names=("Ada Lovelace", "Alan Turing"), code="https://github.com/o/r"),
]
PLAIN = (str, int, bool, type(None), date)  # bool is an int; a date is a plain value too (pickled faithfully)


@pytest.fixture(scope="module")
def plan() -> dict[str, Page]:
    return Renderer(catalog(PAPERS)).plan()


def test_templates_read_no_variable_but_their_view() -> None:
    env = Renderer(catalog([])).env
    for name in env.list_templates():
        source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
        found = jinja2.meta.find_undeclared_variables(env.parse(source))
        allowed = {"row", "papers"} if name == "_row.j2" else {"view"}
        assert found <= allowed, f"{name} reads {sorted(found - allowed)}"
    assert set(env.globals) <= set(jinja2.Environment().globals)  # no data handed over as a global


def test_a_page_renders_from_its_view_alone(plan: dict[str, Page]) -> None:
    """A renderer that knows no paper at all renders every page the same, given only its view."""
    blank = Renderer(catalog([]))
    for path, page in plan.items():
        assert page.view is not None and page.view.path == path  # type: ignore[attr-defined]
        assert blank.render_view(page.template, page.view) == page.render(), path


def plain_data(value: object, where: str) -> None:
    if isinstance(value, PLAIN):
        return
    if isinstance(value, tuple | list):
        for i, item in enumerate(value):
            plain_data(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            plain_data(key, f"{where} key")
            plain_data(item, f"{where}[{key!r}]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        assert type(value).__dataclass_params__.frozen, f"{where}: {type(value).__name__} is not frozen"  # type: ignore[attr-defined]
        for field in dataclasses.fields(value):
            plain_data(getattr(value, field.name), f"{where}.{field.name}")
    else:
        pytest.fail(f"{where} holds a {type(value).__name__}, not plain data")


def test_views_hold_plain_data_only(plan: dict[str, Page]) -> None:
    for path, page in plan.items():
        plain_data(page.view, path)


def changed(value: Any) -> Any:
    """A different value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "!"
    if value is None:
        return "x"
    if isinstance(value, date):
        return date(1999, 1, 1)
    if isinstance(value, tuple):
        return value[:-1] if value else ("x",)
    if isinstance(value, dict):
        return {**value, "x": "y"}
    first = dataclasses.fields(value)[0].name
    return dataclasses.replace(value, **{first: changed(getattr(value, first))})


def test_every_field_of_a_view_is_in_its_page_key(plan: dict[str, Page]) -> None:
    renderer = Renderer(catalog(PAPERS))
    checked = 0
    for path, page in plan.items():
        view = page.view
        assert renderer.view_key(page.template, view) == page.key
        for field in dataclasses.fields(view):  # type: ignore[arg-type]
            value = getattr(view, field.name)
            values = [changed(value)]
            if dataclasses.is_dataclass(value):  # every field of a record too
                values = [
                    dataclasses.replace(value, **{f.name: changed(getattr(value, f.name))})
                    for f in dataclasses.fields(value)
                ]
            if isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):  # every field of a row too
                values += [
                    (dataclasses.replace(value[0], **{f.name: changed(getattr(value[0], f.name))}), *value[1:])
                    for f in dataclasses.fields(value[0])
                ]
            for other in values:
                edited = dataclasses.replace(view, **{field.name: other})  # type: ignore[type-var]
                assert renderer.view_key(page.template, edited) != page.key, f"{path}: {field.name}"
                checked += 1
    assert checked > 200


def test_the_key_names_the_code_and_templates(plan: dict[str, Page], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "render_version", lambda: b"another version")
    page = plan["papers/a.md"]
    assert Renderer(catalog(PAPERS)).view_key(page.template, page.view) != page.key
