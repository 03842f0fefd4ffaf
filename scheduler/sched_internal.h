/* sched_internal.h - what the scheduler core (sched.c) shares with its
 * policies (credit.c, rr.c): run queues, the policy ops table, list and
 * lock helpers. Nothing outside scheduler/ includes this.
 *
 * Lock order (outermost first), the same in every path:
 *   1. sched_core.lock          entity/group membership, accounting period
 *   2. rq[a].lock, rq[b].lock   run queues, always in ascending CPU number
 *   3. group->budget_lock       a group's cap budget
 * An entity's state, queue links, cpu and policy fields are protected by the
 * lock of rq[se->cpu]; se->cpu changes only with both the old and the new
 * run queue locked. Credits are also updated by the period refill (which
 * holds only lock 1), so they are read and written atomically. */
#ifndef SCHEDULER_SCHED_INTERNAL_H
#define SCHEDULER_SCHED_INTERNAL_H

#include <plinth/sched.h>
#include <plinth/panic.h>

/* ---- locks ---- */
#ifdef PLINTH_HOST_TEST
static inline void sched_lock(sched_lock_t *l)
{
	if (l->held)
		panic("sched: lock %p taken twice", (void *)l);
	l->held = 1;
}
static inline void sched_unlock(sched_lock_t *l)
{
	if (!l->held)
		panic("sched: lock %p released while free", (void *)l);
	l->held = 0;
}
static inline void sched_lock_init(sched_lock_t *l) { l->held = 0; }
static inline bool sched_lock_held(const sched_lock_t *l) { return l->held != 0; }
#else
static inline void sched_lock(sched_lock_t *l)
{
	uint64_t f = spin_lock_irqsave(&l->spin);
	l->flags = f;
}
static inline void sched_unlock(sched_lock_t *l)
{
	uint64_t f = l->flags;
	spin_unlock_irqrestore(&l->spin, f);
}
static inline void sched_lock_init(sched_lock_t *l)
{
	l->spin = (spinlock_t)SPINLOCK_INIT;
	l->flags = 0;
}
static inline bool sched_lock_held(const sched_lock_t *l)
{
	return l->spin.next != l->spin.owner;
}
#endif

/* ---- lists ---- */
static inline void slist_init(struct sched_link *h) { h->prev = h->next = h; }
static inline bool slist_empty(const struct sched_link *h) { return h->next == h; }
static inline void slist_insert_before(struct sched_link *pos, struct sched_link *n)
{
	n->prev = pos->prev;
	n->next = pos;
	pos->prev->next = n;
	pos->prev = n;
}
static inline void slist_add_tail(struct sched_link *h, struct sched_link *n)
{
	slist_insert_before(h, n);
}
static inline void slist_del(struct sched_link *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}
#define slist_for_each(pos, head) \
	for (struct sched_link *pos = (head)->next; pos != (head); pos = pos->next)
#define se_of_rq_link(l)    container_of(l, struct sched_entity, rq_link)
#define se_of_all_link(l)   container_of(l, struct sched_entity, all_link)
#define se_of_group_link(l) container_of(l, struct sched_entity, group_link)

/* ---- run queues ---- */
struct sched_rq {
	sched_lock_t lock;
	unsigned cpu;
	struct sched_entity *curr;   /* running entity, NULL when idle */
	uint64_t run_start;          /* when curr was switched in (or continued) */
	uint64_t charged_to;         /* curr has been charged up to this time */
	uint64_t slice_end;          /* curr's slice ends here */
	uint64_t idle_since;         /* valid while curr == NULL */
	uint64_t idle_ns;
	struct sched_link queue;     /* RUNNABLE entities waiting here */
	unsigned nr_queued;
};

/* Why an entity joins a run queue. */
enum sched_enqueue_why {
	SCHED_ENQ_NEW,               /* sched_add / resume */
	SCHED_ENQ_WAKE,              /* sched_wake */
	SCHED_ENQ_PREEMPT,           /* it was running and still is runnable */
	SCHED_ENQ_MIGRATE,           /* moved from another run queue */
};

/* A scheduling policy. Every hook except balance and new_period is called
 * with the run queue locked; the core owns the queue list (membership,
 * se->queued) and the policy decides the order and the choice. */
struct sched_policy_ops {
	const char *name;
	/* A new entity (sched_add): initialise se->pol. */
	void (*init_entity)(struct sched_entity *se);
	/* Link se into rq->queue where the policy wants it (the core sets
	 * se->queued and counts); why says where it came from. */
	void (*enqueue)(struct sched_rq *rq, struct sched_entity *se, enum sched_enqueue_why why);
	/* The queued entity to run next on rq->cpu, NULL for none. Only
	 * entities for which sched_can_run(se, rq->cpu) holds may be chosen. */
	struct sched_entity *(*pick_next)(struct sched_rq *rq, uint64_t now);
	/* se ran ran_ns since it was last charged. */
	void (*account)(struct sched_rq *rq, struct sched_entity *se, uint64_t ran_ns);
	/* se was just woken onto rq: should rq->curr be preempted for it? */
	bool (*wake_preempts)(struct sched_rq *rq, struct sched_entity *woken);
	/* Tick: should rq->curr give way before its slice ends? */
	bool (*tick_preempts)(struct sched_rq *rq, uint64_t now);
	/* No locks held: pull work from other run queues to rq (respecting
	 * affinity, through sched_migrate_locked). */
	void (*balance)(struct sched_rq *rq, uint64_t now);
	/* A new accounting period begins; sched_core.lock held. */
	void (*new_period)(uint64_t now);
};

struct sched_core {
	sched_lock_t lock;
	const struct sched_policy_ops *ops;
	unsigned ncpus;
	uint64_t online;             /* mask of the ncpus CPUs */
	uint64_t slice_ns;
	uint64_t period_ns;
	uint64_t next_period;        /* start of the next accounting period */
	uint64_t period_seq;         /* number of the current accounting period */
	struct sched_link entities;  /* every added entity, through all_link */
	struct sched_link groups;    /* every group with entities, through all_link */
	unsigned nr_entities;
	struct sched_rq rq[SCHED_MAX_CPUS];
};

extern struct sched_core sched_core;

/* May se run on cpu now: allowed by its affinity and its group has cap
 * budget left in this period. */
bool sched_can_run(const struct sched_entity *se, unsigned cpu);
/* Lock two run queues in the lock order (a == b locks one). */
void sched_rq_lock_pair(unsigned a, unsigned b);
void sched_rq_unlock_pair(unsigned a, unsigned b);
/* Move se, queued on src, to dst's queue (both locked by the caller;
 * se must be allowed on dst->cpu). */
void sched_migrate_locked(struct sched_rq *dst, struct sched_rq *src, struct sched_entity *se,
			  uint64_t now);
/* True if se is runnable (queued or running): it takes part in sharing. */
static inline bool sched_is_active(const struct sched_entity *se)
{
	return se->state == SCHED_RUNNABLE || se->state == SCHED_RUNNING;
}

#endif
