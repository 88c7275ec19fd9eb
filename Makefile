# One command per job, the same on a laptop and in CI. The first call creates .venv and
# installs the kit; later calls reuse it, and reinstall only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# A separate venv with the lowest versions pyproject.toml allows (make test-lowest).
LOWEST := .venv-lowest
JOBS   ?= 2
# JupyterLab refuses to run as root without this flag (containers, CI, Binder-like boxes).
ALLOW_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: help setup run test test-ranges test-lowest lab learn lint format bench student \
        doctor data-verify clean test-browser site handout dist

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# uv installs the kit in seconds. It is taken from PATH, else from the user's cache, where
# pip puts it on the first `make setup` of this machine (a few seconds, once); pip is the
# fallback. Bytecode is compiled (PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every
# import of every process), except the test suites packages ship and the tools no notebook,
# kernel or test imports (pip, setuptools, virtualenv, pre-commit): together about 40% of
# site-packages. tests/test_packaging.py checks that every module a run imports was compiled.
UV_HOME := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/mlsd-kit/uv
FIND_UV := uv=$$(command -v uv || true); \
	if [ -z "$$uv" ] && [ ! -x "$(UV_HOME)/bin/uv" ]; then \
		tmp="$(UV_HOME).$$$$"; \
		$(PYTHON) -m pip install --quiet --disable-pip-version-check --target "$$tmp" uv >/dev/null 2>&1 \
			&& { [ -e "$(UV_HOME)" ] || mv "$$tmp" "$(UV_HOME)"; }; rm -rf "$$tmp"; \
	fi; \
	if [ -z "$$uv" ] && [ -x "$(UV_HOME)/bin/uv" ]; then uv="$(UV_HOME)/bin/uv"; fi
NOT_COMPILED := site-packages/(.*/tests?/|(pip|setuptools|virtualenv|pre_commit)/)
COMPILE := { $(BIN)/python -m compileall -qq -j 0 -x '$(NOT_COMPILED)' \
	"$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" || true; }

# The kit's own modules are compiled too, before each command that runs them: they change
# between runs, so not at set-up, and every kernel and `mlsd` process of a run would otherwise
# compile them again (about 0.1 s each; a `make test` starts about 80 of them). Unchanged
# modules are skipped; src/mlsd/__pycache__ is git-ignored.
SRC_BYTECODE := $(BIN)/python -m compileall -qq src

$(STAMP): pyproject.toml
	@py=$$($(PYTHON) -c 'import sys; print(sys.executable) if sys.version_info >= (3, 11) else sys.exit("The kit needs Python >= 3.11; this is " + sys.version.split()[0] + ". Run: make PYTHON=python3.11")') || exit 1; \
	$(FIND_UV); \
	if [ -n "$$uv" ]; then \
		test -x $(BIN)/python || $$uv venv --quiet --seed --python "$$py" $(VENV) || exit 1; \
	fi; \
	if [ -n "$$uv" ] && $$uv pip install --quiet --python $(BIN)/python -e ".[test,dev]"; then \
		$(COMPILE); \
		echo "installed with $$uv"; \
	else \
		echo "uv is not available: installing with pip (slower)"; \
		test -x $(BIN)/python || "$$py" -m venv $(VENV) || exit 1; \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,dev]"; \
	fi
	@touch $(STAMP)

setup: $(STAMP)  ## create .venv and install the kit (done by every other target)

run: $(STAMP)  ## execute every notebook into runs/<timestamp>/ (HTML, index.html, manifest.json)
	@$(SRC_BYTECODE)
	$(BIN)/mlsd run --jobs $(JOBS)

test: $(STAMP)  ## the whole suite: unit, doctests, each notebook run once (offline), CLI, hygiene, ruff
	@$(SRC_BYTECODE)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile

test-ranges: $(STAMP)  ## slower tier: range ends, pasted solutions on another seed, churn on real data
	@$(SRC_BYTECODE)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile -m ranges tests

test-lowest:  ## unit tests and data verify with the lowest allowed versions, in .venv-lowest
	rm -rf $(LOWEST)
	$(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install --quiet --disable-pip-version-check uv
	$(LOWEST)/bin/uv pip install --python $(LOWEST)/bin/python --quiet --compile-bytecode \
		--resolution lowest-direct -e '.[test]'
	$(LOWEST)/bin/python -m pytest -n $(JOBS) -p no:cacheprovider -m "not notebook" tests
	$(LOWEST)/bin/mlsd data verify

# Both serve a git-ignored working copy (refreshed by `mlsd lab|learn --prepare-only`, which
# never overwrites a notebook you changed), so autosave cannot touch notebooks/.
lab: $(STAMP)  ## JupyterLab (127.0.0.1, token) on lab/, a working copy: notebooks/ is never written
	@$(SRC_BYTECODE)
	$(BIN)/mlsd lab --prepare-only && $(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=lab --no-browser $(ALLOW_ROOT)

learn: $(STAMP)  ## self-study: learner editions in learn/ (your answers are kept), opened in JupyterLab
	@$(SRC_BYTECODE)
	$(BIN)/mlsd learn --prepare-only && $(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=learn --no-browser $(ALLOW_ROOT)

lint: $(STAMP)  ## ruff on code and notebooks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)  ## timings: per notebook, mlsd run --jobs 1 and 2, papermill directly, the floor
	@$(SRC_BYTECODE)
	$(BIN)/python benchmarks/bench_kit.py
	@test ! -f benchmarks/bench_data.py || $(BIN)/python benchmarks/bench_data.py

student: $(STAMP)  ## learner editions (solutions removed) into learn/; changed copies are kept
	$(BIN)/mlsd student

doctor: $(STAMP)  ## check this machine is ready for the meetup
	$(BIN)/mlsd doctor

data-verify: $(STAMP)  ## regenerate every shipped dataset and compare byte for byte
	$(BIN)/mlsd data verify

$(VENV)/.installed-%: pyproject.toml $(STAMP)
	@$(FIND_UV); \
	if [ -n "$$uv" ]; then $$uv pip install --quiet --python $(BIN)/python -e ".[$*]" && $(COMPILE); \
	else $(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[$*]"; fi
	@touch $@

test-browser: $(VENV)/.installed-browser $(VENV)/.installed-site  ## JupyterLab and the site in headless chromium (needs chromium)
	$(BIN)/python -m pytest -m browser -n $(JOBS) --dist loadgroup tests/browser

site: $(VENV)/.installed-site  ## website of the guides and freshly executed notebooks into runs/site/, offline
	$(BIN)/python -m mlsd.site --out runs/site --jobs $(JOBS)

handout: $(STAMP)  ## one printable handout per session into runs/handout/ (from the guides and notebooks)
	$(BIN)/python -m mlsd.handout --out runs/handout

dist: $(STAMP)  ## a zip for participants: notebooks, learner editions, datasets, README (runs/dist/)
	$(BIN)/python -m mlsd.dist --out runs/dist

clean:  ## remove .venv, runs/ and caches (never notebooks/, datasets/, learn/ or lab/)
	rm -rf $(VENV) $(LOWEST) runs .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
