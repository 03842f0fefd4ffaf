/* hypercall.c - dispatch of guest hypercalls through one const table indexed
 * by call number (ABI: include/plinth/hypercall_abi.h, docs/hypercalls.md).
 *
 * Checks made here, before any handler runs: the caller is at CPL 0 (a
 * guest's user space cannot reach plinth), the number is in the table, and
 * a privileged call comes from the console domain (vm->privileged). Handlers
 * validate their own arguments and reach guest memory only through
 * hc_copy_in/hc_copy_out. */
#include <plinth/log.h>
#include <plinth/vm.h>
#include "hypercall.h"

struct hypercall {
	hypercall_fn fn;
	const char *name;     /* for the log */
	bool privileged;      /* console domain only */
};

static const struct hypercall hypercalls[HC_COUNT] = {
	[HC_VERSION]        = { hc_version, "version", false },
	[HC_HOST_INFO]      = { hc_host_info, "host-info", true },
	[HC_VM_LIST]        = { hc_vm_list, "vm-list", true },
	[HC_VM_INFO]        = { hc_vm_info, "vm-info", true },
	[HC_VM_CREATE]      = { hc_vm_create, "vm-create", true },
	[HC_VM_START]       = { hc_vm_start, "vm-start", true },
	[HC_VM_PAUSE]       = { hc_vm_pause, "vm-pause", true },
	[HC_VM_RESUME]      = { hc_vm_resume, "vm-resume", true },
	[HC_VM_RESET]       = { hc_vm_reset, "vm-reset", true },
	[HC_VM_DESTROY]     = { hc_vm_destroy, "vm-destroy", true },
	[HC_VCPU_LIST]      = { hc_vcpu_list, "vcpu-list", true },
	[HC_VCPU_PIN]       = { hc_vcpu_pin, "vcpu-pin", true },
	[HC_SCHED_GET]      = { hc_sched_get, "sched-get", true },
	[HC_SCHED_SET]      = { hc_sched_set, "sched-set", true },
	[HC_CONSOLE_READ]   = { hc_console_read, "console-read", true },
	[HC_CONSOLE_WRITE]  = { hc_console_write, "console-write", true },
	[HC_CONSOLE_ATTACH] = { hc_console_attach, "console-attach", true },
	[HC_LOG_READ]       = { hc_log_read, "log-read", true },
	[HC_VM_STATS]       = { hc_vm_stats, "vm-stats", true },
	[HC_SYSTEM]         = { hc_system, "system", true },
};

int hc_copy_in(struct vcpu *v, uint64_t gpa, void *dst, uint64_t len, uint64_t limit)
{
	if (len > limit)
		return -E2BIG;
	return vm_read_guest(v->vm, gpa, dst, len) ? -EFAULT : 0;
}

int hc_copy_out(struct vcpu *v, uint64_t gpa, const void *src, uint64_t len, uint64_t limit)
{
	if (len > limit)
		return -E2BIG;
	return vm_write_guest(v->vm, gpa, src, len) ? -EFAULT : 0;
}

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
	const struct hypercall *hc = nr < HC_COUNT ? &hypercalls[nr] : NULL;
	int64_t ret;

	/* CPL is SS.DPL (Intel SDM vol. 3 §5.5; AMD APM vol. 2 §15.5.1 keeps
	 * CPL in the VMCB, equal to SS.DPL): only the guest kernel may call. */
	vcpu_ops->get_seg(v, SEG_SS, &ss);
	if (((ss.attr >> 5) & 3) != 0)
		ret = -EPERM;
	else if (!hc || !hc->fn)
		ret = -ENOSYS;
	else if (hc->privileged && !v->vm->privileged) {
		pr_debug("vm %s: privileged hypercall %s refused", v->vm->name, hc->name);
		ret = -EPERM;
	} else
		ret = hc->fn(v, &args);
	/* A 32-bit guest reads EAX: the negative error stays negative. */
	v->gpr[INSN_RAX] = (uint64_t)ret & mask;
}
