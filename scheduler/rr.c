/* rr.c - round robin: every runnable entity gets one slice in turn,
 * weights ignored (caps and affinity still hold: the core enforces them).
 * Deliberately small; it is the second implementation of the ops table, so
 * the table is a real interface and not one policy's internals. Balancing
 * evens out the number of entities per CPU. */
#include "sched_internal.h"

static void rr_init_entity(struct sched_entity *se)
{
	se->pol.rr.rounds = 0;
}

static void rr_enqueue(struct sched_rq *rq, struct sched_entity *se, enum sched_enqueue_why why)
{
	slist_add_tail(&rq->queue, &se->rq_link);
}

/* The first queued entity that may run here: the one that waited longest. */
static struct sched_entity *rr_pick_next(struct sched_rq *rq, uint64_t now)
{
	slist_for_each(l, &rq->queue) {
		struct sched_entity *se = se_of_rq_link(l);
		if (sched_can_run(se, rq->cpu)) {
			se->pol.rr.rounds++;
			return se;
		}
	}
	return NULL;
}

static void rr_account(struct sched_rq *rq, struct sched_entity *se, uint64_t ran_ns)
{
}

/* Waking never preempts a running entity (an idle CPU is kicked by the core). */
static bool rr_wake_preempts(struct sched_rq *rq, struct sched_entity *woken)
{
	return false;
}

/* Entities on rq (queued, plus the current one if it stays runnable). */
static unsigned rr_load(const struct sched_rq *rq)
{
	const struct sched_entity *curr = READ_ONCE(rq->curr);
	bool stays = curr && !curr->blocked && !curr->group->paused &&
		     (curr->affinity & BIT(rq->cpu));
	return READ_ONCE(rq->nr_queued) + (stays ? 1 : 0);
}

/* Pull one entity from a CPU that has at least two more than this one. */
static void rr_balance(struct sched_rq *rq, uint64_t now)
{
	unsigned cpu = rq->cpu;
	for (unsigned i = 1; i < sched_core.ncpus; i++) {
		unsigned c = (cpu + i) % sched_core.ncpus;
		struct sched_rq *src = &sched_core.rq[c];
		if (READ_ONCE(src->nr_queued) == 0)
			continue;
		sched_rq_lock_pair(cpu, c);
		struct sched_entity *moved = NULL;
		if (rr_load(src) >= rr_load(rq) + 2 || (rr_load(rq) == 0 && src->nr_queued)) {
			slist_for_each(l, &src->queue) {
				struct sched_entity *se = se_of_rq_link(l);
				if (sched_can_run(se, cpu)) {
					moved = se;
					break;
				}
			}
			if (moved)
				sched_migrate_locked(rq, src, moved, now);
		}
		sched_rq_unlock_pair(cpu, c);
		if (moved)
			return;
	}
}

const struct sched_policy_ops sched_policy_rr = {
	.name = "rr",
	.init_entity = rr_init_entity,
	.enqueue = rr_enqueue,
	.pick_next = rr_pick_next,
	.account = rr_account,
	.wake_preempts = rr_wake_preempts,
	.balance = rr_balance,
};
