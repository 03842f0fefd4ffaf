/* sched.c - the scheduler core: per-CPU run queues, entity states,
 * block/wake/pause, affinity, caps, statistics, and the schedule/tick entry
 * points. Which entity runs next is the policy's decision (ops table,
 * credit.c / rr.c); this file is the mechanism around it and never knows
 * what the entities are (vCPUs load their VMCS in their switch_in hook).
 *
 * An entity is in exactly one of these places, all under the lock of
 * rq[se->cpu]: queued on rq[se->cpu].queue (RUNNABLE), current on
 * rq[se->cpu] (RUNNING), or off every queue (BLOCKED, PAUSED, DEAD, or
 * briefly RUNNABLE while it is moved by place_entity). Lock order: see
 * sched_internal.h. */
#include <plinth/log.h>
#include <plinth/string.h>

#include "sched_internal.h"

struct sched_core sched_core;

#define NO_CPU (~0u)
#define group_of_all_link(l) container_of(l, struct sched_group, all_link)

static inline struct sched_rq *rq_of(unsigned cpu) { return &sched_core.rq[cpu]; }

/* ------------------------------------------------------------ locking */

void sched_rq_lock_pair(unsigned a, unsigned b)
{
	if (a == b) {
		sched_lock(&rq_of(a)->lock);
		return;
	}
	sched_lock(&rq_of(MIN(a, b))->lock);
	sched_lock(&rq_of(MAX(a, b))->lock);
}

void sched_rq_unlock_pair(unsigned a, unsigned b)
{
	if (a == b) {
		sched_unlock(&rq_of(a)->lock);
		return;
	}
	sched_unlock(&rq_of(MAX(a, b))->lock);
	sched_unlock(&rq_of(MIN(a, b))->lock);
}

/* Lock the run queue se belongs to, and rq[other] too unless other is
 * NO_CPU; returns se's CPU. Retries when se moved while we waited (se->cpu
 * only changes with its run queue locked). */
static unsigned lock_entity(struct sched_entity *se, unsigned other)
{
	for (;;) {
		unsigned c = READ_ONCE(se->cpu);
		sched_rq_lock_pair(c, other == NO_CPU ? c : other);
		if (READ_ONCE(se->cpu) == c)
			return c;
		sched_rq_unlock_pair(c, other == NO_CPU ? c : other);
	}
}

static void unlock_entity(unsigned c, unsigned other)
{
	sched_rq_unlock_pair(c, other == NO_CPU ? c : other);
}

/* ------------------------------------------------------------ run queues */

static void rq_enqueue(struct sched_rq *rq, struct sched_entity *se, enum sched_enqueue_why why,
		       uint64_t now)
{
	BUG_ON(se->queued || se->cpu != rq->cpu || rq->curr == se);
	sched_core.ops->enqueue(rq, se, why);
	se->queued = true;
	se->state = SCHED_RUNNABLE;
	se->queued_at = now;
	rq->nr_queued++;
}

static void rq_dequeue(struct sched_rq *rq, struct sched_entity *se)
{
	BUG_ON(!se->queued || se->cpu != rq->cpu || rq->nr_queued == 0);
	slist_del(&se->rq_link);
	se->queued = false;
	rq->nr_queued--;
}

void sched_migrate_locked(struct sched_rq *dst, struct sched_rq *src, struct sched_entity *se,
			  uint64_t now)
{
	BUG_ON(!sched_lock_held(&dst->lock) || !sched_lock_held(&src->lock));
	BUG_ON(!(se->affinity & BIT(dst->cpu)));
	uint64_t since = se->queued_at;
	rq_dequeue(src, se);
	se->cpu = dst->cpu;
	se->stats.nr_migrations++;
	rq_enqueue(dst, se, SCHED_ENQ_MIGRATE, now);
	se->queued_at = since;    /* waiting continues: keep the wait statistics honest */
}

/* Where an entity that is neither queued nor running belongs: PAUSED wins
 * over BLOCKED so that a paused VM shows as paused. */
static enum sched_state off_cpu_state(const struct sched_entity *se)
{
	if (se->state == SCHED_DEAD)
		return SCHED_DEAD;
	if (se->group->paused)
		return SCHED_PAUSED;
	if (se->blocked)
		return SCHED_BLOCKED;
	return SCHED_RUNNABLE;
}

static bool rq_idle(const struct sched_rq *rq)
{
	return READ_ONCE(rq->curr) == NULL && READ_ONCE(rq->nr_queued) == 0;
}

/* A CPU for se (racy reads: a placement heuristic, the caller locks and
 * rechecks): prefer, if allowed and idle; else an allowed idle CPU; else
 * the allowed CPU with the fewest entities (prefer on ties). */
static unsigned select_cpu(const struct sched_entity *se, unsigned prefer)
{
	uint64_t allowed = READ_ONCE(se->affinity) & sched_core.online;
	if (prefer < sched_core.ncpus && (allowed & BIT(prefer)) && rq_idle(rq_of(prefer)))
		return prefer;
	unsigned best = NO_CPU, best_load = ~0u;
	for (unsigned c = 0; c < sched_core.ncpus; c++) {
		if (!(allowed & BIT(c)))
			continue;
		const struct sched_rq *rq = rq_of(c);
		unsigned load = READ_ONCE(rq->nr_queued) + (READ_ONCE(rq->curr) ? 1 : 0);
		if (load < best_load || (load == best_load && c == prefer)) {
			best = c;
			best_load = load;
		}
	}
	BUG_ON(best == NO_CPU);   /* affinity is never empty once added */
	return best;
}

/* Put an entity that is off every queue onto the best allowed run queue,
 * unless in the meantime it was queued, started running, died, blocked or
 * was paused (then only its state is settled). No locks held on entry.
 * Returns true, and sets the CPU in *kick, when that CPU should
 * reschedule. */
static bool place_entity(struct sched_entity *se, enum sched_enqueue_why why, uint64_t now,
			 uint64_t *kick)
{
	for (;;) {
		unsigned target = select_cpu(se, READ_ONCE(se->cpu));
		unsigned c = lock_entity(se, target);
		struct sched_rq *rq = rq_of(target);
		if (se->queued || rq_of(c)->curr == se || se->state == SCHED_DEAD) {
			unlock_entity(c, target);
			return false;
		}
		enum sched_state st = off_cpu_state(se);
		if (st != SCHED_RUNNABLE) {
			se->state = st;
			unlock_entity(c, target);
			return false;
		}
		if (!(se->affinity & BIT(target))) {   /* affinity changed under us */
			unlock_entity(c, target);
			continue;
		}
		if (target != c) {
			se->cpu = target;
			se->stats.nr_migrations++;
		}
		rq_enqueue(rq, se, why, now);
		bool resched = rq->curr == NULL ||
			       (why == SCHED_ENQ_WAKE && sched_core.ops->wake_preempts(rq, se));
		if (resched && kick)
			*kick |= BIT(target);
		unlock_entity(c, target);
		return resched;
	}
}

/* ------------------------------------------------------------ caps */

static uint64_t cap_budget_ns(const struct sched_group *g)
{
	return (uint64_t)g->cap_pct * sched_core.period_ns / 100;
}

bool sched_can_run(const struct sched_entity *se, unsigned cpu)
{
	if (!(se->affinity & BIT(cpu)))
		return false;
	const struct sched_group *g = se->group;
	if (READ_ONCE(g->cap_pct) == 0)
		return true;
	return READ_ONCE(g->cap_used_ns) + READ_ONCE(g->cap_claimed_ns) < cap_budget_ns(g);
}

/* Reserve cap budget for a run of at most *slice_ns, shortening the slice
 * to what is left. False if nothing is left (the entity stays parked).
 * Reserving before running keeps a group within its cap even when its
 * entities start on several CPUs at once. */
static bool cap_claim(struct sched_entity *se, uint64_t *slice_ns)
{
	struct sched_group *g = se->group;
	bool ok = true;
	se->cap_claim_ns = 0;
	sched_lock(&g->budget_lock);
	if (g->cap_pct) {
		uint64_t budget = cap_budget_ns(g), spent = g->cap_used_ns + g->cap_claimed_ns;
		if (spent >= budget) {
			ok = false;
		} else {
			*slice_ns = MIN(*slice_ns, budget - spent);
			g->cap_claimed_ns += *slice_ns;
			se->cap_claim_ns = *slice_ns;
		}
	}
	sched_unlock(&g->budget_lock);
	return ok;
}

/* Charge ran_ns of se's run to its group's budget; release_all also gives
 * back what is left of the reservation (the run is over). */
static void cap_charge(struct sched_entity *se, uint64_t ran_ns, bool release_all)
{
	struct sched_group *g = se->group;
	sched_lock(&g->budget_lock);
	g->runtime_ns += ran_ns;
	if (g->cap_pct || se->cap_claim_ns) {
		g->cap_used_ns += ran_ns;
		uint64_t give = release_all ? se->cap_claim_ns : MIN(ran_ns, se->cap_claim_ns);
		g->cap_claimed_ns -= MIN(give, g->cap_claimed_ns);
		se->cap_claim_ns -= give;
	}
	sched_unlock(&g->budget_lock);
}

/* Charge rq->curr for the time since it was last charged. rq locked. */
static void charge_current(struct sched_rq *rq, uint64_t now, bool release_all)
{
	struct sched_entity *se = rq->curr;
	uint64_t ran = now > rq->charged_to ? now - rq->charged_to : 0;
	rq->charged_to = MAX(now, rq->charged_to);
	se->stats.runtime_ns += ran;
	sched_core.ops->account(rq, se, ran);
	cap_charge(se, ran, release_all);
}

/* ------------------------------------------------------------ periods */

/* Start a new accounting period if now has reached it: caps get a fresh
 * budget (minus any overshoot of the last period) and the policy refills
 * (credit: entitlements). Call with no locks held. */
static void maybe_new_period(uint64_t now)
{
	if (now < READ_ONCE(sched_core.next_period))
		return;
	sched_lock(&sched_core.lock);
	if (now >= sched_core.next_period) {
		sched_core.next_period = (now / sched_core.period_ns + 1) * sched_core.period_ns;
		sched_core.period_seq++;
		slist_for_each(l, &sched_core.groups) {
			struct sched_group *g = group_of_all_link(l);
			sched_lock(&g->budget_lock);
			uint64_t budget = cap_budget_ns(g);
			g->cap_used_ns = g->cap_used_ns > budget ? g->cap_used_ns - budget : 0;
			g->cap_period_seq = sched_core.period_seq;
			sched_unlock(&g->budget_lock);
		}
		if (sched_core.ops->new_period)
			sched_core.ops->new_period(now);
	}
	sched_unlock(&sched_core.lock);
}

/* ------------------------------------------------------------ setup */

int sched_init(unsigned ncpus, const struct sched_policy_ops *policy, uint64_t slice_ns)
{
	if (ncpus == 0 || ncpus > SCHED_MAX_CPUS) {
		pr_err("sched: %u CPUs: must be 1..%u", ncpus, SCHED_MAX_CPUS);
		return -EINVAL;
	}
	if (slice_ns == 0)
		slice_ns = SCHED_SLICE_DEFAULT_NS;
	if (slice_ns < SCHED_SLICE_MIN_NS || slice_ns > SCHED_SLICE_MAX_NS) {
		pr_err("sched: slice %llu ns out of range %llu..%llu", (unsigned long long)slice_ns,
		       (unsigned long long)SCHED_SLICE_MIN_NS, (unsigned long long)SCHED_SLICE_MAX_NS);
		return -EINVAL;
	}
	if (!policy)
		policy = &sched_policy_credit;
	if (!policy->name || !policy->init_entity || !policy->enqueue || !policy->pick_next ||
	    !policy->account || !policy->wake_preempts) {
		pr_err("sched: policy %s lacks a required operation", policy->name ? policy->name : "?");
		return -EINVAL;
	}
	memset(&sched_core, 0, sizeof(sched_core));
	sched_lock_init(&sched_core.lock);
	sched_core.ops = policy;
	sched_core.ncpus = ncpus;
	sched_core.online = ncpus == 64 ? ~0ULL : BIT(ncpus) - 1;
	sched_core.slice_ns = slice_ns;
	sched_core.period_ns = slice_ns * SCHED_PERIOD_SLICES;
	sched_core.next_period = 0;   /* the first schedule/tick starts period 1 */
	slist_init(&sched_core.entities);
	slist_init(&sched_core.groups);
	for (unsigned c = 0; c < ncpus; c++) {
		struct sched_rq *rq = rq_of(c);
		sched_lock_init(&rq->lock);
		rq->cpu = c;
		slist_init(&rq->queue);
	}
	return 0;
}

const char *sched_policy_name(void) { return sched_core.ops ? sched_core.ops->name : NULL; }
uint64_t sched_slice_ns(void) { return sched_core.slice_ns; }
uint64_t sched_period_ns(void) { return sched_core.period_ns; }

static int check_cap(uint32_t cap_pct)
{
	if (cap_pct > 100u * SCHED_MAX_CPUS ||
	    (sched_core.ncpus && cap_pct > 100u * sched_core.ncpus)) {
		pr_err("sched: cap %u%% exceeds 100%% per CPU", cap_pct);
		return -EINVAL;
	}
	return 0;
}

int sched_group_init(struct sched_group *g, const char *name, uint32_t weight, uint32_t cap_pct)
{
	if (!g) {
		pr_err("sched: group_init without a group");
		return -EINVAL;
	}
	if (weight == 0)
		weight = SCHED_WEIGHT_DEFAULT;
	if (weight > SCHED_WEIGHT_MAX) {
		pr_err("sched: group %s: weight %u exceeds %u", name ? name : "?", weight,
		       SCHED_WEIGHT_MAX);
		return -EINVAL;
	}
	if (check_cap(cap_pct))
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	g->name = name;
	g->weight = weight;
	g->cap_pct = cap_pct;
	slist_init(&g->members);
	slist_init(&g->all_link);
	sched_lock_init(&g->budget_lock);
	return 0;
}

int sched_set_weight(struct sched_group *g, uint32_t weight)
{
	if (!g || weight == 0 || weight > SCHED_WEIGHT_MAX) {
		pr_err("sched: weight %u: must be 1..%u", weight, SCHED_WEIGHT_MAX);
		return -EINVAL;
	}
	WRITE_ONCE(g->weight, weight);   /* read by the next period's refill */
	return 0;
}

int sched_set_cap(struct sched_group *g, uint32_t cap_pct)
{
	if (!g) {
		pr_err("sched: set_cap without a group");
		return -EINVAL;
	}
	if (check_cap(cap_pct))
		return -EINVAL;
	sched_lock(&g->budget_lock);
	g->cap_pct = cap_pct;
	sched_unlock(&g->budget_lock);
	return 0;
}

static bool entity_added(const struct sched_entity *se)
{
	return se->state != SCHED_UNUSED && se->state != SCHED_DEAD;
}

int sched_add(struct sched_entity *se, struct sched_group *g, uint64_t affinity, uint64_t now,
	      uint64_t *kick)
{
	if (!se || !g || !sched_core.ops) {
		pr_err("sched: add: %s", !sched_core.ops ? "scheduler not initialised" :
		       "missing entity or group");
		return -EINVAL;
	}
	if (entity_added(se)) {
		pr_err("sched: entity %s added twice", se->name ? se->name : "?");
		return -EEXIST;
	}
	if (g->weight == 0 || g->members.next == NULL) {
		pr_err("sched: entity %s: group not initialised", se->name ? se->name : "?");
		return -EINVAL;
	}
	uint64_t allowed = (affinity ? affinity : sched_core.online) & sched_core.online;
	if (!allowed) {
		pr_err("sched: entity %s: affinity %#llx has no online CPU", se->name ? se->name : "?",
		       (unsigned long long)affinity);
		return -EINVAL;
	}
	se->state = SCHED_RUNNABLE;   /* off queue until placed */
	se->blocked = false;
	se->queued = false;
	se->group = g;
	se->affinity = allowed;
	se->cpu = (unsigned)__builtin_ctzll(allowed);
	slist_init(&se->rq_link);
	se->queued_at = now;
	se->cap_claim_ns = 0;
	memset(&se->stats, 0, sizeof(se->stats));
	memset(&se->pol, 0, sizeof(se->pol));
	sched_core.ops->init_entity(se);

	sched_lock(&sched_core.lock);
	if (g->nr_entities++ == 0)
		slist_add_tail(&sched_core.groups, &g->all_link);
	slist_add_tail(&g->members, &se->group_link);
	slist_add_tail(&sched_core.entities, &se->all_link);
	sched_core.nr_entities++;
	sched_unlock(&sched_core.lock);

	place_entity(se, SCHED_ENQ_NEW, now, kick);
	return 0;
}

int sched_remove(struct sched_entity *se)
{
	if (!se || !entity_added(se)) {
		pr_err("sched: remove of an entity that was not added");
		return -EINVAL;
	}
	sched_lock(&sched_core.lock);
	unsigned c = lock_entity(se, NO_CPU);
	struct sched_rq *rq = rq_of(c);
	if (rq->curr == se) {
		unlock_entity(c, NO_CPU);
		sched_unlock(&sched_core.lock);
		pr_warn("sched: entity %s still running on CPU %u: not removed", se->name ? se->name : "?",
			c);
		return -EBUSY;
	}
	if (se->queued)
		rq_dequeue(rq, se);
	se->state = SCHED_DEAD;
	unlock_entity(c, NO_CPU);
	struct sched_group *g = se->group;
	slist_del(&se->group_link);
	slist_del(&se->all_link);
	sched_core.nr_entities--;
	if (--g->nr_entities == 0)
		slist_del(&g->all_link);
	sched_unlock(&sched_core.lock);
	return 0;
}

/* ------------------------------------------------------------ state changes */

int sched_block(struct sched_entity *se, uint64_t now, uint64_t *kick)
{
	if (!se || !entity_added(se)) {
		pr_err("sched: block of an entity that was not added");
		return -EINVAL;
	}
	int ret = 0;
	unsigned c = lock_entity(se, NO_CPU);
	struct sched_rq *rq = rq_of(c);
	se->blocked = true;
	if (rq->curr == se) {
		ret = 1;           /* leaves the CPU at the next sched_schedule */
		if (kick)
			*kick |= BIT(c);
	} else {
		if (se->queued)
			rq_dequeue(rq, se);
		se->state = off_cpu_state(se);
	}
	unlock_entity(c, NO_CPU);
	return ret;
}

int sched_wake(struct sched_entity *se, uint64_t now, uint64_t *kick)
{
	if (!se || !entity_added(se)) {
		pr_err("sched: wake of an entity that was not added");
		return -EINVAL;
	}
	unsigned c = lock_entity(se, NO_CPU);
	bool was_blocked = se->blocked;
	se->blocked = false;
	bool needs_place = was_blocked && rq_of(c)->curr != se && se->state == SCHED_BLOCKED;
	if (was_blocked)
		se->stats.nr_wakeups++;
	unlock_entity(c, NO_CPU);
	/* Still running (woken before it left the CPU) or paused: nothing to place. */
	if (!needs_place)
		return 0;
	return place_entity(se, SCHED_ENQ_WAKE, now, kick) ? 1 : 0;
}

int sched_pause_group(struct sched_group *g, uint64_t now, uint64_t *kick)
{
	if (!g || g->members.next == NULL) {
		pr_err("sched: pause of an uninitialised group");
		return -EINVAL;
	}
	sched_lock(&sched_core.lock);
	WRITE_ONCE(g->paused, true);
	slist_for_each(l, &g->members) {
		struct sched_entity *se = se_of_group_link(l);
		unsigned c = lock_entity(se, NO_CPU);
		if (rq_of(c)->curr == se) {
			if (kick)
				*kick |= BIT(c);
		} else {
			if (se->queued)
				rq_dequeue(rq_of(c), se);
			se->state = off_cpu_state(se);
		}
		unlock_entity(c, NO_CPU);
	}
	sched_unlock(&sched_core.lock);
	return 0;
}

int sched_resume_group(struct sched_group *g, uint64_t now, uint64_t *kick)
{
	if (!g || g->members.next == NULL) {
		pr_err("sched: resume of an uninitialised group");
		return -EINVAL;
	}
	sched_lock(&sched_core.lock);
	WRITE_ONCE(g->paused, false);
	slist_for_each(l, &g->members) {
		struct sched_entity *se = se_of_group_link(l);
		/* place_entity takes only run-queue locks: allowed under the core lock. */
		if (READ_ONCE(se->state) == SCHED_PAUSED)
			place_entity(se, SCHED_ENQ_NEW, now, kick);
	}
	sched_unlock(&sched_core.lock);
	return 0;
}

int sched_set_affinity(struct sched_entity *se, uint64_t affinity, uint64_t now, uint64_t *kick)
{
	if (!se || !entity_added(se)) {
		pr_err("sched: set_affinity of an entity that was not added");
		return -EINVAL;
	}
	uint64_t allowed = affinity & sched_core.online;
	if (!allowed) {
		pr_err("sched: entity %s: affinity %#llx has no online CPU", se->name ? se->name : "?",
		       (unsigned long long)affinity);
		return -EINVAL;
	}
	unsigned c = lock_entity(se, NO_CPU);
	struct sched_rq *rq = rq_of(c);
	se->affinity = allowed;
	bool move = false;
	if (!(allowed & BIT(c))) {
		if (rq->curr == se) {
			if (kick)
				*kick |= BIT(c);    /* it moves when its CPU reschedules */
		} else if (se->queued) {
			rq_dequeue(rq, se);
			move = true;
		}
	}
	unlock_entity(c, NO_CPU);
	if (move)
		place_entity(se, SCHED_ENQ_MIGRATE, now, kick);
	return 0;
}

/* ------------------------------------------------------------ tick, schedule */

static bool cpu_ok(unsigned cpu, const char *what)
{
	if (!sched_core.ops || cpu >= sched_core.ncpus) {
		pr_err("sched: %s on CPU %u: %s", what, cpu,
		       sched_core.ops ? "no such CPU" : "scheduler not initialised");
		return false;
	}
	return true;
}

static bool any_queued_can_run(struct sched_rq *rq)
{
	slist_for_each(l, &rq->queue)
		if (sched_can_run(se_of_rq_link(l), rq->cpu))
			return true;
	return false;
}

bool sched_tick(unsigned cpu, uint64_t now)
{
	if (!cpu_ok(cpu, "tick"))
		return false;
	maybe_new_period(now);
	struct sched_rq *rq = rq_of(cpu);
	bool resched;
	sched_lock(&rq->lock);
	struct sched_entity *curr = rq->curr;
	if (!curr) {
		resched = any_queued_can_run(rq);
	} else {
		charge_current(rq, now, false);
		resched = now >= rq->slice_end || curr->blocked || curr->group->paused ||
			  !(curr->affinity & BIT(cpu)) ||
			  (sched_core.ops->tick_preempts && sched_core.ops->tick_preempts(rq, now));
	}
	sched_unlock(&rq->lock);
	return resched;
}

/* Idle CPUs (other than rq's) that could run something queued on rq. */
static uint64_t idle_helpers(struct sched_rq *rq)
{
	uint64_t kick = 0;
	slist_for_each(l, &rq->queue) {
		struct sched_entity *se = se_of_rq_link(l);
		for (unsigned c = 0; c < sched_core.ncpus; c++) {
			if (c == rq->cpu || (kick & BIT(c)) || !rq_idle(rq_of(c)) ||
			    !sched_can_run(se, c))
				continue;
			kick |= BIT(c);
			break;
		}
	}
	return kick;
}

struct sched_decision sched_schedule(unsigned cpu, uint64_t now)
{
	struct sched_decision d = { NULL, 0, 0 };
	if (!cpu_ok(cpu, "schedule"))
		return d;
	maybe_new_period(now);
	if (sched_core.ops->balance)
		sched_core.ops->balance(rq_of(cpu), now);

	struct sched_rq *rq = rq_of(cpu);
	sched_lock(&rq->lock);
	struct sched_entity *prev = rq->curr, *next = NULL;
	bool prev_moves = false;
	if (prev) {
		charge_current(rq, now, true);
		rq->curr = NULL;
		enum sched_state st = off_cpu_state(prev);
		if (st == SCHED_RUNNABLE && (prev->affinity & BIT(cpu)))
			rq_enqueue(rq, prev, SCHED_ENQ_PREEMPT, now);
		else if (st == SCHED_RUNNABLE)
			prev_moves = true;      /* affinity excludes this CPU now */
		else
			prev->state = st;
	} else if (now > rq->idle_since) {
		rq->idle_ns += now - rq->idle_since;
	}

	uint64_t slice = sched_core.slice_ns;
	/* A failed claim means another CPU took the group's last budget since
	 * pick_next looked; sched_can_run now excludes it, so this ends. */
	for (unsigned tries = 0; tries <= rq->nr_queued; tries++) {
		next = sched_core.ops->pick_next(rq, now);
		slice = sched_core.slice_ns;
		if (!next || cap_claim(next, &slice))
			break;
		next = NULL;
	}
	if (next) {
		BUG_ON(!next->queued || next->cpu != cpu);
		uint64_t waited = now > next->queued_at ? now - next->queued_at : 0;
		rq_dequeue(rq, next);
		if (next != prev) {
			next->stats.wait_ns += waited;
			next->stats.max_wait_ns = MAX(next->stats.max_wait_ns, waited);
		}
		next->state = SCHED_RUNNING;
		rq->curr = next;
		rq->run_start = rq->charged_to = now;
		rq->slice_end = now + slice;
		d.slice_ns = slice;
	} else {
		rq->idle_since = now;
		/* Entities parked by their cap wait for the next period: wake then. */
		if (rq->nr_queued)
			d.slice_ns = sched_core.next_period > now ? sched_core.next_period - now : 1;
	}
	d.next = next;

	/* Hooks run under the run-queue lock: nobody can take prev from this
	 * queue (and load it on another CPU) before it is switched out. */
	if (prev && prev != next && prev->switch_out)
		prev->switch_out(prev, cpu);
	if (next && next != prev) {
		next->stats.nr_runs++;
		if (next->switch_in)
			next->switch_in(next, cpu);
	}
	d.kick = idle_helpers(rq);
	sched_unlock(&rq->lock);

	if (prev_moves)
		place_entity(prev, SCHED_ENQ_MIGRATE, now, &d.kick);
	d.kick &= ~BIT(cpu);
	return d;
}

/* ------------------------------------------------------------ statistics */

unsigned sched_entity_cpu(const struct sched_entity *se)
{
	return READ_ONCE(se->cpu);
}

enum sched_state sched_entity_state(const struct sched_entity *se)
{
	return se ? READ_ONCE(se->state) : SCHED_UNUSED;
}

struct sched_entity_stats sched_entity_get_stats(const struct sched_entity *se)
{
	struct sched_entity_stats s;
	memset(&s, 0, sizeof(s));
	if (se)
		s = se->stats;
	return s;
}

uint64_t sched_group_runtime(const struct sched_group *g)
{
	return g ? READ_ONCE(g->runtime_ns) : 0;
}

struct sched_entity *sched_current(unsigned cpu)
{
	return cpu < sched_core.ncpus ? READ_ONCE(rq_of(cpu)->curr) : NULL;
}

unsigned sched_queued(unsigned cpu)
{
	return cpu < sched_core.ncpus ? READ_ONCE(rq_of(cpu)->nr_queued) : 0;
}

uint64_t sched_idle_ns(unsigned cpu)
{
	return cpu < sched_core.ncpus ? READ_ONCE(rq_of(cpu)->idle_ns) : 0;
}

const char *sched_state_name(enum sched_state st)
{
	static const char *const names[] = {
		[SCHED_UNUSED] = "unused",   [SCHED_RUNNABLE] = "runnable",
		[SCHED_RUNNING] = "running", [SCHED_BLOCKED] = "blocked",
		[SCHED_PAUSED] = "paused",   [SCHED_DEAD] = "dead",
	};
	return (unsigned)st < ARRAY_SIZE(names) && names[st] ? names[st] : "?";
}
