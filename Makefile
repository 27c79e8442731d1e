# The two commands (see README): `make run` and `make test`.
.PHONY: run test setup budget bench-quotes
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
