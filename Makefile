# The two commands (see README): `make run` and `make test`.
.PHONY: run test setup budget bench-quotes bench-pages page-speed fault-check
run:
	scripts/run.sh $(ARGS)
test:
	scripts/test.sh
setup:
	scripts/setup.sh --test
budget:
	scripts/budget.sh
bench-quotes:
	scripts/bench-quotes.sh $(ARGS)
bench-pages:
	scripts/bench-pages.sh $(ARGS)
page-speed:
	scripts/page-speed.sh $(ARGS)
fault-check:
	scripts/fault-check.sh $(ARGS)
