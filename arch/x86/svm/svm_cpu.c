/* svm_cpu.c - find AMD SVM, decide whether plinth can use it, and enable it
 * on each CPU (AMD APM vol. 2 §15.4 "Enabling SVM"). */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/string.h>
#include <plinth/virt.h>
#include <x86/cpu.h>
#include <x86/percpu.h>
#include <x86/svm.h>
#include "svm_internal.h"

bool svm_detect(void)
{
	uint32_t a, b, c, d;
	cpuid(0x80000000, &a, &b, &c, &d);
	if (a < 0x8000000A)
		return false;
	cpuid(0x80000001, &a, &b, &c, &d);
	if (!(c & BIT(2)))     /* CPUID 0x80000001:ECX.SVM[bit 2] */
		return false;
	virt.vendor = VIRT_NONE;
	/* VM_CR.SVMDIS set means EFER.SVME cannot be set; with VM_CR.LOCK the
	 * firmware made that permanent (APM vol. 2 §15.30.1). */
	uint64_t vm_cr = rdmsr(MSR_VM_CR);
	if (vm_cr & VM_CR_SVMDIS) {
		str_copy(virt.why_none, (vm_cr & VM_CR_LOCK)
			 ? "SVM is disabled and locked by the firmware (VM_CR.SVMDIS); enable "
			   "SVM/AMD-V in the firmware setup"
			 : "SVM is disabled (VM_CR.SVMDIS) but not locked",
			 sizeof(virt.why_none));
		return true;
	}
	cpuid(0x8000000A, &a, &b, &c, &d);
	virt.features = svm_features_from_cpuid(d);
	virt.asid_count = b;
	/* 1 GiB nested pages follow the host's 1 GiB page support (APM vol. 2
	 * §15.25.1: the nested table uses the host paging format). */
	uint32_t e1a, e1b, e1c, e1d;
	cpuid(0x80000001, &e1a, &e1b, &e1c, &e1d);
	if ((virt.features & VIRT_F_SLAT) && (e1d & BIT(26)))
		virt.features |= VIRT_F_SLAT_1G;
	if (!(virt.features & VIRT_F_SLAT)) {
		str_copy(virt.why_none, "SVM without nested paging: plinth's shadow paging is not "
			 "available yet", sizeof(virt.why_none));
		return true;
	}
	if (virt.asid_count < 2) {
		str_copy(virt.why_none, "SVM reports fewer than 2 ASIDs", sizeof(virt.why_none));
		return true;
	}
	virt.vendor = VIRT_SVM;
	return true;
}

int svm_cpu_enable(void)
{
	struct percpu *pc = this_cpu();
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
		return -EPERM;
	struct svm_cpu *sc = kzalloc(sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	sc->host_save_area = page_alloc_zeroed(0);
	sc->host_vmcb = page_alloc_zeroed(0);
	if (!sc->host_save_area || !sc->host_vmcb) {
		if (sc->host_save_area)
			page_free(sc->host_save_area, 0);
		if (sc->host_vmcb)
			page_free(sc->host_vmcb, 0);
		kfree(sc);
		return -ENOMEM;
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, sc->host_save_area);
	pc->vmm = sc;
	return 0;
}
