/* guest_walk.h - translate a guest linear address through the guest's own
 * page tables (vmm/guest_walk.c, pure, host-tested in
 * tests/unit/test_guest_walk.c). Used where the hardware gives plinth a
 * linear address but the VMM needs guest-physical bytes: fetching the
 * exiting instruction on SVM without NRIP save (arch/x86/svm/svm_ops.c).
 *
 * The walk reads table entries through a callback and checks presence
 * and reserved bits only: it answers "where is this byte", not "may the
 * guest access it" (the CPU has already checked that for the instruction
 * that exited). */
#ifndef PLINTH_GUEST_WALK_H
#define PLINTH_GUEST_WALK_H

#include <plinth/compiler.h>

/* The guest's paging controls (the guest-visible values). */
struct guest_paging {
	uint64_t cr0, cr3, cr4, efer;
};

/* Read len (4 or 8) bytes of guest-physical memory at gpa into buf.
 * Returns 0 or a negative error. */
typedef int (*guest_phys_read_fn)(void *ctx, uint64_t gpa, void *buf, unsigned len);

/* Translate linear to a guest-physical address in *gpa. Paging off: the
 * identity. 32-bit paging (with 4 MiB pages under CR4.PSE), PAE paging,
 * 4-level and (CR4.LA57 in IA-32e mode) 5-level paging (Intel SDM vol. 3
 * §4.3-§4.5; AMD APM vol. 2 §5.2-§5.3). Returns 0, -EFAULT if an entry is
 * not present or has a reserved bit set (the guest would get #PF), or the
 * callback's error. */
int guest_walk(const struct guest_paging *p, uint64_t linear, guest_phys_read_fn read,
	       void *ctx, uint64_t *gpa);

#endif
