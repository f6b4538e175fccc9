"""CI with least privilege: the jobs that run our code hold no write token and no credentials,
and every package they install is named by its hash.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
DEPLOY_ONLY = {"pages", "id-token"}  # what may publish the site, or mint a token that can
PINNED = re.compile(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}")
REQUIREMENT = re.compile(r"^([A-Za-z0-9][\w.-]*)==(\S+)", re.MULTILINE)


def jobs() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(workflow, job id, job, workflow) for every job of every workflow."""
    found = []
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        found += [(path.name, name, job, workflow) for name, job in workflow["jobs"].items()]
    return found


def permissions(job: dict[str, Any], workflow: dict[str, Any]) -> dict[str, str]:
    """The token's permissions in ``job``: its own, else the workflow's (GitHub's rule)."""
    granted = job.get("permissions", workflow.get("permissions"))
    assert isinstance(granted, dict), "every job states its permissions (the default grants write)"
    return granted


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def runs_our_code(job: dict[str, Any]) -> bool:
    return any("run" in step for step in steps(job))


def test_the_workflows_are_found() -> None:
    assert {path.name for path in WORKFLOWS} >= {"pages.yml", "pull-request.yml"}


@pytest.mark.parametrize(("workflow", "name", "job", "whole"), jobs(), ids=lambda v: v if isinstance(v, str) else "")
def test_a_job_that_runs_our_code_can_only_read(workflow: str, name: str, job: dict[str, Any], whole: dict[str, Any]):
    granted = permissions(job, whole)
    if runs_our_code(job):
        assert granted == {"contents": "read"}, f"{workflow} {name}: {granted}"
    else:
        assert set(granted) <= DEPLOY_ONLY | {"contents"}, f"{workflow} {name}: {granted}"
        assert not any("checkout" in step.get("uses", "") for step in steps(job))


def test_only_the_deploy_job_may_publish() -> None:
    publishing = [(w, n) for w, n, job, whole in jobs() if set(permissions(job, whole)) & DEPLOY_ONLY]
    assert publishing == [("pages.yml", "deploy")]


@pytest.mark.parametrize(("workflow", "name", "job", "whole"), jobs(), ids=lambda v: v if isinstance(v, str) else "")
def test_actions_are_pinned_and_checkout_keeps_no_credentials(
    workflow: str, name: str, job: dict[str, Any], whole: dict[str, Any]
) -> None:
    for step in steps(job):
        if "uses" not in step:
            continue
        assert PINNED.fullmatch(step["uses"]), f"{workflow} {name}: {step['uses']} is not pinned by commit"
        if step["uses"].startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, f"{workflow} {name}"
        if step["uses"].startswith("actions/setup-python@") and "cache" in step.get("with", {}):
            assert step["with"]["cache-dependency-path"] == "requirements.lock"


def test_every_pinned_package_is_installed_by_hash() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    installs = [line for line in makefile.splitlines() if "pip install" in line and "$(BIN)" in line]
    assert installs and all("--require-hashes -r $(LOCK)" in line for line in installs), installs
    assert "LOCK := requirements.lock" in makefile
    assert re.search(r"^STAMP := .*cksum \$\(LOCK\)", makefile, re.MULTILINE), "the stamp follows the lock"
    lock = (REPO / "requirements.lock").read_text(encoding="utf-8")
    entries = re.split(r"\n(?=\S)", "\n".join(line for line in lock.splitlines() if not line.startswith("#")))
    assert all(re.search(r"--hash=sha256:[0-9a-f]{64}", entry) for entry in entries if entry.strip()), (
        "a pin lacks a hash"
    )

    def pins(text: str) -> dict[str, str]:
        return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in REQUIREMENT.findall(text)}

    assert pins(lock) == pins((REPO / "requirements.txt").read_text(encoding="utf-8")), "make lock"


def building_job(workflow: str) -> dict[str, Any]:
    """The job of ``workflow`` that runs ``make build`` (or ``make check``, which builds)."""
    found = [job for w, _, job, _ in jobs() if w == workflow and runs_our_code(job)]
    assert len(found) == 1, workflow
    return found[0]


@pytest.mark.parametrize("workflow", ["pull-request.yml", "pages.yml"])
def test_ci_restores_and_saves_the_build_cache_keyed_by_code_and_content(workflow: str) -> None:
    job = steps(building_job(workflow))
    caching = [i for i, step in enumerate(job) if step.get("uses", "").startswith("actions/cache@")]
    assert caching, f"{workflow}: no actions/cache step (a push would rebuild from nothing)"
    first_make = min(i for i, step in enumerate(job) if "make " in step.get("run", ""))
    assert caching[0] < first_make, f"{workflow}: the cache is restored after the build ran"
    options = job[caching[0]]["with"]
    paths = options["path"].split()
    assert {"build/docs", "build/search"} <= set(paths) and any(p.startswith("build/cache") for p in paths)
    assert "build/cache/arxiv" not in paths  # enrich's API answers are not build work
    key, restore = options["key"], options["restore-keys"].split()
    for part in ("requirements.lock", "generator/**", "overrides/**", "mkdocs.yml", "content/**"):
        assert f"'{part}'" in key, f"{workflow}: the key does not name {part}"
    # An edit of one record misses the key but restores the cache of the same code.
    assert restore and key.startswith(restore[0]) and "content/**" not in restore[0]


def test_ci_builds_the_real_content_with_every_shelled_page_verified() -> None:
    job = steps(building_job("pull-request.yml"))
    verified = [
        s for s in job if "make build" in s.get("run", "") and s.get("env", {}).get("PAPERLIST_SHELL") == "verify"
    ]
    assert verified, "the pull-request workflow never builds with PAPERLIST_SHELL=verify"
    run = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "\nPAPERLIST_SHELL=verify .venv/bin/python -m generator build" in run


@pytest.mark.parametrize(("make_status", "expected"), [(0, 0), (2, 2)])
def test_ci_run_verifies_after_make_check_and_fails_when_it_fails(
    tmp_path: Path, make_status: int, expected: int
) -> None:
    # .ci/run in a copy whose `make` and `.venv/bin/python` only say they ran.
    (tmp_path / ".ci").mkdir()
    shutil.copy(REPO / ".ci" / "run", tmp_path / ".ci" / "run")
    (tmp_path / "bin").mkdir()
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    log = tmp_path / "ran"
    fake = '#!/bin/sh\necho "{name} $PAPERLIST_SHELL $*" >> {log}\nexit {status}\n'
    for path, name, status in (
        (tmp_path / "bin" / "make", "make", make_status),
        (tmp_path / ".venv/bin/python", "python", 0),
    ):
        path.write_text(fake.format(name=name, log=log, status=status), encoding="utf-8")
        path.chmod(0o755)
    env = {"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"}
    done = subprocess.run(["bash", str(tmp_path / ".ci" / "run")], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == expected, done.stderr
    ran = log.read_text(encoding="utf-8").splitlines()
    assert ran == (["make  check", "python verify -m generator build"] if expected == 0 else ["make  check"])
