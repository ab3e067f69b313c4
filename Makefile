# Galerie — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

AXE_VERSION := $(shell cat tests/e2e/axe-core.version)
AXE    := $(VENV)/axe/node_modules/axe-core/axe.min.js

.PHONY: demo test lint install clean axe

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

install: $(STAMP)

## axe-core for the browser tests' accessibility checks (npm, pinned in tests/e2e/axe-core.version).
## Without npm the accessibility tests are skipped, and fail under CI=true.
$(AXE): tests/e2e/axe-core.version
	@if command -v npm >/dev/null; then \
	  npm install --no-save --no-audit --no-fund --silent --prefix $(VENV)/axe axe-core@$(AXE_VERSION); \
	else echo "npm not found: axe-core not installed, the accessibility tests will be skipped"; fi

axe: $(STAMP) $(AXE)

## Set up and start the demo marketplace on SQLite: http://127.0.0.1:8000/
demo: $(STAMP)
	$(BIN)/galerie demo

## Lint, check migrations, run the tests on SQLite and, when DATABASE_URL is PostgreSQL, on PostgreSQL.
## Each run has a cache key prefix of its own: runs sharing a Redis database never flush each other's keys.
test: $(STAMP) axe lint
	env -u DATABASE_URL $(BIN)/galerie makemigrations --check --dry-run
	@case "$$DATABASE_URL" in postgres*) pg=follows;; *) pg=;; esac; \
	export CACHE_KEY_PREFIX=galerie-test-$$$$; \
	echo "== pytest on SQLite"; \
	env -u DATABASE_URL GALERIE_POSTGRES_PASS=$$pg $(BIN)/pytest -p no:cacheprovider -q || exit $$?; \
	if [ -n "$$pg" ]; then \
	  echo "== pytest on PostgreSQL ($${DATABASE_URL%%\?*})"; \
	  $(BIN)/pytest -p no:cacheprovider -q -m "not e2e" || exit $$?; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var test-artifacts
