# Paperlist. `make build` and `make test` are all a newcomer needs; each creates .venv
# from the hashed lock file (requirements.lock) on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
STAMP := $(VENV)/.installed-$(shell cksum $(LOCK) | cut -d' ' -f1)
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM

.PHONY: audit build test test-fast check lint typecheck linkcheck serve bench golden eval-related clean browser lock

# Every file pip may install is named by its sha256 in the lock: a package swapped on the index
# (or a dependency nobody pinned) stops the install instead of running in CI.
$(STAMP): $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
	@rm -f $(VENV)/.installed-*
	@touch $@

# NO_CACHE=1: build from nothing, reading no cache under build/ (python -m generator build --no-cache).
build: $(STAMP)
	$(BIN)/python -m generator build $(if $(NO_CACHE),--no-cache,)

# Browser tests drive Debian's Chromium through Playwright; install it once if missing.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
browser:
	@test -x $(CHROMIUM) || { echo "installing chromium (Debian package) for the browser tests"; \
	  ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null) \
	  || { echo "could not install chromium: run 'apt-get install chromium' as root, or set CHROMIUM=/path/to/chrome" >&2; exit 1; }; }

test: $(STAMP) browser
	PAPERLIST_EXAMPLES=full $(BIN)/python -m pytest -q

# The loop to run while changing code: no MkDocs build, no browser, a twentieth of the property
# examples (tests/conftest.py), spread over the machine's cores. `make test` is still the whole suite.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n auto -m "not slow and not browser"

lint: $(STAMP)
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Every internal link of a freshly built site resolves, and no link is unsafe.
linkcheck: build
	$(BIN)/python -m generator linkcheck site

check: lint typecheck test linkcheck

serve: build
	PAPERLIST_SERVE=1 $(BIN)/python -m mkdocs serve --livereload

bench: $(STAMP)
	$(BIN)/python -m bench $(if $(FULL),--full,)

golden: $(STAMP)
	PAPERLIST_REFRESH_GOLDEN=1 $(BIN)/python -m pytest tests/test_golden.py -q

# Lighthouse (pinned, installed under build/audit by the script) over the served site: scores per page.
audit: build
	$(BIN)/python -m bench.audit

eval-related: $(STAMP)
	$(BIN)/python -m bench.related_eval

# requirements.txt holds the pins a maintainer edits; the lock adds every file's hash for
# Linux, macOS and Windows, CPython 3.11 and later. The resolver runs in a throwaway venv.
LOCKVENV := build/lockvenv
lock:
	@test -x $(LOCKVENV)/bin/uv || { $(PYTHON) -m venv $(LOCKVENV) && $(LOCKVENV)/bin/pip install --quiet uv==0.13.9; }
	$(LOCKVENV)/bin/uv pip compile requirements.txt --generate-hashes --universal --python-version 3.11.5 \
	  --no-cache --custom-compile-command "make lock" -o $(LOCK)

# The site, the build's caches, and whatever killed builds left beside the site
# (generator/publish.py names them: .site.new-*, .site.search-*, .site.old).
clean:
	rm -rf build site .site.new-* .site.search-* .site.old .pytest_cache .mypy_cache .ruff_cache
