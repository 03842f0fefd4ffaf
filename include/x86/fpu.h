/* fpu.h - guest register state that neither VMX nor SVM switches on VM
 * entry and exit and that the scheduler must therefore save when a vCPU
 * leaves a CPU and restore when one arrives (arch/x86/fpu.c): the x87/SSE/
 * AVX/... state managed by XSAVE (Intel SDM vol. 1 ch. 13), and the debug
 * address registers DR0-DR3 and DR6 (SDM vol. 3 §18.2; DR7 is in the VMCS
 * guest area and the VMCB). plinth itself is built without FPU/SSE code
 * (-mgeneral-regs-only), so the only state in these registers is a
 * guest's: saving and restoring them isolates guests from each other. */
#ifndef X86_FPU_H
#define X86_FPU_H

#include <plinth/compiler.h>

/* A vCPU's saved extended state (opaque: XSAVE or FXSAVE image). */
struct fpu_area;

/* Probe the save format once on the BSP (after cpu_features_init): XSAVE
 * with every component the host enabled in XCR0 (the superset of any
 * guest XCR0), else FXSAVE. Logs the format and size. */
void fpu_init(void);
/* Size in bytes of one area (0 before fpu_init). */
size_t fpu_area_size(void);
/* A new area holding the reset state (FCW 0x37F, MXCSR 0x1F80, every
 * XSAVE component in its initial configuration); NULL if out of memory. */
struct fpu_area *fpu_area_alloc(void);
void fpu_area_free(struct fpu_area *a);
/* Save this CPU's state into a / load a into this CPU. Call with
 * interrupts disabled and the host's XCR0 loaded (outside the entry
 * path). */
void fpu_save(struct fpu_area *a);
void fpu_restore(const struct fpu_area *a);

/* DR0-DR3 and DR6. */
struct debug_regs {
	uint64_t dr[4];
	uint64_t dr6;
};
void debug_regs_save(struct debug_regs *d);
void debug_regs_restore(const struct debug_regs *d);
/* The reset state (SDM vol. 3 §9.1.1 Table 9-1): DR0-3 0, DR6 0xFFFF0FF0. */
void debug_regs_reset(struct debug_regs *d);

#endif
