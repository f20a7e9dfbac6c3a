# Treffpunkt: `make run` starts the demo, `make test` runs the tests. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EMUPOS_VENV := .venv-emupos
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run install test test-deps lint typecheck bench clean security translations

run: install
	bash scripts/install-system-deps.sh --optional-voices || echo "Warning: system packages missing (see above); speech may fall back to espeak-ng" >&2
	$(BIN)/treffpunkt db upgrade
	$(BIN)/treffpunkt demo
	TREFFPUNKT_SECURE_COOKIES=$${TREFFPUNKT_SECURE_COOKIES:-false} $(BIN)/treffpunkt serve --host $(HOST) --port $(PORT)

install: $(VENV)/.stamp-install

$(VENV)/.stamp-install: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

test-deps: $(VENV)/.stamp-test $(EMUPOS_VENV)/.stamp .cache/node_modules/axe-core/axe.min.js

# axe-core (accessibility rules) for the kiosk's browser tests, from the npm registry.
.cache/node_modules/axe-core/axe.min.js:
	npm install --silent --no-audit --no-fund --prefix .cache axe-core@4.14.1

$(VENV)/.stamp-test: $(VENV)/.stamp-install pyproject.toml scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The receipt-printer emulator of tests/hardware (emupos) needs Python >= 3.13: its own virtualenv.
EMUPOS_PYTHON ?= $(shell for py in "env PYENV_VERSION=3.13.0 python3" python3.13 python3.14 python3; do \
	$$py -c 'import sys; sys.exit(sys.version_info < (3, 13))' 2>/dev/null && { echo "$$py"; break; }; done)

$(EMUPOS_VENV)/.stamp:
	@test -n "$(EMUPOS_PYTHON)" || { echo "emupos needs Python >= 3.13 (set EMUPOS_PYTHON)" >&2; exit 1; }
	$(EMUPOS_PYTHON) -m venv $(EMUPOS_VENV)
	$(EMUPOS_VENV)/bin/python -m pip install --quiet emupos==0.4.0
	touch $@

# The suite runs on SQLite, then again on PostgreSQL when TREFFPUNKT_TEST_POSTGRES_URL is set.
test: test-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$TREFFPUNKT_TEST_POSTGRES_URL" ]; then \
		echo "== again on PostgreSQL =="; \
		TREFFPUNKT_TEST_BACKEND=postgres $(BIN)/python -m pytest $(PYTEST_ARGS); \
	fi

lint: test-deps
	$(BIN)/ruff check .
	$(BIN)/mypy

# bandit and pip-audit; accepted findings are explained in docs/security.md.
security: test-deps
	$(BIN)/python -m pytest -rs tests/staff/test_static_checks.py

bench: test-deps
	for script in $(filter-out bench/bench_support.py bench/__init__.py,$(wildcard bench/*.py)); do $(BIN)/python $$script || exit 1; done

# Every surface's catalogue: extract the German messages, merge them into each language's .po
# (new entries come in empty, changed ones fuzzy: tests/test_translations.py fails until they are
# translated), compile the .mo files. The .po and .mo files are committed, so installs need no step.
CATALOGUES := kiosk/translations shared/staff/translations ivr/translations hardware/translations
translations: install
	$(BIN)/pybabel extract -F kiosk/babel.cfg -k _l --no-location --omit-header -w 1000 -o kiosk/translations/messages.pot kiosk
	$(BIN)/pybabel extract -F shared/staff/translations/babel.cfg -k N_ --no-location --sort-output -w 1000 -o shared/staff/translations/messages.pot shared/staff
	$(BIN)/pybabel extract -F ivr/babel.cfg --no-location --sort-output -w 1000 -o ivr/translations/messages.pot ivr
	$(BIN)/pybabel extract -F hardware/babel.cfg --no-location --sort-output -w 1000 -o hardware/translations/messages.pot hardware
	for catalogue in $(CATALOGUES); do \
		$(BIN)/pybabel update -i $$catalogue/messages.pot -d $$catalogue -w 1000 && \
		$(BIN)/pybabel compile -d $$catalogue || exit 1; \
	done

clean:
	rm -rf $(VENV) $(EMUPOS_VENV) var .pytest_cache .mypy_cache .ruff_cache
