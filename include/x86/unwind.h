/* unwind.h - walk a frame-pointer chain without trusting it
 * (arch/x86/unwind.c, pure, host-tested).
 *
 * plinth is built with -fno-omit-frame-pointer, so each frame starts with
 * [rbp] = caller's rbp, [rbp+8] = return address (System V AMD64 ABI
 * §3.2.2). The walker is used on the panic and exception paths, where the
 * chain may be garbage: every frame address is checked (aligned, canonical,
 * inside the stack's bounds, strictly above the previous frame, readable)
 * before it is dereferenced, so a corrupt chain ends the walk instead of
 * faulting inside the fault handler. */
#ifndef X86_UNWIND_H
#define X86_UNWIND_H

#include <plinth/compiler.h>

enum unwind_stop {
	UNWIND_END = 0,         /* rbp 0 or return address 0: the chain's end */
	UNWIND_DEPTH,           /* 'max' frames collected */
	UNWIND_MISALIGNED,      /* frame address not 8-byte aligned */
	UNWIND_NONCANONICAL,    /* frame address not canonical (48-bit) */
	UNWIND_OUT_OF_RANGE,    /* frame outside [lo, hi) */
	UNWIND_NOT_INCREASING,  /* frame not above the previous one: a loop */
	UNWIND_UNREADABLE,      /* the readable callback refused the frame */
};

struct unwind_result {
	unsigned count;          /* return addresses stored */
	enum unwind_stop stop;   /* why the walk ended */
	uint64_t bad_frame;      /* the frame address that ended it (0 for END/DEPTH) */
};

/* True if the 16 bytes at addr can be read without faulting. */
typedef bool (*unwind_readable_fn)(uint64_t addr, void *ctx);

/* Walk from frame address rbp; store at most max return addresses in
 * ret_addrs (outermost last). Every frame must lie in [lo, hi): the 16
 * bytes at the frame address end at or below hi. readable may be NULL
 * (everything inside [lo, hi) is then taken as readable). */
void unwind_frames(uint64_t rbp, uint64_t lo, uint64_t hi, unwind_readable_fn readable,
		   void *ctx, uint64_t *ret_addrs, unsigned max, struct unwind_result *res);
/* Words for a stop reason ("end of chain", "frame outside the stack", ...). */
const char *unwind_stop_reason(enum unwind_stop stop);
/* True if va is canonical for 48-bit linear addresses (Intel SDM vol. 1
 * §3.3.7.1): bits 63:47 all equal. */
static inline bool va_is_canonical(uint64_t va)
{
	uint64_t top = va >> 47;
	return top == 0 || top == 0x1FFFF;
}

#endif
