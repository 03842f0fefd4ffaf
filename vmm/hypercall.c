/* hypercall.c - dispatch of guest hypercalls through a const table indexed
 * by call number (ABI in hypercall.h). */
#include <plinth/log.h>
#include <plinth/vm.h>
#include "hypercall.h"

struct hc_args { uint64_t a0, a1, a2, a3; };

/* Every handler returns the value for the guest's RAX. */
typedef int64_t (*hypercall_fn)(struct vcpu *v, const struct hc_args *args);

static int64_t hc_abi_version(struct vcpu *v, const struct hc_args *args)
{
	return PLINTH_HC_ABI;
}

static const hypercall_fn hypercalls[] = {
	[HC_ABI_VERSION] = hc_abi_version,
};

void hypercall_dispatch(struct vcpu *v)
{
	struct vcpu_segment ss;
	bool long_mode = (vcpu_ops->get_efer(v) & BIT(10)) != 0;   /* EFER.LMA */
	uint64_t mask = long_mode ? ~0ULL : 0xFFFFFFFFULL;
	uint64_t nr = v->gpr[INSN_RAX] & mask;
	const struct hc_args args = {
		v->gpr[INSN_RBX] & mask, v->gpr[INSN_RCX] & mask,
		v->gpr[INSN_RDX] & mask, v->gpr[INSN_RSI] & mask,
	};
	int64_t ret;

	/* CPL is SS.DPL (Intel SDM vol. 3 §5.5): only the guest kernel may
	 * call. */
	vcpu_ops->get_seg(v, SEG_SS, &ss);
	if (((ss.attr >> 5) & 3) != 0)
		ret = -EPERM;
	else if (nr < ARRAY_SIZE(hypercalls) && hypercalls[nr])
		ret = hypercalls[nr](v, &args);
	else
		ret = -ENOSYS;
	v->gpr[INSN_RAX] = (uint64_t)ret & mask;
}
