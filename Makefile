# smartcoop: `make run` to try it, `make test` to check it. `make help` lists all.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: help venv run test check lint pytest bench messages seed clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

venv: ## create .venv with the locked dependencies (uv.lock)
	@bash scripts/bootstrap.sh

run: venv ## serve the embedded site on http://127.0.0.1:8000 with demo data
	@mkdir -p .dev
	@$(PY) manage.py compilemessages --ignore=.venv --ignore=.tools -v0 2>/dev/null || true
	@$(PY) manage.py migrate -v0
	@$(PY) manage.py seed_demo --if-empty --members 300
	@echo "Two-factor code for staff in this embedded demo: 000000 (or the secret above in an app)."
	@DEBUG=true MFA_TOTP_INSECURE_BYPASS_CODE=000000 $(PY) manage.py runserver 127.0.0.1:8000

test: ## install what is missing, start PostgreSQL and Redis, run gates and the suite
	@bash scripts/test.sh $(ARGS)

check: venv ## the quality gates alone (ruff, mypy, import-linter, check --deploy, migrations), no database
	@bash scripts/lint.sh

lint: check ## the same as check

pytest: ## the suite less browser and worker tests, on both cores, on throwaway PostgreSQL and Redis
	@SUITE=fast bash scripts/test.sh $(ARGS)

bench: venv ## benchmarks on a throwaway PostgreSQL; results go to bench/README.md
	@bash bench/run.sh

messages: venv ## extract and compile nl/fr translations
	@$(PY) manage.py makemessages -l nl -l fr --ignore=.venv --ignore=.tools --no-obsolete
	@$(PY) manage.py compilemessages --ignore=.venv --ignore=.tools

clean: ## remove the embedded database, media and virtual environments
	rm -rf .dev media .venv .tools
