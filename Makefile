# account_payer_portal: the commands of the README. Everything is done by tooling/dev.py.
PYTHON ?= python3
PORT ?= 8069
DEV := $(PYTHON) tooling/dev.py

.PHONY: setup demo test lint pot bench wheel screenshots
setup:
	@$(DEV) setup
demo:
	@$(DEV) demo --port $(PORT) $(if $(RESET),--reset)
test:
	@$(DEV) test $(if $(TAGS),--tags $(TAGS))
lint:
	@$(DEV) lint
pot:
	@$(DEV) pot
bench:
	@$(DEV) bench $(if $(N),-n $(N)) $(if $(DB),--db $(DB)) $(BENCH_OPTIONS)
wheel:
	@$(DEV) wheel
screenshots:
	@$(DEV) screenshots $(if $(RESET),--reset)
