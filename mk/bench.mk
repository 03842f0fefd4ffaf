# bench.mk - benchmarks (not tests: they measure, they do not judge).
# "make bench" runs every bench/*.sh (with bash) in name order with BUILD
# and MAKE exported; each prints its own results. Benchmarks that need the
# kernel or an ISO build them through make themselves (so "make bench"
# works from a clean tree).
#
#   $(BUILD)/bench-exit.iso   the exit round-trip benchmark: the bench
#                             guest as the only VM of bench/exit-roundtrip.cfg
#                             (also the wake-up latency of bench/30-sched.sh,
#                             which boots $(BUILD)/test-sched-fair.iso of
#                             mk/guests-vsched.mk for fairness and switch cost)
BENCH_SCRIPTS = $(sort $(wildcard bench/*.sh))

$(BUILD)/bench-exit.iso: $(BUILD)/plinth.elf scripts/mkiso.sh mk/bench.mk \
		bench/exit-roundtrip.cfg $(BUILD)/guests/bench.elf | $(DEPS_STAMP)
	$(Q)bash scripts/mkiso.sh --cmdline "test_exit" --default mb2 --timeout 0 \
		--module bench/exit-roundtrip.cfg=vms.cfg --module $(BUILD)/guests/bench.elf \
		$@ $(BUILD)/plinth.elf

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

# The Linux boot benchmark (tests/linux/bench-linux.sh, target bench-linux
# in mk/linux.mk) is part of "make bench": direct QEMU vs plinth to the
# /init marker, exits by reason and by port. Its images need apt-get
# download the first time; without them it says so and the others still run.
.PHONY: bench-linux-in-bench
bench: bench-linux-in-bench
bench-linux-in-bench:
	@echo "== tests/linux/bench-linux.sh (make bench-linux)"
	@$(MAKE) --no-print-directory BUILD=$(BUILD) bench-linux || \
		echo "bench: the Linux boot benchmark could not run (see above)"
