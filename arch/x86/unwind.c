/* unwind.c - the frame-pointer walker behind every backtrace. Pure: it
 * reads memory only at addresses it has validated (see unwind.h), so it is
 * host-tested on hand-built and deliberately corrupted stacks. */
#include <x86/unwind.h>

void unwind_frames(uint64_t rbp, uint64_t lo, uint64_t hi, unwind_readable_fn readable,
		   void *ctx, uint64_t *ret_addrs, unsigned max, struct unwind_result *res)
{
	uint64_t prev = 0;
	res->count = 0;
	res->bad_frame = 0;
	for (;;) {
		if (rbp == 0) {
			res->stop = UNWIND_END;
			return;
		}
		if (res->count >= max) {
			res->stop = UNWIND_DEPTH;
			return;
		}
		enum unwind_stop why = UNWIND_END;
		if (!IS_ALIGNED(rbp, 8))
			why = UNWIND_MISALIGNED;
		else if (!va_is_canonical(rbp) || !va_is_canonical(rbp + 15))
			why = UNWIND_NONCANONICAL;
		else if (rbp < lo || hi < 16 || rbp > hi - 16)
			why = UNWIND_OUT_OF_RANGE;
		else if (prev && rbp <= prev)
			why = UNWIND_NOT_INCREASING;   /* stacks grow down: callers live higher */
		else if (readable && !readable(rbp, ctx))
			why = UNWIND_UNREADABLE;
		if (why != UNWIND_END) {
			res->stop = why;
			res->bad_frame = rbp;
			return;
		}
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;
		uint64_t ret = frame[1];
		if (ret == 0) {   /* boot/entry.S pushes 0 as the outermost return address */
			res->stop = UNWIND_END;
			return;
		}
		ret_addrs[res->count++] = ret;
		prev = rbp;
		rbp = frame[0];
	}
}

const char *unwind_stop_reason(enum unwind_stop stop)
{
	switch (stop) {
	case UNWIND_END: return "end of chain";
	case UNWIND_DEPTH: return "depth limit";
	case UNWIND_MISALIGNED: return "misaligned frame pointer";
	case UNWIND_NONCANONICAL: return "non-canonical frame pointer";
	case UNWIND_OUT_OF_RANGE: return "frame pointer outside the stack";
	case UNWIND_NOT_INCREASING: return "frame pointer not above the previous frame";
	case UNWIND_UNREADABLE: return "frame pointer in unmapped memory";
	}
	return "unknown";
}
