# bench.mk - benchmarks (not tests: they measure, they do not judge).
# "make bench" runs every bench/*.sh (with bash) in name order with BUILD
# exported; each prints its own results. Benchmarks that need the kernel or
# an ISO build them through make themselves, so an empty bench/ costs nothing.
BENCH_SCRIPTS = $(sort $(wildcard bench/*.sh))

bench:
	@if [ -z "$(BENCH_SCRIPTS)" ]; then \
		echo "bench: no benchmarks yet (add bench/NN-name.sh scripts)"; \
	else \
		status=0; \
		for b in $(BENCH_SCRIPTS); do \
			echo "== $$b"; \
			BUILD=$(BUILD) MAKE="$(MAKE)" bash $$b || { echo "bench: $$b failed"; status=1; }; \
		done; \
		exit $$status; \
	fi
