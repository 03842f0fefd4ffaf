/* credit.c - the default policy: weighted fair share by credits (in the
 * manner of Xen's credit scheduler, our own code and rules).
 *
 * Every accounting period (SCHED_PERIOD_SLICES slices) the CPU time of the
 * period on all CPUs is divided among the active (runnable or running)
 * entities: first among groups in proportion to their weights, by water
 * filling so that no group is given more than its entities can use (one CPU
 * per entity) or its cap allows, the excess going to the other groups; then
 * equally among a group's active entities. Each entity's share (its
 * entitlement) is added to its credit; running subtracts the time run.
 * Credit stays within +-credit_bound(): an entity cannot hoard credit (it
 * earns none while blocked or paused) nor sink into unbounded debt.
 *
 * pick_next runs the queued entity with the most credit (woken entities
 * with a boost first, longest waiting on ties). A CPU whose best local work
 * is out of credit (or that has none) steals a queued entity that still has
 * credit from another CPU (affinity permitting): per-CPU queues, yet the
 * entitled entities run first machine-wide. Time is in ns throughout. */
#include <plinth/log.h>

#include "sched_internal.h"

#define group_of_all_link(l) container_of(l, struct sched_group, all_link)

/* Credit is bounded by one period of one CPU plus one slice. */
static int64_t credit_bound(void)
{
	return (int64_t)(sched_core.period_ns + sched_core.slice_ns);
}

static int64_t credit_of(const struct sched_entity *se)
{
	return __atomic_load_n(&se->pol.credit.credit, __ATOMIC_RELAXED);
}

/* Add delta to se's credit, clamped to the bound. Atomic: the refill
 * (under the core lock) races with charging (under the run-queue lock). */
static void credit_add(struct sched_entity *se, int64_t delta)
{
	int64_t bound = credit_bound();
	int64_t old = credit_of(se), val;
	do {
		val = old + delta;
		val = val > bound ? bound : val < -bound ? -bound : val;
	} while (!__atomic_compare_exchange_n(&se->pol.credit.credit, &old, val, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

/* The key pick_next maximises: boosted first, then credit. */
static int64_t rank_of(const struct sched_entity *se)
{
	return se->pol.credit.boost ? INT64_MAX : credit_of(se);
}

/* Should a run ahead of b (b may be NULL)? */
static bool runs_before(const struct sched_entity *a, const struct sched_entity *b)
{
	if (!b)
		return true;
	int64_t ra = rank_of(a), rb = rank_of(b);
	if (ra != rb)
		return ra > rb;
	return (int64_t)(a->queued_at - b->queued_at) < 0;
}

static void credit_init_entity(struct sched_entity *se)
{
	se->pol.credit.credit = 0;
	se->pol.credit.entitlement = 0;
	se->pol.credit.boost = false;
}

/* A woken entity is boosted unless it is more than a slice in debt: it
 * then runs within one slice, while an entity that wakes often only to
 * burn CPU loses the boost once its credit is spent. */
static void credit_enqueue(struct sched_rq *rq, struct sched_entity *se, enum sched_enqueue_why why)
{
	if (why == SCHED_ENQ_WAKE)
		se->pol.credit.boost = credit_of(se) > -(int64_t)sched_core.slice_ns;
	else if (why != SCHED_ENQ_MIGRATE)
		se->pol.credit.boost = false;
	slist_add_tail(&rq->queue, &se->rq_link);
}

static struct sched_entity *credit_pick_next(struct sched_rq *rq, uint64_t now)
{
	struct sched_entity *best = NULL;
	slist_for_each(l, &rq->queue) {
		struct sched_entity *se = se_of_rq_link(l);
		if (sched_can_run(se, rq->cpu) && runs_before(se, best))
			best = se;
	}
	return best;
}

static void credit_account(struct sched_rq *rq, struct sched_entity *se, uint64_t ran_ns)
{
	if (ran_ns)
		credit_add(se, -(int64_t)MIN(ran_ns, (uint64_t)INT64_MAX));
}

static bool credit_wake_preempts(struct sched_rq *rq, struct sched_entity *woken)
{
	return woken->pol.credit.boost && (!rq->curr || !rq->curr->pol.credit.boost);
}

/* Give way early when out of credit while entitled (or boosted) work waits. */
static bool credit_tick_preempts(struct sched_rq *rq, uint64_t now)
{
	struct sched_entity *curr = rq->curr;
	if (curr->pol.credit.boost)
		return false;
	bool curr_over = credit_of(curr) <= 0;
	slist_for_each(l, &rq->queue) {
		struct sched_entity *se = se_of_rq_link(l);
		if (!sched_can_run(se, rq->cpu))
			continue;
		if (se->pol.credit.boost || (curr_over && credit_of(se) > 0))
			return true;
	}
	return false;
}

/* Steal from other CPUs: an entity with more than a slice more credit
 * than the best here, one with positive credit when nothing here has any,
 * or anything at all when this CPU would idle. One entity per call. */
static void credit_balance(struct sched_rq *rq, uint64_t now)
{
	unsigned cpu = rq->cpu;
	bool has_local = false;
	int64_t local_best = INT64_MIN;

	sched_lock(&rq->lock);
	struct sched_entity *curr = rq->curr;
	if (curr && !curr->blocked && !curr->group->paused && sched_can_run(curr, cpu)) {
		has_local = true;
		local_best = credit_of(curr);
	}
	slist_for_each(l, &rq->queue) {
		struct sched_entity *se = se_of_rq_link(l);
		if (sched_can_run(se, cpu)) {
			has_local = true;
			local_best = MAX(local_best, rank_of(se));
		}
	}
	sched_unlock(&rq->lock);
	/* A queue whose best work is entitled steals only clearly more
	 * deserving work (by more than a slice of credit: no ping-pong); an
	 * entity out of credit gives way to any entitled one. Without the
	 * first rule, CPUs whose entities have too little weight for a whole
	 * CPU would run them into the debt bound while entitled ones wait on
	 * another CPU, and the clamps would even out the shares. */
	int64_t margin = (int64_t)sched_core.slice_ns;
	int64_t threshold = !has_local ? INT64_MIN
			    : local_best > 0 ? (local_best > INT64_MAX - margin ? INT64_MAX
								    : local_best + margin)
			    : 0;
	if (threshold == INT64_MAX)
		return;

	for (unsigned i = 1; i < sched_core.ncpus; i++) {
		unsigned c = (cpu + i) % sched_core.ncpus;
		struct sched_rq *src = &sched_core.rq[c];
		if (READ_ONCE(src->nr_queued) == 0)
			continue;
		sched_rq_lock_pair(cpu, c);
		struct sched_entity *cand = NULL;
		slist_for_each(l, &src->queue) {
			struct sched_entity *se = se_of_rq_link(l);
			if (!sched_can_run(se, cpu))
				continue;
			if (rank_of(se) <= threshold)
				continue;
			if (runs_before(se, cand))
				cand = se;
		}
		if (cand)
			sched_migrate_locked(rq, src, cand, now);
		sched_rq_unlock_pair(cpu, c);
		if (cand)
			return;
	}
}

/* The most a group can use in one period: one CPU per active entity,
 * and no more than its cap. */
static uint64_t group_max_ns(const struct sched_group *g)
{
	uint64_t max = (uint64_t)g->acct_active * sched_core.period_ns;
	if (g->cap_pct)
		max = MIN(max, (uint64_t)g->cap_pct * sched_core.period_ns / 100);
	return max;
}

/* Refill: divide ncpus * period among active groups by weight (water
 * filling against group_max_ns), then among each group's active entities.
 * Values stay below 2^54: period <= 3 s (< 2^32 ns), ncpus <= 64 and
 * weight < 2^16. */
static void credit_new_period(uint64_t now)
{
	slist_for_each(l, &sched_core.groups) {
		struct sched_group *g = group_of_all_link(l);
		g->acct_active = 0;
		g->acct_saturated = false;
		g->acct_share_ns = 0;
	}
	slist_for_each(l, &sched_core.entities) {
		struct sched_entity *se = se_of_all_link(l);
		if (sched_is_active(se))
			se->group->acct_active++;
	}

	uint64_t remaining = (uint64_t)sched_core.ncpus * sched_core.period_ns;
	for (;;) {
		uint64_t weights = 0;
		slist_for_each(l, &sched_core.groups) {
			struct sched_group *g = group_of_all_link(l);
			if (g->acct_active && !g->acct_saturated)
				weights += READ_ONCE(g->weight);
		}
		if (weights == 0)
			break;
		uint64_t taken = 0;
		bool saturated_any = false;
		slist_for_each(l, &sched_core.groups) {
			struct sched_group *g = group_of_all_link(l);
			if (!g->acct_active || g->acct_saturated)
				continue;
			uint64_t share = remaining * READ_ONCE(g->weight) / weights;
			uint64_t max = group_max_ns(g);
			if (share >= max) {
				g->acct_saturated = true;
				g->acct_share_ns = max;
				taken += max;
				saturated_any = true;
			} else {
				g->acct_share_ns = share;
			}
		}
		if (!saturated_any)
			break;
		/* Shares of the saturated groups were each <= their proportional
		 * share of remaining, so this cannot underflow. */
		remaining -= taken;
	}

	slist_for_each(l, &sched_core.entities) {
		struct sched_entity *se = se_of_all_link(l);
		if (!sched_is_active(se))
			continue;
		/* At least 1 ns, so that every active entity's credit rises and the
		 * starvation bound (docs/scheduler.md) is finite. */
		/* Entity states change under run-queue locks, not the core lock:
		 * one woken on another CPU between the two passes was not counted
		 * (its group may count 0). It gets the minimum until the next
		 * period rather than a division by zero. */
		uint32_t counted = se->group->acct_active;
		int64_t e = counted ? (int64_t)(se->group->acct_share_ns / counted) : 0;
		if (e == 0)
			e = 1;
		se->pol.credit.entitlement = e;
		credit_add(se, e);
	}
}

const struct sched_policy_ops sched_policy_credit = {
	.name = "credit",
	.init_entity = credit_init_entity,
	.enqueue = credit_enqueue,
	.pick_next = credit_pick_next,
	.account = credit_account,
	.wake_preempts = credit_wake_preempts,
	.tick_preempts = credit_tick_preempts,
	.balance = credit_balance,
	.new_period = credit_new_period,
};
