/* hlt_policy.c - the pure decisions of a guest's HLT (hlt_policy.h): when it
 * ends at once, sleeps (and until when) or can never end; and the STI; HLT
 * idiom met inside the STI shadow. No locks, no globals: the callers hold
 * the platform lock around taking the view and acting on it. */
#include "hlt_policy.h"

enum hlt_action hlt_decide(const struct hlt_view *h, uint64_t *sleep_deadline)
{
	uint64_t deadline = h->if_set ? h->timer_deadline : 0;

	*sleep_deadline = 0;
	/* SDM vol. 2A "HLT": an NMI, INIT (or SIPI, for an AP) resumes a
	 * halted processor whatever IF says; a maskable interrupt only with
	 * IF=1. */
	if (h->nmi_init_sipi || (h->if_set && h->extint_pending))
		return HLT_CONTINUE;
	/* IF=0 in a one-vCPU VM: only an NMI or INIT ends the halt, and
	 * nothing can send one. */
	if (!h->if_set && h->nr_vcpus <= 1)
		return HLT_STOP_VM;
	if (!deadline && !h->others_may_wake)
		return HLT_STOP_VM;
	*sleep_deadline = deadline;
	return HLT_SLEEP;
}

bool hlt_completes_in_shadow(bool only_shadow_blocks, const uint8_t *insn, int len)
{
	/* 0xF4 is HLT; a prefix in front of it is legal but no compiler
	 * emits one, and such a HLT just takes the interrupt window. */
	return only_shadow_blocks && insn && len > 0 && insn[0] == 0xF4;
}
