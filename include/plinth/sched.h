/* sched.h - the scheduler (scheduler/): policy apart from mechanism.
 *
 * The scheduler knows only an opaque schedulable entity (struct
 * sched_entity), embedded by its owner (the vCPU) and recovered with
 * container_of. The owner supplies two hooks: switch_in(se, cpu) runs when
 * the entity starts running on a CPU (the vCPU loads its VMCS/VMCB there),
 * switch_out(se, cpu) when it stops (VMCLEAR before another CPU may load
 * it). Entities belong to a group (the VM) that carries the weight and the
 * cap shared by its entities. The policy (who runs next, for how long) is a
 * const ops table picked at sched_init: "credit" (weighted fair share, the
 * default) or "rr" (round robin, weights ignored).
 *
 * Nothing here knows about VMX, SVM, timers or IPIs: time is passed in by
 * the caller (nanoseconds, monotonic, one clock for all CPUs), and every
 * call that needs another CPU to reschedule reports it in a kick mask
 * (bit n = send CPU n a reschedule IPI; for the calling CPU itself, call
 * sched_schedule). See docs/scheduler.md for the algorithm, the lock order
 * and the starvation bound. */
#ifndef PLINTH_SCHED_H
#define PLINTH_SCHED_H

#include <plinth/compiler.h>

#define SCHED_MAX_CPUS        64          /* = MAX_CPUS: one bit each in an affinity mask */
#define SCHED_WEIGHT_DEFAULT  256
#define SCHED_WEIGHT_MAX      65535
#define SCHED_SLICE_DEFAULT_NS (10ULL * 1000 * 1000)
#define SCHED_SLICE_MIN_NS    (100ULL * 1000)          /* 100 us */
#define SCHED_SLICE_MAX_NS    (1000ULL * 1000 * 1000)  /* 1 s */
#define SCHED_PERIOD_SLICES   3   /* accounting period (credit refill, cap budget) = 3 slices */

/* The lock abstraction: a ticket spinlock with interrupts off in the
 * kernel; in single-threaded host tests a flag that catches recursion (a
 * lock taken twice is a bug the tests must see, not a hang). */
#ifdef PLINTH_HOST_TEST
typedef struct {
	int held;
} sched_lock_t;
#else
#include <plinth/spinlock.h>
typedef struct {
	spinlock_t spin;
	uint64_t flags;          /* interrupt flag of the holder, restored on unlock */
} sched_lock_t;
#endif

/* An intrusive circular doubly-linked list node. */
struct sched_link {
	struct sched_link *prev, *next;
};

enum sched_state {
	SCHED_UNUSED = 0,        /* never added (or zeroed) */
	SCHED_RUNNABLE,          /* on a run queue, waiting for a CPU */
	SCHED_RUNNING,           /* the current entity of se->cpu */
	SCHED_BLOCKED,           /* off the run queues until sched_wake (HLT) */
	SCHED_PAUSED,            /* its group is paused: off the run queues */
	SCHED_DEAD,              /* removed (sched_remove) */
};

/* Per-entity statistics (for `vcpu list`). Times in ns. */
struct sched_entity_stats {
	uint64_t runtime_ns;     /* total time run */
	uint64_t wait_ns;        /* total time runnable but queued */
	uint64_t max_wait_ns;    /* longest single wait on a run queue */
	uint64_t nr_runs;        /* switch-ins */
	uint64_t nr_wakeups;
	uint64_t nr_migrations;  /* moves between run queues */
};

/* A schedulable entity. The owner sets name, switch_in, switch_out and
 * owner-only fields before sched_add; everything else belongs to the
 * scheduler (read it only through the accessors below). */
struct sched_entity {
	const char *name;        /* for messages and statistics; may be NULL */
	/* Hooks, called with the entity's run-queue lock held: they must be
	 * short and must not call back into the scheduler. Either may be NULL. */
	void (*switch_in)(struct sched_entity *se, unsigned cpu);
	void (*switch_out)(struct sched_entity *se, unsigned cpu);

	/* ---- scheduler-private from here ---- */
	enum sched_state state;
	bool blocked;            /* the owner asked to sleep; wake clears it */
	bool queued;             /* linked on rq_link into rq[cpu].queue */
	struct sched_group *group;
	uint64_t affinity;       /* hard affinity: allowed CPUs (never 0 once added) */
	unsigned cpu;            /* the CPU it runs on / is queued on / last ran on */
	struct sched_link rq_link;
	struct sched_link group_link;
	struct sched_link all_link;
	uint64_t queued_at;      /* when it last joined a run queue */
	uint64_t cap_claim_ns;   /* group cap budget reserved for the current run */
	struct sched_entity_stats stats;
	union {                  /* policy-private state */
		struct {
			int64_t credit;          /* ns of CPU time it may still use; bounded */
			int64_t entitlement;     /* ns per period, from the last refill */
			bool boost;              /* woken: runs ahead of others once */
			bool saturated;          /* scratch for the refill computation */
		} credit;
		struct {
			uint64_t rounds;         /* times it reached the queue head */
		} rr;
	} pol;
};

/* A group of entities (a VM): weight and cap apply to the group as a whole
 * and are shared by its active (runnable or running) entities. */
struct sched_group {
	const char *name;
	uint32_t weight;         /* 1..SCHED_WEIGHT_MAX, default SCHED_WEIGHT_DEFAULT */
	uint32_t cap_pct;        /* max % of one CPU (summed over entities), 0 = none */
	bool paused;
	unsigned nr_entities;
	struct sched_link members;   /* its entities, through group_link */
	sched_lock_t budget_lock;    /* innermost: protects the cap_* fields */
	uint64_t cap_used_ns;        /* run in the current period (carries overshoot) */
	uint64_t cap_claimed_ns;     /* reserved by entities running now */
	uint64_t cap_period_seq;     /* accounting period the cap_* fields belong to */
	uint64_t runtime_ns;         /* total, all entities (statistics) */
	struct sched_link all_link;  /* in the scheduler's list of groups with entities */
	/* scratch of the policy's per-period refill (under the scheduler lock) */
	unsigned acct_active;        /* active entities */
	bool acct_saturated;         /* share limited by its maximum */
	uint64_t acct_share_ns;      /* entitlement of the whole group */
};

/* What the caller of sched_schedule does next. */
struct sched_decision {
	struct sched_entity *next;   /* run this; NULL: idle (halt) */
	uint64_t slice_ns;           /* call sched_schedule again after this long;
					0 with next == NULL: halt until an interrupt */
	uint64_t kick;               /* CPUs to send a reschedule IPI */
};

struct sched_policy_ops;
extern const struct sched_policy_ops sched_policy_credit;   /* the default */
extern const struct sched_policy_ops sched_policy_rr;

/* Reset the scheduler: ncpus run queues (1..SCHED_MAX_CPUS), the given
 * policy (NULL = credit), slice length slice_ns (0 = default). Forgets every
 * entity and group previously added. 0 or -EINVAL (logged). */
int sched_init(unsigned ncpus, const struct sched_policy_ops *policy, uint64_t slice_ns);
/* The policy's name ("credit", "rr"); NULL before sched_init. */
const char *sched_policy_name(void);
uint64_t sched_slice_ns(void);
uint64_t sched_period_ns(void);

/* Prepare a group: weight 1..65535 (0 = default), cap 0..100*ncpus percent.
 * 0 or -EINVAL (logged). The group must outlive its entities. */
int sched_group_init(struct sched_group *g, const char *name, uint32_t weight, uint32_t cap_pct);
int sched_set_weight(struct sched_group *g, uint32_t weight);
int sched_set_cap(struct sched_group *g, uint32_t cap_pct);
/* Take the group's entities off the run queues (running ones stop at their
 * CPU's next sched_schedule: those CPUs are set in *kick). */
int sched_pause_group(struct sched_group *g, uint64_t now, uint64_t *kick);
/* Put them back (blocked ones stay blocked). Idle CPUs that could run them
 * are set in *kick. */
int sched_resume_group(struct sched_group *g, uint64_t now, uint64_t *kick);

/* Add an entity to group g, allowed on the CPUs in affinity (0 = all),
 * runnable at once (paused if g is). 0, -EINVAL or -EEXIST (logged). */
int sched_add(struct sched_entity *se, struct sched_group *g, uint64_t affinity, uint64_t now,
	      uint64_t *kick);
/* Remove an entity that is not running (block or pause it and let its CPU
 * reschedule first). 0, -EINVAL, or -EBUSY while it is running. */
int sched_remove(struct sched_entity *se);
/* The entity sleeps (HLT) until sched_wake. If it is running, its CPU must
 * reschedule (set in *kick). Returns 1 if a reschedule is needed, 0 if not,
 * -EINVAL. Blocked entities earn no credit and accrue no runtime. */
int sched_block(struct sched_entity *se, uint64_t now, uint64_t *kick);
/* Wake a blocked entity (a virtual interrupt arrived). It is placed on an
 * allowed CPU (preferring an idle one) and given a one-time boost so that
 * it runs within one slice. Returns 1 if the CPU set in *kick should
 * preempt what it runs (or leave idle), 0 if not (also when the entity was
 * not blocked: waking is idempotent), -EINVAL. */
int sched_wake(struct sched_entity *se, uint64_t now, uint64_t *kick);
/* Change hard affinity (mask & online CPUs must not be empty). A queued
 * entity moves at once; a running one at its CPU's next reschedule (set in
 * *kick). 0 or -EINVAL. */
int sched_set_affinity(struct sched_entity *se, uint64_t affinity, uint64_t now, uint64_t *kick);

/* Timer tick on cpu: charge the running entity up to now and say whether
 * the caller should call sched_schedule (slice over, cap budget spent, or a
 * more deserving entity waits). */
bool sched_tick(unsigned cpu, uint64_t now);
/* Pick what cpu runs next; calls prev->switch_out and next->switch_in when
 * they differ. */
struct sched_decision sched_schedule(unsigned cpu, uint64_t now);

/* Accessors for statistics and tests. */
enum sched_state sched_entity_state(const struct sched_entity *se);
struct sched_entity_stats sched_entity_get_stats(const struct sched_entity *se);
uint64_t sched_group_runtime(const struct sched_group *g);
/* The CPU se runs on, is queued on, or last ran on. */
unsigned sched_entity_cpu(const struct sched_entity *se);
/* The entity running on cpu, NULL if idle or cpu is out of range. */
struct sched_entity *sched_current(unsigned cpu);
/* Entities queued (waiting, not running) on cpu. */
unsigned sched_queued(unsigned cpu);
/* Idle time of cpu in ns (time with no entity, up to its last schedule). */
uint64_t sched_idle_ns(unsigned cpu);
const char *sched_state_name(enum sched_state st);

#endif
