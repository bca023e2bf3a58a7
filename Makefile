# Kuzet: `make run` runs the whole system on the embedded default, `make test` runs the tests.
# Both create .venv and install what they need; a second run with nothing changed is quick.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The WatermelonDB conformance suite's Node packages, from the committed lock file.
WATERMELON := tests/watermelon
NODE_STAMP := $(WATERMELON)/node_modules/.installed
PORT ?= 8000
export PORT

.PHONY: run port-free test lint types check bench clean field field-test messages

# The officers' field app (field/): npm ci only when the lockfile changed, a build only when
# a source changed. Kuzet serves field/dist at /app/.
FIELD := field
FIELD_DEPS := $(FIELD)/node_modules/.installed
FIELD_BUILD := $(FIELD)/dist/.built
FIELD_SOURCES := $(shell find $(FIELD)/src $(FIELD)/public -type f 2>/dev/null) \
	$(FIELD)/index.html $(FIELD)/vite.config.mjs $(FIELD)/scripts/compress.mjs $(FIELD)/package.json

# The install and the field app's build say what they do in the operator's language (the
# system's python3 reads the catalog: backend/common/language.py) instead of make's echo of
# their commands; pip and npm keep their warnings and errors, a failed step is still make's
# error naming its target.
$(STAMP): pyproject.toml
	@$(PYTHON) -m backend.common.language python-packages
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(NODE_STAMP): $(WATERMELON)/package.json $(WATERMELON)/package-lock.json
	cd $(WATERMELON) && npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

var:
	@mkdir -p var

# npm's own lines: --loglevel=warn leaves out "added 312 packages in 25s", --silent the
# "> kuzet-field@1.0.0 build" header. The build itself prints only warnings and errors: vite
# runs at --logLevel warn (field/package.json), and field/scripts/compress.mjs writes the app
# shell's sizes to field/dist/sizes.json, printing them only with KUZET_FIELD_SIZES=1 (its
# FAIL line over the 300 KB budget stays, and fails the build).
$(FIELD_DEPS): $(FIELD)/package-lock.json
	@$(PYTHON) -m backend.common.language field-packages
	@cd $(FIELD) && npm ci --no-audit --no-fund --loglevel=warn
	@touch $@

$(FIELD_BUILD): $(FIELD_DEPS) $(FIELD_SOURCES)
	@$(PYTHON) -m backend.common.language field-build
	@cd $(FIELD) && npm run --silent build
	@touch $@

field: $(FIELD_BUILD)

field-test: $(FIELD_DEPS)
	cd $(FIELD) && npm test

# `make run` with no DATABASE_URL is the embedded demo: SQLite under var/, DEBUG, a secret key
# made for this checkout and demo accounts, all in var/demo.env (written once; manage.py reads
# it too). With DATABASE_URL nothing is switched on by itself: SECRET_KEY is required, DEBUG
# stays off, demo accounts need KUZET_DEMO=1. On PostgreSQL the role in DATABASE_URL makes the
# owner and app roles (manage.py db_roles): migrate runs as the owner, everything else as the
# app role (SQLite has no roles: the embedded demo skips the command, a Django start-up — each
# of make run's steps is one, 6–10 s on a busy 2-core box). The embedded demo's first migrate
# says what takes the time (backend/config/embedded.py, the first step, sees the database is
# not there yet): it printed nothing for one to two minutes on such a box. Metrics
# of all processes meet in var/prometheus (under KUZET_VAR_DIR when it names another folder:
# a second demo's start cleared the first one's metrics).
#
# The demo lives: `manage.py history` builds 60 days of calls once, and the Procfile's `sim`
# process keeps the districts busy (KUZET_SIM_SCALE world seconds per second). Both run with
# the demo (embedded, or KUZET_DEMO=1); KUZET_SIMULATE=0 serves the demo without them, =1
# forces them. The demo's SMS gateway (the simulator plays it) signs with KUZET_SMS_INBOUND_SECRET:
# the embedded demo's is made for the checkout in var/demo.env; a demo on DATABASE_URL
# (KUZET_DEMO=1) without one gets one made for the run, and says so. There is no built-in
# value (a published one let anyone sign replies); outside the demo nothing is defaulted.
KUZET_SIM_SCALE ?= 30
# Days of past the first run builds (5–8 s of building a day on 2 cores: 60 days take minutes;
# KUZET_HISTORY_DAYS=3 has the live demo up minutes sooner, with a thin past: README has the
# timings, which depend on the machine's load most of all).
KUZET_HISTORY_DAYS ?= 60
# Four times the realistic call rate (≈ 19 a day in the four districts), so that a demo
# at scale 30 shows a new call every half a minute or so.
KUZET_SIM_BUSY ?= 4
# honcho gives every process its own PORT (base + 100 × index): the simulator is told the
# web server's address instead.
KUZET_SIM_URL ?= http://127.0.0.1:$(PORT)
# honcho stamps every line with the machine's local time: on a box kept in UTC, a worker's
# "09:03:43 worker.1 | [2026-12-07 14:03:43,698: INFO…]" read two clocks five hours apart.
# Kuzet's clock is Kazakhstan's (settings' TIME_ZONE); Django sets the same TZ in every
# process anyway, so only honcho's stamps change.
KUZET_CLOCK_TZ := Asia/Almaty
export KUZET_SIM_SCALE KUZET_SIM_BUSY KUZET_SIM_URL
# Ctrl-C is how the demo stops: honcho stops every process and exits 130, which make reported
# as "make: *** [Makefile:…: run] Error 130" under the simulator's end-of-run check. The
# recipe's shell outlives the Ctrl-C (trap '' INT; honcho sets its own handler, its processes
# run in groups of their own) to turn that 130 into "Kuzet stopped."; any other exit (a
# process that died, a step that failed) is still make's error.
# The recipe's own lines are in the operator's language, as the commands' are (KUZET_LANGUAGE,
# else the locale): `python -m backend.common.terminal LINE` reads the catalog without a
# Django start-up (0.1 s).
# The port is asked first, before the install and the build: taken, uvicorn failed only after
# the history was built and the logins printed, with links to whatever listened there.
# (Plain python3: the check needs nothing but the standard library.)
port-free:
	@$(PYTHON) backend/config/port.py $(PORT)

run: port-free $(STAMP) var $(FIELD_BUILD)
	@$(BIN)/python -m backend.config.embedded
	@DEMO=$$( [ -z "$$DATABASE_URL" ] || [ "$${KUZET_DEMO:-0}" = 1 ] && echo 1 || echo 0 ) ; \
	SIMULATE=$${KUZET_SIMULATE:-$$DEMO} ; \
	if [ "$$DEMO" = 1 ] && [ -n "$$DATABASE_URL" ] && [ -z "$$KUZET_SMS_INBOUND_SECRET" ]; then \
	  KUZET_SMS_INBOUND_SECRET=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(32))') ; \
	  export KUZET_SMS_INBOUND_SECRET ; \
	  $(BIN)/python -m backend.common.terminal sms-secret-made >&2 ; \
	fi ; \
	roles="$$( [ -z "$$DATABASE_URL" ] || $(BIN)/python manage.py db_roles --export )" && \
	eval "$$roles" && \
	DATABASE_URL=$${KUZET_DB_OWNER_URL:-$$DATABASE_URL} $(BIN)/python manage.py migrate --no-input -v 0 && \
	$(BIN)/python manage.py seed && \
	{ [ "$$SIMULATE" != 1 ] || $(BIN)/python manage.py history --days $(KUZET_HISTORY_DAYS) ; } && \
	$(BIN)/python manage.py demo_logins --port $(PORT) && \
	metrics=$$(realpath -m "$${KUZET_VAR_DIR:-var}/prometheus") && \
	rm -rf "$$metrics" && mkdir -p "$$metrics" && trap '' INT && \
	TZ=$(KUZET_CLOCK_TZ) PROMETHEUS_MULTIPROC_DIR="$$metrics" $(BIN)/honcho -f Procfile start \
	  $$( [ "$$SIMULATE" = 1 ] || echo web worker beat ) ; \
	rc=$$? ; [ $$rc -ne 130 ] || { $(BIN)/python -m backend.common.terminal stopped ; rc=0 ; } ; \
	exit $$rc

test: $(STAMP) $(NODE_STAMP) $(FIELD_BUILD) field-test
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

types: $(STAMP)
	$(BIN)/mypy backend sync

# Re-extract every string of backend and compile the kk and ru catalogs (GNU gettext's
# xgettext and msgfmt): backend/locale for everything but the chief's console, which keeps
# its own catalog in backend/reports/locale. The compiled .mo files are committed, so run
# and test need no gettext. After a merge: `make messages`, then translate the new entries
# (msgfmt --statistics shows how many are left; tests/backend/test_catalogs.py fails on any).
MAKEMESSAGES = makemessages -l kk -l ru --no-location --no-obsolete \
	--settings backend.config.settings.test --pythonpath
messages: $(STAMP)
	cd backend && ../$(BIN)/django-admin $(MAKEMESSAGES) .. \
		--ignore 'reports/*' --ignore 'locale/*'
	cd backend/reports && ../../$(BIN)/django-admin $(MAKEMESSAGES) ../..
	cd backend && ../$(BIN)/django-admin compilemessages \
		--settings backend.config.settings.test --pythonpath ..

# `make bench` lists the benchmarks; `make bench BENCH="sync_bench --help"` runs one.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache $(WATERMELON)/node_modules $(FIELD)/node_modules $(FIELD)/dist
