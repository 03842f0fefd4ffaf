/* virt.c - pick the virtualization backend once at boot (VMX or SVM) and
 * switch it on per CPU. */
#include <plinth/log.h>
#include <plinth/printf.h>
#include <plinth/virt.h>
#include <x86/percpu.h>
#include "vmx/vmx_internal.h"
#include "svm/svm_internal.h"

struct virt_info virt;
static volatile unsigned cpus_enabled;

static const struct { uint64_t flag; const char *name; } feature_names[] = {
	{ VIRT_F_SLAT, "slat" },            { VIRT_F_SLAT_2M, "2m-pages" },
	{ VIRT_F_SLAT_1G, "1g-pages" },     { VIRT_F_SLAT_AD, "ad-bits" },
	{ VIRT_F_TAGGED_TLB, "tagged-tlb" },{ VIRT_F_UNRESTRICTED, "unrestricted-guest" },
	{ VIRT_F_PREEMPT_TIMER, "preemption-timer" }, { VIRT_F_APIC_VIRT, "apic-virt" },
	{ VIRT_F_POSTED_INTR, "posted-interrupts" },  { VIRT_F_NRIP, "nrip" },
	{ VIRT_F_VMCB_CLEAN, "vmcb-clean" },          { VIRT_F_DECODE_ASSIST, "decode-assists" },
	{ VIRT_F_FLUSH_BY_ASID, "flush-by-asid" },    { VIRT_F_TSC_SCALING, "tsc-scaling" },
	{ VIRT_F_PAUSE_FILTER, "pause-filter" },      { VIRT_F_INVEPT_SINGLE, "invept-single" },
	{ VIRT_F_INVVPID, "invvpid" },
};

void virt_features_string(char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(feature_names); i++) {
		if (!(virt.features & feature_names[i].flag))
			continue;
		int w = ksnprintf(buf + n, size - n, "%s%s", n ? " " : "", feature_names[i].name);
		if (w < 0 || (size_t)w >= size - n)
			break;
		n += (size_t)w;
	}
}

void virt_detect(void)
{
	char feats[256];
	bool found = vmx_detect() || svm_detect();
	const char *name = virt.vendor == VIRT_VMX ? "Intel VMX" : "AMD SVM";
	if (!found) {
		pr_warn("virt: this CPU has neither VMX nor SVM; plinth runs without virtual machines");
		return;
	}
	virt_features_string(feats, sizeof(feats));
	if (virt.vendor == VIRT_NONE) {
		pr_warn("virt: hardware virtualization unusable: %s", virt.why_none);
		return;
	}
	pr_info("virt: %s, features: %s", name, feats);
	if (virt.vendor == VIRT_VMX && (virt.features & VIRT_F_PREEMPT_TIMER))
		pr_info("virt: VMX preemption timer ticks every 2^%u TSC cycles", virt.preempt_timer_shift);
	if (virt.vendor == VIRT_SVM)
		pr_info("virt: %u ASIDs", virt.asid_count);
}

int virt_cpu_enable(void)
{
	int err;
	if (virt.vendor == VIRT_NONE)
		return -ENODEV;
	err = virt.vendor == VIRT_VMX ? vmx_cpu_enable() : svm_cpu_enable();
	if (err) {
		pr_err("virt: CPU %u: cannot enable %s (error %d)", this_cpu()->cpu_id,
		       virt.vendor == VIRT_VMX ? "VMX root operation" : "SVM", err);
		return err;
	}
	__atomic_fetch_add(&cpus_enabled, 1, __ATOMIC_RELAXED);
	return 0;
}

unsigned virt_cpus_enabled(void)
{
	return __atomic_load_n(&cpus_enabled, __ATOMIC_RELAXED);
}
