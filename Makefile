# Kuzet: `make run` runs the whole system on the embedded default, `make test` runs the tests.
# Both create .venv and install what they need; a second run with nothing changed is quick.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
export PORT

.PHONY: run test lint types check bench clean field field-test

# The officers' field app (field/): npm ci only when the lockfile changed, a build only when
# a source changed. Kuzet serves field/dist at /app/.
FIELD := field
FIELD_DEPS := $(FIELD)/node_modules/.installed
FIELD_BUILD := $(FIELD)/dist/.built
FIELD_SOURCES := $(shell find $(FIELD)/src $(FIELD)/public -type f 2>/dev/null) \
	$(FIELD)/index.html $(FIELD)/vite.config.mjs $(FIELD)/scripts/compress.mjs $(FIELD)/package.json

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

var:
	@mkdir -p var

$(FIELD_DEPS): $(FIELD)/package-lock.json
	cd $(FIELD) && npm ci --no-audit --no-fund
	@touch $@

$(FIELD_BUILD): $(FIELD_DEPS) $(FIELD_SOURCES)
	cd $(FIELD) && npm run build
	@touch $@

field: $(FIELD_BUILD)

field-test: $(FIELD_DEPS)
	cd $(FIELD) && npm test

# DEBUG only when nothing production-like is configured: the embedded default is a demo.
# The demo lives: `manage.py history` builds 60 days of calls once, and the Procfile's `sim`
# process keeps the districts busy (KUZET_SIM_SCALE world seconds per second). Both run when
# the demo does (DEBUG); KUZET_SIMULATE=0 serves the demo without them, =1 forces them.
KUZET_SIM_SCALE ?= 30
# Four times the realistic call rate (≈ 19 a day in the four districts), so that a demo
# at scale 30 shows a new call every half a minute or so.
KUZET_SIM_BUSY ?= 4
# honcho gives every process its own PORT (base + 100 × index): the simulator is told the
# web server's address instead.
KUZET_SIM_URL ?= http://127.0.0.1:$(PORT)
export KUZET_SIM_SCALE KUZET_SIM_BUSY KUZET_SIM_URL
run: $(STAMP) var $(FIELD_BUILD)
	@DEBUG=$${DEBUG:-$$( [ -n "$$SECRET_KEY" ] && echo 0 || echo 1 )} ; export DEBUG ; \
	SIMULATE=$${KUZET_SIMULATE:-$$DEBUG} ; \
	KUZET_SMS_INBOUND_SECRET=$${KUZET_SMS_INBOUND_SECRET:-kuzet-demo-sms-gateway-secret} ; \
	export KUZET_SMS_INBOUND_SECRET ; \
	$(BIN)/python manage.py migrate --no-input -v 0 && \
	$(BIN)/python manage.py seed && \
	{ [ "$$SIMULATE" != 1 ] || $(BIN)/python manage.py history --days 60 ; } && \
	$(BIN)/python manage.py demo_logins --port $(PORT) && \
	exec $(BIN)/honcho -f Procfile start $$( [ "$$SIMULATE" = 1 ] || echo web worker beat )

test: $(STAMP) $(FIELD_BUILD) field-test
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

types: $(STAMP)
	$(BIN)/mypy backend sync

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache $(FIELD)/node_modules $(FIELD)/dist
