/* test_sched.c - the scheduler core (scheduler/sched.c) with its two
 * policies (credit.c, rr.c), driven by a fake clock.
 *
 * The simulator below plays the caller's part: each fake CPU calls
 * sched_schedule when its slice ends or when it was kicked, and the
 * entities' switch_in/switch_out hooks record what really ran where, so
 * shares are measured from the hooks, independently of the scheduler's own
 * statistics (which are checked against them). The hooks also assert the
 * mechanism's invariants: an entity is never switched in on two CPUs at
 * once, never on a CPU outside its affinity, and a CPU runs one entity. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <plinth/sched.h>
#include "../../scheduler/sched_internal.h"   /* struct sched_policy_ops, for a broken policy */
#include "host_support.h"

#define MS 1000000ULL
#define SLICE (10 * MS)
#define NEVER UINT64_MAX

/* ------------------------------------------------------------ simulator */

struct tent {
	struct sched_entity se;
	int on_cpu;              /* -1 when not running */
	uint64_t since;          /* switch-in time */
	uint64_t ran_ns;         /* measured by the hooks */
	uint64_t cpus_seen;      /* CPUs it was switched in on */
	uint64_t first_run_after;  /* set by a test: time of the first switch-in after it */
	uint64_t first_run;
};

static struct {
	unsigned ncpus;
	uint64_t now;
	uint64_t next_event[SCHED_MAX_CPUS];
	struct tent *running[SCHED_MAX_CPUS];
	uint64_t slices;         /* decisions that ran an entity */
	uint64_t idle_decisions;
	uint64_t overrun_ns;     /* a run lasts up to this much past its slice (a
				    late timer, the exit that ends it), varying */
} sim;

static struct tent *tent_of(struct sched_entity *se) { return container_of(se, struct tent, se); }

static void hook_in(struct sched_entity *se, unsigned cpu)
{
	struct tent *t = tent_of(se);
	assert_int_equal(t->on_cpu, -1);
	assert_null(sim.running[cpu]);
	assert_true(se->affinity & (1ULL << cpu));
	t->on_cpu = (int)cpu;
	t->since = sim.now;
	t->cpus_seen |= 1ULL << cpu;
	sim.running[cpu] = t;
	if (t->first_run == NEVER && sim.now >= t->first_run_after)
		t->first_run = sim.now;
}

static void hook_out(struct sched_entity *se, unsigned cpu)
{
	struct tent *t = tent_of(se);
	assert_int_equal(t->on_cpu, (int)cpu);
	assert_ptr_equal(sim.running[cpu], t);
	t->ran_ns += sim.now - t->since;
	t->on_cpu = -1;
	sim.running[cpu] = NULL;
}

static void tent_setup(struct tent *t, const char *name)
{
	memset(t, 0, sizeof(*t));
	t->se.name = name;
	t->se.switch_in = hook_in;
	t->se.switch_out = hook_out;
	t->on_cpu = -1;
	t->first_run = NEVER;
}

static void sim_start(unsigned ncpus, const struct sched_policy_ops *policy)
{
	memset(&sim, 0, sizeof(sim));
	sim.ncpus = ncpus;
	for (unsigned c = 0; c < SCHED_MAX_CPUS; c++)
		sim.next_event[c] = c < ncpus ? 0 : NEVER;
	host_log_reset();
	assert_int_equal(sched_init(ncpus, policy, SLICE), 0);
}

static void sim_kick(uint64_t kick)
{
	for (unsigned c = 0; c < sim.ncpus; c++)
		if (kick & (1ULL << c))
			sim.next_event[c] = sim.now;
}

/* Process the earliest CPU event. False when every CPU halts for good. */
static bool sim_step(void)
{
	unsigned cpu = 0;
	for (unsigned c = 1; c < sim.ncpus; c++)
		if (sim.next_event[c] < sim.next_event[cpu])
			cpu = c;
	if (sim.next_event[cpu] == NEVER)
		return false;
	sim.now = sim.next_event[cpu];
	struct sched_decision d = sched_schedule(cpu, sim.now);
	assert_ptr_equal(d.next, sched_current(cpu));
	if (d.next) {
		assert_ptr_equal(sim.running[cpu], tent_of(d.next));
		assert_true(d.slice_ns > 0 && d.slice_ns <= SLICE);
		sim.slices++;
		sim.next_event[cpu] = sim.now + d.slice_ns +
				      (sim.overrun_ns ? sim.slices * 7919 % sim.overrun_ns : 0);
	} else {
		assert_null(sim.running[cpu]);
		sim.idle_decisions++;
		sim.next_event[cpu] = d.slice_ns ? sim.now + d.slice_ns : NEVER;
	}
	assert_false(d.kick & (1ULL << cpu));
	sim_kick(d.kick);
	return true;
}

/* Run until simulated time reaches 'until' (events at or after it wait). */
static void sim_run_until(uint64_t until)
{
	for (;;) {
		uint64_t first = NEVER;
		for (unsigned c = 0; c < sim.ncpus; c++)
			first = first < sim.next_event[c] ? first : sim.next_event[c];
		if (first >= until || !sim_step())
			break;
	}
	sim.now = until;
}

static void sim_run_slices(uint64_t n)
{
	uint64_t end = sim.slices + n;
	while (sim.slices < end && sim_step())
		;
}

/* Time a CPU has been given to t up to sim.now (counting a run in progress). */
static uint64_t ran_now(const struct tent *t)
{
	return t->ran_ns + (t->on_cpu >= 0 ? sim.now - t->since : 0);
}

static void add(struct tent *t, const char *name, struct sched_group *g, uint64_t affinity)
{
	uint64_t kick = 0;
	tent_setup(t, name);
	assert_int_equal(sched_add(&t->se, g, affinity, sim.now, &kick), 0);
	sim_kick(kick);
}

/* ------------------------------------------------------------ argument checks */

static void test_init_rejects_bad_arguments(void **state)
{
	host_log_reset();
	assert_int_equal(sched_init(0, NULL, 0), -EINVAL);
	assert_true(host_log_contains("CPUs"));
	assert_int_equal(sched_init(SCHED_MAX_CPUS + 1, NULL, 0), -EINVAL);
	assert_int_equal(sched_init(1, NULL, 1000), -EINVAL);        /* 1 us slice */
	assert_true(host_log_contains("slice"));
	assert_int_equal(sched_init(1, NULL, 2000 * MS), -EINVAL);   /* 2 s slice */
	struct sched_policy_ops broken = { .name = "broken" };
	assert_int_equal(sched_init(1, &broken, 0), -EINVAL);
	assert_true(host_log_contains("broken"));

	assert_int_equal(sched_init(4, NULL, 0), 0);
	assert_string_equal(sched_policy_name(), "credit");
	assert_int_equal(sched_slice_ns(), SCHED_SLICE_DEFAULT_NS);
	assert_int_equal(sched_period_ns(), SCHED_PERIOD_SLICES * SCHED_SLICE_DEFAULT_NS);
	assert_int_equal(sched_init(SCHED_MAX_CPUS, &sched_policy_rr, 5 * MS), 0);
	assert_string_equal(sched_policy_name(), "rr");
	assert_int_equal(sched_slice_ns(), 5 * MS);
}

static void test_group_and_entity_errors(void **state)
{
	sim_start(2, NULL);
	struct sched_group g, bad;
	assert_int_equal(sched_group_init(&g, "vm", SCHED_WEIGHT_MAX + 1, 0), -EINVAL);
	assert_true(host_log_contains("weight"));
	assert_int_equal(sched_group_init(&g, "vm", 0, 201), -EINVAL);     /* > 100% x 2 CPUs */
	assert_true(host_log_contains("cap"));
	assert_int_equal(sched_group_init(NULL, "vm", 0, 0), -EINVAL);
	assert_int_equal(sched_group_init(&g, "vm", 0, 200), 0);
	assert_int_equal(g.weight, SCHED_WEIGHT_DEFAULT);
	assert_int_equal(sched_set_weight(&g, 0), -EINVAL);
	assert_int_equal(sched_set_weight(&g, 70000), -EINVAL);
	assert_int_equal(sched_set_cap(&g, 300), -EINVAL);
	assert_int_equal(sched_set_cap(&g, 0), 0);

	struct tent a, b;
	tent_setup(&a, "a");
	tent_setup(&b, "b");
	uint64_t kick = 0;
	memset(&bad, 0, sizeof(bad));
	host_log_reset();
	assert_int_equal(sched_add(&a.se, &bad, 0, 0, &kick), -EINVAL);
	assert_true(host_log_contains("not initialised"));
	assert_int_equal(sched_add(&a.se, &g, 1ULL << 5, 0, &kick), -EINVAL);  /* CPU 5 offline */
	assert_true(host_log_contains("affinity"));
	assert_int_equal(sched_add(NULL, &g, 0, 0, &kick), -EINVAL);
	assert_int_equal(sched_add(&a.se, &g, 0, 0, &kick), 0);
	assert_int_equal(sched_add(&a.se, &g, 0, 0, &kick), -EEXIST);
	assert_int_equal(sched_remove(&b.se), -EINVAL);
	assert_int_equal(sched_block(&b.se, 0, NULL), -EINVAL);
	assert_int_equal(sched_wake(&b.se, 0, NULL), -EINVAL);
	assert_int_equal(sched_set_affinity(&b.se, 1, 0, NULL), -EINVAL);
	assert_int_equal(sched_set_affinity(&a.se, 1ULL << 9, 0, NULL), -EINVAL);

	/* Running: cannot be removed until it has left its CPU. */
	struct sched_decision d = sched_schedule(0, 0);
	assert_ptr_equal(d.next, &a.se);
	host_log_reset();
	assert_int_equal(sched_remove(&a.se), -EBUSY);
	assert_true(host_log_contains("still running"));
	assert_int_equal(sched_block(&a.se, 1 * MS, &kick), 1);
	assert_true(kick & 1);
	sim.now = 1 * MS;
	d = sched_schedule(0, sim.now);
	assert_null(d.next);
	assert_int_equal(sched_entity_state(&a.se), SCHED_BLOCKED);
	assert_int_equal(sched_remove(&a.se), 0);
	assert_int_equal(sched_entity_state(&a.se), SCHED_DEAD);
	assert_int_equal(sched_remove(&a.se), -EINVAL);
	assert_int_equal(sched_wake(&a.se, 0, NULL), -EINVAL);
	/* A removed entity may be added again. */
	assert_int_equal(sched_add(&a.se, &g, 0, 2 * MS, NULL), 0);
	assert_int_equal(sched_entity_state(&a.se), SCHED_RUNNABLE);

	/* Calls on CPUs that do not exist are refused, not crashes. */
	host_log_reset();
	d = sched_schedule(2, 0);
	assert_null(d.next);
	assert_true(host_log_contains("no such CPU"));
	assert_false(sched_tick(77, 0));
	assert_null(sched_current(2));
	assert_int_equal(sched_queued(99), 0);
	assert_string_equal(sched_state_name(SCHED_PAUSED), "paused");
	assert_string_equal(sched_state_name((enum sched_state)42), "?");
}

/* ------------------------------------------------------------ fairness */

static void check_share(const char *what, double got, double want, double rel_tol)
{
	double err = (got - want) / want;
	printf("    %-28s share %.4f  expected %.4f  error %+.2f%%\n", what, got, want, err * 100);
	assert_true(err <= rel_tol && err >= -rel_tol);
}

/* Weights 1:2:4, three groups of one entity, one CPU. */
static void test_weights_1_2_4_one_cpu(void **state)
{
	sim_start(1, NULL);
	struct sched_group g[3];
	struct tent t[3];
	const char *names[3] = { "w1", "w2", "w4" };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sched_group_init(&g[i], names[i], 1u << i, 0), 0);
		add(&t[i], names[i], &g[i], 0);
	}
	sim_run_slices(10000);
	uint64_t total = ran_now(&t[0]) + ran_now(&t[1]) + ran_now(&t[2]);
	assert_int_equal(total, sim.now);   /* no idle time with runnable work */
	for (int i = 0; i < 3; i++)
		check_share(names[i], (double)ran_now(&t[i]) / (double)total, (1 << i) / 7.0, 0.02);
	/* The scheduler's own statistics agree with what the hooks saw. */
	for (int i = 0; i < 3; i++) {
		struct sched_entity_stats s = sched_entity_get_stats(&t[i].se);
		assert_true(s.runtime_ns <= ran_now(&t[i]));
		assert_true(ran_now(&t[i]) - s.runtime_ns <= SLICE);   /* the run in progress */
		assert_int_equal(sched_group_runtime(&g[i]), s.runtime_ns);
		assert_true(s.nr_runs > 0);
	}
}

/* Two CPUs, three groups weighted 1:2:4 with two entities each (six
 * entities): the groups get 1/7, 2/7, 4/7 of both CPUs, and the two
 * entities of a group get equal halves. */
static void test_weights_two_cpus_more_entities(void **state)
{
	sim_start(2, NULL);
	struct sched_group g[3];
	struct tent t[6];
	char names[6][24];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sched_group_init(&g[i], "g", 1u << i, 0), 0);
		for (int j = 0; j < 2; j++) {
			snprintf(names[2 * i + j], sizeof(names[0]), "w%d.%d", 1 << i, j);
			add(&t[2 * i + j], names[2 * i + j], &g[i], 0);
		}
	}
	sim_run_slices(20000);   /* 10,000 per CPU */
	uint64_t capacity = 2 * sim.now, total = 0;
	for (int k = 0; k < 6; k++)
		total += ran_now(&t[k]);
	assert_true(total <= capacity);
	assert_true(capacity - total <= capacity / 1000);    /* CPUs kept busy */
	for (int i = 0; i < 3; i++) {
		double gs = (double)(ran_now(&t[2 * i]) + ran_now(&t[2 * i + 1])) / (double)capacity;
		char label[32];
		snprintf(label, sizeof(label), "group w%d (2 entities)", 1 << i);
		check_share(label, gs, (1 << i) / 7.0, 0.02);
		for (int j = 0; j < 2; j++)
			check_share(names[2 * i + j], (double)ran_now(&t[2 * i + j]) / (double)capacity,
				    (1 << i) / 14.0, 0.02);
	}
}

/* The boot tests' case (tests/boot/sched-fair-vms.cfg): six VMs of one
 * vCPU with weights 1:2:4:1:2:4 on two CPUs, each within one CPU, so the
 * shares are w/14 of both CPUs; runs end late by up to 80 % of a slice, as
 * when the guest exits some time after the timer. */
static void test_weights_six_groups_two_cpus_late_runs(void **state)
{
	static const uint32_t w[6] = { 100, 200, 400, 100, 200, 400 };
	struct sched_group g[6];
	struct tent t[6];
	char names[6][24];
	uint64_t capacity;

	sim_start(2, NULL);
	sim.overrun_ns = SLICE * 8 / 10;
	for (int i = 0; i < 6; i++) {
		snprintf(names[i], sizeof(names[0]), "%c%u", i < 3 ? 'a' : 'b', w[i] / 100);
		assert_int_equal(sched_group_init(&g[i], names[i], w[i], 0), 0);
		add(&t[i], names[i], &g[i], 0);
	}
	sim_run_slices(20000);
	capacity = 2 * sim.now;
	for (int i = 0; i < 6; i++)
		check_share(names[i], (double)ran_now(&t[i]) / (double)capacity, w[i] / 1400.0, 0.05);
}

/* Two CPUs, weights 1:2:4 with one entity each: the weight-4 entity cannot
 * use its 8/7 of a CPU, gets one CPU, and the excess is shared 1:2. */
static void test_weights_two_cpus_water_filling(void **state)
{
	sim_start(2, NULL);
	struct sched_group g[3];
	struct tent t[3];
	const char *names[3] = { "w1", "w2", "w4" };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sched_group_init(&g[i], names[i], 1u << i, 0), 0);
		add(&t[i], names[i], &g[i], 0);
	}
	sim_run_slices(20000);
	double want[3] = { 1.0 / 6, 2.0 / 6, 3.0 / 6 };   /* of two CPUs */
	for (int i = 0; i < 3; i++)
		check_share(names[i], (double)ran_now(&t[i]) / (double)(2 * sim.now), want[i], 0.02);
}

/* ------------------------------------------------------------ affinity */

static void test_affinity_holds_under_balancing(void **state)
{
	sim_start(2, NULL);
	struct sched_group g;
	assert_int_equal(sched_group_init(&g, "vm", 0, 0), 0);
	struct tent pinned, free1, free2, free3;
	add(&pinned, "pinned", &g, 1ULL << 1);
	add(&free1, "free1", &g, 0);
	add(&free2, "free2", &g, 0);
	add(&free3, "free3", &g, 0);
	sim_run_slices(4000);
	/* hook_in asserts affinity on every switch-in; here, the summary. */
	assert_int_equal(pinned.cpus_seen, 1ULL << 1);
	assert_true(ran_now(&pinned) > 0);
	/* The unpinned ones were balanced onto both CPUs. */
	assert_int_equal(free1.cpus_seen | free2.cpus_seen | free3.cpus_seen, 3);
	/* Equal weights: each gets about half a CPU (two CPUs, four entities). */
	struct tent *all[4] = { &pinned, &free1, &free2, &free3 };
	for (int i = 0; i < 4; i++)
		check_share(all[i]->se.name, (double)ran_now(all[i]) / (double)(2 * sim.now), 0.25, 0.02);

	/* Re-pin the pinned one to CPU 0 while it may be running: from then on
	 * it is only ever switched in on CPU 0. */
	uint64_t kick = 0;
	assert_int_equal(sched_set_affinity(&pinned.se, 1ULL << 0, sim.now, &kick), 0);
	sim_kick(kick);
	pinned.cpus_seen = 0;
	sim_run_slices(2000);
	assert_int_equal(pinned.cpus_seen, 1ULL << 0);
	assert_true(ran_now(&pinned) > 0);
	assert_true(sched_entity_get_stats(&pinned.se).nr_migrations > 0);
}

/* Everything pinned to CPU 1: CPU 0 stays idle, nothing runs there. */
static void test_affinity_all_pinned_idle_cpu(void **state)
{
	sim_start(2, NULL);
	struct sched_group g;
	assert_int_equal(sched_group_init(&g, "vm", 0, 0), 0);
	struct tent a, b;
	add(&a, "a", &g, 2);
	add(&b, "b", &g, 2);
	sim_run_slices(1000);
	assert_int_equal(a.cpus_seen | b.cpus_seen, 2);
	assert_null(sched_current(0));
	assert_int_equal(sim.next_event[0], NEVER);   /* CPU 0 halted */
	check_share("a (CPU 1 only)", (double)ran_now(&a) / (double)sim.now, 0.5, 0.02);
}

/* ------------------------------------------------------------ caps */

/* A group capped at 25% of one CPU, alone, with two idle CPUs. */
static void test_cap_holds_with_idle_cpus(void **state)
{
	sim_start(2, NULL);
	struct sched_group capped;
	assert_int_equal(sched_group_init(&capped, "capped", 0, 25), 0);
	struct tent t;
	add(&t, "capped", &capped, 0);
	sim_run_until(100000 * MS);   /* 100 s */
	double share = (double)ran_now(&t) / (double)sim.now;
	printf("    capped 25%%, idle CPUs: share %.4f\n", share);
	assert_true(share <= 0.26 && share >= 0.24);
	/* Parked when its budget is spent, it waits at most until the next period. */
	assert_true(sched_entity_get_stats(&t.se).max_wait_ns <= sched_period_ns());
}

/* A two-entity group capped at 50% competing with an uncapped group on two
 * CPUs: both its entities may run at once, yet the sum stays at 50%. */
static void test_cap_shared_by_entities_on_two_cpus(void **state)
{
	sim_start(2, NULL);
	struct sched_group capped, other;
	assert_int_equal(sched_group_init(&capped, "capped", SCHED_WEIGHT_MAX, 50), 0);
	assert_int_equal(sched_group_init(&other, "other", 1, 0), 0);
	struct tent c1, c2, o;
	add(&c1, "c1", &capped, 0);
	add(&c2, "c2", &capped, 0);
	add(&o, "o", &other, 0);
	sim_run_slices(20000);
	double cs = (double)(ran_now(&c1) + ran_now(&c2)) / (double)sim.now;   /* of one CPU */
	printf("    capped 50%% (weight 65535, 2 entities): %.4f of one CPU; other: %.4f\n", cs,
	       (double)ran_now(&o) / (double)sim.now);
	assert_true(cs <= 0.51 && cs >= 0.49);
	/* The uncapped one has a CPU to itself (it may not use more than one). */
	assert_true((double)ran_now(&o) / (double)sim.now >= 0.99);

	/* Lifting the cap: the heavy group now gets nearly everything it can. */
	assert_int_equal(sched_set_cap(&capped, 0), 0);
	uint64_t t0 = sim.now, r0 = ran_now(&c1) + ran_now(&c2);
	sim_run_slices(20000);
	double after = (double)(ran_now(&c1) + ran_now(&c2) - r0) / (double)(sim.now - t0);
	assert_true(after > 1.9);
}

/* ------------------------------------------------------------ wake, block */

/* Three CPU hogs on one CPU; an entity woken at arbitrary moments runs
 * within one slice each time (here: at once, as the wake preempts). */
static void test_woken_entity_runs_within_one_slice(void **state)
{
	sim_start(1, NULL);
	struct sched_group g;
	assert_int_equal(sched_group_init(&g, "vm", 0, 0), 0);
	struct tent h[3], w;
	add(&h[0], "hog0", &g, 0);
	add(&h[1], "hog1", &g, 0);
	add(&h[2], "hog2", &g, 0);
	add(&w, "waker", &g, 0);
	uint64_t worst = 0;
	for (int round = 0; round < 200; round++) {
		uint64_t kick = 0;
		/* Run a while, then block the waker (as a HLT would) when it runs. */
		sim_run_until(sim.now + 37 * MS + (uint64_t)round * 1300000ULL);
		int r = sched_block(&w.se, sim.now, &kick);
		assert_true(r == 0 || r == 1);
		sim_kick(kick);
		sim_run_until(sim.now + 50 * MS);
		assert_int_equal(sched_entity_state(&w.se), SCHED_BLOCKED);
		/* Wake at an odd moment, mid-slice. */
		sim_run_until(sim.now + 3 * MS + (uint64_t)round * 170000ULL);
		w.first_run_after = sim.now;
		w.first_run = NEVER;
		uint64_t woke = sim.now;
		kick = 0;
		assert_int_equal(sched_wake(&w.se, sim.now, &kick), 1);
		assert_int_equal(kick, 1);
		sim_kick(kick);
		sim_run_until(sim.now + 2 * SLICE);
		assert_true(w.first_run != NEVER);
		worst = w.first_run - woke > worst ? w.first_run - woke : worst;
		assert_true(w.first_run - woke <= SLICE);
		/* Waking twice is harmless. */
		assert_int_equal(sched_wake(&w.se, sim.now, NULL), 0);
	}
	printf("    worst wake-to-run latency: %llu ns\n", (unsigned long long)worst);
	assert_true(sched_entity_get_stats(&w.se).nr_wakeups == 200);
}

/* A blocked entity accrues no runtime and earns no credit: after a long
 * sleep it does not take more than its share plus the credit bound. */
static void test_blocked_entity_hoards_no_credit(void **state)
{
	sim_start(1, NULL);
	struct sched_group g;
	assert_int_equal(sched_group_init(&g, "vm", 0, 0), 0);
	struct tent a, b, sleeper;
	add(&a, "a", &g, 0);
	add(&b, "b", &g, 0);
	add(&sleeper, "sleeper", &g, 0);
	uint64_t kick = 0;
	sched_block(&sleeper.se, sim.now, &kick);
	sim_kick(kick);
	sim_run_until(1 * MS);
	uint64_t before = ran_now(&sleeper);
	sim_run_until(10000 * MS);      /* asleep for 10 s */
	assert_int_equal(ran_now(&sleeper), before);
	assert_int_equal(sched_entity_get_stats(&sleeper.se).runtime_ns, before);
	assert_int_equal(sched_entity_state(&sleeper.se), SCHED_BLOCKED);
	check_share("a while sleeper sleeps", (double)ran_now(&a) / (double)sim.now, 0.5, 0.02);

	/* Awake again: over the next second it gets its third plus at most
	 * the credit bound (one period and one slice) plus a boosted slice. */
	kick = 0;
	assert_int_equal(sched_wake(&sleeper.se, sim.now, &kick), 1);
	sim_kick(kick);
	uint64_t t0 = sim.now, s0 = ran_now(&sleeper);
	sim_run_until(t0 + 1000 * MS);
	uint64_t got = ran_now(&sleeper) - s0;
	uint64_t limit = 1000 * MS / 3 + sched_period_ns() + 2 * SLICE;
	printf("    sleeper after waking: %llu ms of 1000 (limit %llu)\n",
	       (unsigned long long)(got / MS), (unsigned long long)(limit / MS));
	assert_true(got <= limit);
	assert_true(got >= 1000 * MS / 3 - sched_period_ns() - 2 * SLICE);
}

/* ------------------------------------------------------------ pause */

static void test_paused_group_does_not_run(void **state)
{
	sim_start(2, NULL);
	struct sched_group vm, other;
	assert_int_equal(sched_group_init(&vm, "vm", 0, 0), 0);
	assert_int_equal(sched_group_init(&other, "other", 0, 0), 0);
	struct tent v0, v1, o;
	add(&v0, "v0", &vm, 0);
	add(&v1, "v1", &vm, 0);
	add(&o, "o", &other, 0);
	sim_run_slices(100);
	/* v1 sleeps; then the VM is paused while v0 may be running. */
	uint64_t kick = 0;
	sched_block(&v1.se, sim.now, &kick);
	assert_int_equal(sched_pause_group(&vm, sim.now, &kick), 0);
	sim_kick(kick);
	sim_run_until(sim.now + 1);
	assert_int_equal(sched_entity_state(&v0.se), SCHED_PAUSED);
	assert_int_equal(sched_entity_state(&v1.se), SCHED_PAUSED);
	assert_int_equal(v0.on_cpu, -1);
	uint64_t r0 = ran_now(&v0), r1 = ran_now(&v1), t0 = sim.now;
	sim_run_until(t0 + 5000 * MS);
	assert_int_equal(ran_now(&v0), r0);
	assert_int_equal(ran_now(&v1), r1);
	/* A wake while paused is remembered, not acted on. */
	assert_int_equal(sched_wake(&v1.se, sim.now, NULL), 0);
	assert_int_equal(sched_entity_state(&v1.se), SCHED_PAUSED);
	assert_int_equal(sched_pause_group(&vm, sim.now, NULL), 0);   /* twice: harmless */
	sched_block(&v1.se, sim.now, NULL);                           /* asleep again */
	kick = 0;
	assert_int_equal(sched_resume_group(&vm, sim.now, &kick), 0);
	sim_kick(kick);
	assert_int_equal(sched_entity_state(&v1.se), SCHED_BLOCKED);
	sim_run_until(sim.now + 1000 * MS);
	assert_true(ran_now(&v0) > r0);
	assert_int_equal(ran_now(&v1), r1);   /* still blocked */
	assert_int_equal(sched_pause_group(NULL, 0, NULL), -EINVAL);
}

/* ------------------------------------------------------------ idle */

static void test_idle_cpu_returns_null(void **state)
{
	sim_start(2, NULL);
	struct sched_decision d = sched_schedule(0, 0);
	assert_null(d.next);
	assert_int_equal(d.slice_ns, 0);    /* halt until an interrupt */
	assert_false(sched_tick(0, 5 * MS));
	struct sched_group g;
	assert_int_equal(sched_group_init(&g, "vm", 0, 0), 0);
	struct tent a;
	add(&a, "a", &g, 0);
	sim_run_until(100 * MS);
	uint64_t kick = 0;
	sched_block(&a.se, sim.now, &kick);
	sim_kick(kick);
	sim_run_until(200 * MS);
	for (unsigned c = 0; c < 2; c++) {
		assert_null(sched_current(c));
		assert_int_equal(sim.next_event[c], NEVER);
	}
	d = sched_schedule(1, 300 * MS);
	assert_null(d.next);
	assert_int_equal(d.slice_ns, 0);
	assert_true(sched_idle_ns(0) + sched_idle_ns(1) >= 100 * MS);
}

/* ------------------------------------------------------------ starvation */

/* The bound stated in docs/scheduler.md: a runnable entity with
 * entitlement e per period waits at most (2B/e + 1) periods + (n-1)
 * slices, B the credit bound, n the entities on its CPU. */
static uint64_t starvation_bound(uint64_t e, unsigned n)
{
	uint64_t b = sched_period_ns() + SLICE;
	return (2 * b / e + 1) * sched_period_ns() + (n - 1) * SLICE;
}

static void test_no_starvation(void **state)
{
	sim_start(1, NULL);
	const uint32_t weights[5] = { 1, 10, 256, 1000, 4000 };
	struct sched_group g[5];
	struct tent t[5];
	uint32_t sum = 0;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(sched_group_init(&g[i], "g", weights[i], 0), 0);
		add(&t[i], "t", &g[i], 0);
		sum += weights[i];
	}
	sim_run_slices(30000);
	for (int i = 0; i < 5; i++) {
		uint64_t e = sched_period_ns() * weights[i] / sum;
		uint64_t bound = starvation_bound(e, 5);
		uint64_t waited = sched_entity_get_stats(&t[i].se).max_wait_ns;
		printf("    weight %4u: longest wait %6llu ms, bound %7llu ms, share %.5f (fair %.5f)\n",
		       weights[i], (unsigned long long)(waited / MS), (unsigned long long)(bound / MS),
		       (double)ran_now(&t[i]) / (double)sim.now, (double)weights[i] / sum);
		assert_true(ran_now(&t[i]) > 0);
		assert_true(waited <= bound);
	}
}

/* ------------------------------------------------------------ tick */

static void test_tick_decides_preemption(void **state)
{
	sim_start(1, NULL);
	struct sched_group g;
	assert_int_equal(sched_group_init(&g, "vm", 0, 0), 0);
	struct tent a, b, c;
	add(&a, "a", &g, 0);
	sim.now = 0;
	/* Period 1 starts at 0 with only a active: a is given 30 ms of credit. */
	struct sched_decision d = sched_schedule(0, 0);
	assert_ptr_equal(d.next, &a.se);
	add(&b, "b", &g, 0);
	/* Mid-slice: keep going, charging as we go; at the slice end: reschedule. */
	assert_false(sched_tick(0, 1 * MS));
	assert_int_equal(sched_entity_get_stats(&a.se).runtime_ns, 1 * MS);
	assert_false(sched_tick(0, 5 * MS));
	assert_true(sched_tick(0, SLICE));
	assert_int_equal(sched_entity_get_stats(&a.se).runtime_ns, SLICE);
	/* a still has 20 ms of credit, b none: a goes on. */
	sim.now = SLICE;
	assert_ptr_equal(sched_schedule(0, SLICE).next, &a.se);
	sim.now = 2 * SLICE;
	assert_ptr_equal(sched_schedule(0, 2 * SLICE).next, &a.se);
	/* Period 2 at 30 ms: both get 15 ms; equal credit, b waited longer. */
	sim.now = 3 * SLICE;
	assert_ptr_equal(sched_schedule(0, 3 * SLICE).next, &b.se);
	assert_int_equal(sched_entity_get_stats(&a.se).runtime_ns, 3 * SLICE);
	/* A boosted (woken) entity waiting makes the tick ask for the CPU. */
	tent_setup(&c, "c");
	assert_int_equal(sched_add(&c.se, &g, 0, sim.now, NULL), 0);
	sched_block(&c.se, sim.now, NULL);
	assert_false(sched_tick(0, 3 * SLICE + 1 * MS));
	assert_int_equal(sched_wake(&c.se, 3 * SLICE + 2 * MS, NULL), 1);
	assert_true(sched_tick(0, 3 * SLICE + 2 * MS));
	/* A blocked current entity wants out at once, and is charged. */
	sched_block(&b.se, 3 * SLICE + 3 * MS, NULL);
	assert_true(sched_tick(0, 3 * SLICE + 3 * MS));
	assert_int_equal(sched_entity_get_stats(&b.se).runtime_ns, 3 * MS);
	sim.now = 3 * SLICE + 3 * MS;
	assert_ptr_equal(sched_schedule(0, sim.now).next, &c.se);
	assert_int_equal(sched_entity_state(&b.se), SCHED_BLOCKED);
	assert_int_equal(sched_entity_state(&a.se), SCHED_RUNNABLE);
	assert_int_equal(sched_queued(0), 1);
}

/* A queued entity whose new affinity excludes its CPU moves at once; time
 * running backwards (a caller bug) charges nothing; sched_init forgets. */
static void test_affinity_moves_queued_and_clock_skew(void **state)
{
	sim_start(2, NULL);
	struct sched_group g;
	assert_int_equal(sched_group_init(&g, "vm", 0, 0), 0);
	struct tent a, b, c;
	add(&a, "a", &g, 1);
	add(&b, "b", &g, 1);
	add(&c, "c", &g, 2);
	sim.now = 0;
	assert_ptr_equal(sched_schedule(0, 0).next, &a.se);
	assert_int_equal(sched_queued(0), 1);                 /* b waits on CPU 0 */
	uint64_t kick = 0;
	assert_int_equal(sched_set_affinity(&b.se, 2, 1 * MS, &kick), 0);
	assert_int_equal(sched_queued(0), 0);
	assert_int_equal(sched_queued(1), 2);                 /* with c, on CPU 1 */
	assert_int_equal(sched_entity_get_stats(&b.se).nr_migrations, 1);
	/* Clock going backwards: no negative (huge) runtime. */
	assert_false(sched_tick(0, 5 * MS));
	assert_false(sched_tick(0, 2 * MS));
	assert_int_equal(sched_entity_get_stats(&a.se).runtime_ns, 5 * MS);
	/* Two wakes at once on a busy CPU: both run within two slices. */
	sim.now = 6 * MS;
	sim_run_until(100 * MS);
	kick = 0;
	sched_block(&b.se, sim.now, &kick);
	sched_block(&c.se, sim.now, &kick);
	sim_kick(kick);
	sim_run_until(200 * MS);
	b.first_run_after = c.first_run_after = sim.now;
	b.first_run = c.first_run = NEVER;
	uint64_t woke = sim.now;
	kick = 0;
	sched_set_affinity(&b.se, 1, sim.now, NULL);
	sched_set_affinity(&c.se, 1, sim.now, NULL);
	assert_int_equal(sched_wake(&b.se, sim.now, &kick), 1);
	sched_wake(&c.se, sim.now, &kick);
	sim_kick(kick);
	sim_run_until(sim.now + 3 * SLICE);
	assert_true(b.first_run - woke <= 2 * SLICE);
	assert_true(c.first_run - woke <= 2 * SLICE);
	/* Re-initialising forgets everything. */
	assert_int_equal(sched_init(2, NULL, 0), 0);
	assert_int_equal(sched_queued(0) + sched_queued(1), 0);
	assert_null(sched_current(0));
}

/* ------------------------------------------------------------ round robin */

static struct tent *rr_order[64];
static unsigned rr_n;
static void hook_in_record(struct sched_entity *se, unsigned cpu)
{
	hook_in(se, cpu);
	if (rr_n < 64)
		rr_order[rr_n++] = tent_of(se);
}

static void test_rr_policy_ignores_weights(void **state)
{
	sim_start(1, &sched_policy_rr);
	struct sched_group g[3];
	struct tent t[3];
	const char *names[3] = { "w1", "w2", "w4" };
	rr_n = 0;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sched_group_init(&g[i], names[i], 1u << i, 0), 0);
		tent_setup(&t[i], names[i]);
		t[i].se.switch_in = hook_in_record;
		assert_int_equal(sched_add(&t[i].se, &g[i], 0, 0, NULL), 0);
	}
	sim_run_slices(3000);
	for (int i = 0; i < 3; i++)
		check_share(names[i], (double)ran_now(&t[i]) / (double)sim.now, 1.0 / 3, 0.01);
	/* Strict rotation. */
	for (unsigned k = 3; k < rr_n; k++)
		assert_ptr_equal(rr_order[k], rr_order[k - 3]);
	assert_true(rr_order[0] != rr_order[1] && rr_order[1] != rr_order[2] &&
		    rr_order[0] != rr_order[2]);
}

static void test_rr_policy_balances_and_caps(void **state)
{
	sim_start(2, &sched_policy_rr);
	struct sched_group g, capped;
	assert_int_equal(sched_group_init(&g, "vm", 0, 0), 0);
	assert_int_equal(sched_group_init(&capped, "capped", 0, 10), 0);
	struct tent t[4], c;
	for (int i = 0; i < 4; i++)
		add(&t[i], "t", &g, i == 0 ? 1 : 0);   /* t0 pinned to CPU 0 */
	add(&c, "capped", &capped, 0);
	sim_run_slices(20000);
	assert_int_equal(t[0].cpus_seen, 1);
	double cs = (double)ran_now(&c) / (double)sim.now;
	printf("    rr: capped 10%%: %.4f\n", cs);
	assert_true(cs <= 0.101 && cs >= 0.09);
	/* Work-conserving: both CPUs busy all the time. Counting balance keeps
	 * queue lengths within one of each other, so with five entities on two
	 * CPUs each uncapped one gets between 1/3 and 1/2 of a CPU. */
	uint64_t busy = ran_now(&c);
	for (int i = 0; i < 4; i++) {
		double s = (double)ran_now(&t[i]) / (double)sim.now;
		printf("    rr: t%d %.4f of one CPU\n", i, s);
		assert_true(s >= 1.0 / 3 - 0.01 && s <= 0.5 + 0.01);
		busy += ran_now(&t[i]);
	}
	assert_true(busy >= 2 * sim.now - 2 * SLICE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_arguments),
		cmocka_unit_test(test_group_and_entity_errors),
		cmocka_unit_test(test_weights_1_2_4_one_cpu),
		cmocka_unit_test(test_weights_two_cpus_more_entities),
		cmocka_unit_test(test_weights_two_cpus_water_filling),
		cmocka_unit_test(test_affinity_holds_under_balancing),
		cmocka_unit_test(test_affinity_all_pinned_idle_cpu),
		cmocka_unit_test(test_cap_holds_with_idle_cpus),
		cmocka_unit_test(test_cap_shared_by_entities_on_two_cpus),
		cmocka_unit_test(test_woken_entity_runs_within_one_slice),
		cmocka_unit_test(test_blocked_entity_hoards_no_credit),
		cmocka_unit_test(test_paused_group_does_not_run),
		cmocka_unit_test(test_idle_cpu_returns_null),
		cmocka_unit_test(test_weights_six_groups_two_cpus_late_runs),
		cmocka_unit_test(test_no_starvation),
		cmocka_unit_test(test_tick_decides_preemption),
		cmocka_unit_test(test_affinity_moves_queued_and_clock_skew),
		cmocka_unit_test(test_rr_policy_ignores_weights),
		cmocka_unit_test(test_rr_policy_balances_and_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
