/* insn_fetch.h - read the guest's current instruction (vmm/insn_fetch.c):
 * used by MMIO emulation and by the SVM backend when the CPU does not save
 * the next RIP. */
#ifndef PLINTH_INSN_FETCH_H
#define PLINTH_INSN_FETCH_H

#include <plinth/insn.h>
#include <plinth/vm.h>

/* Copy up to INSN_MAX_LEN bytes at CS:RIP into buf, translating through
 * the guest's own page tables when its paging is on; an instruction may
 * cross into the next page. *mode is the decoding mode of the code segment.
 * Returns the number of bytes read (> 0) or -EFAULT when RIP is not backed
 * by guest RAM. */
int vcpu_fetch_insn(struct vcpu *v, uint8_t buf[INSN_MAX_LEN], enum insn_mode *mode);

#endif
