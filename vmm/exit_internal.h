/* exit_internal.h - the exit handlers of vmm/, one file per class of exit:
 *   exit_cpu.c   CPUID, MSRs, control registers, XSETBV, cache and undefined
 *   exit_io.c    port I/O, hypercalls, second-level faults (MMIO)
 *   exit_irq.c   HLT, virtual interrupt delivery, interrupt windows, host
 *                interrupts/NMIs
 *   exit.c       the const table, the return convention, unhandled exits
 * Every handler follows the convention documented in exit.c. */
#ifndef VMM_EXIT_INTERNAL_H
#define VMM_EXIT_INTERNAL_H

#include <plinth/vm.h>
#include <x86/cpu.h>

enum exit_result { EXIT_NEXT, EXIT_RESUME, EXIT_STOP };

typedef enum exit_result (*exit_handler_fn)(struct vcpu *v, const struct vm_exit *e);

static inline bool guest_long_mode(struct vcpu *v)
{
	return (vcpu_ops->get_efer(v) & EFER_LMA) != 0;
}

/* Write a 32-bit result as the CPU does: outside 64-bit mode the upper
 * half is undefined, in 64-bit mode a 32-bit write zero-extends; zero
 * extension is right for both. */
static inline void set_gpr32(struct vcpu *v, unsigned reg, uint32_t value)
{
	v->gpr[reg] = value;
}

/* exit_cpu.c */
enum exit_result exit_cpuid(struct vcpu *v, const struct vm_exit *e);
/* CPUID of a leaf whose answer is the same for every VM and vCPU, from a
 * table filled at its first exit: true if answered (RAX..RDX written),
 * false if the leaf is not cached (yet). Reads and writes nothing but the
 * registers (vmm_exit_fast). */
bool exit_cpuid_cached(struct vcpu *v);
enum exit_result exit_msr(struct vcpu *v, const struct vm_exit *e);
enum exit_result exit_cr_access(struct vcpu *v, const struct vm_exit *e);
enum exit_result exit_undefined(struct vcpu *v, const struct vm_exit *e);
enum exit_result exit_cache_flush(struct vcpu *v, const struct vm_exit *e);
enum exit_result exit_xsetbv(struct vcpu *v, const struct vm_exit *e);
enum exit_result exit_pause(struct vcpu *v, const struct vm_exit *e);
enum exit_result exit_init(struct vcpu *v, const struct vm_exit *e);
enum exit_result exit_sipi(struct vcpu *v, const struct vm_exit *e);
/* exit_io.c */
enum exit_result exit_io(struct vcpu *v, const struct vm_exit *e);
enum exit_result exit_hypercall(struct vcpu *v, const struct vm_exit *e);
enum exit_result exit_slat_violation(struct vcpu *v, const struct vm_exit *e);
enum exit_result exit_slat_misconfig(struct vcpu *v, const struct vm_exit *e);
/* exit_irq.c */
enum exit_result exit_hlt(struct vcpu *v, const struct vm_exit *e);
enum exit_result exit_host_event(struct vcpu *v, const struct vm_exit *e);
enum exit_result exit_intr_window(struct vcpu *v, const struct vm_exit *e);
enum exit_result exit_nmi_window(struct vcpu *v, const struct vm_exit *e);

#endif
