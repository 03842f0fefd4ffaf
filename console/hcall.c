/* hcall.c - the console domain's side of the hypercall ABI
 * (include/plinth/hypercall_abi.h): VMCALL on Intel, VMMCALL on AMD (the
 * other one is #UD on each), picked once from the CPUID vendor string. */
#include "console.h"

static bool use_vmmcall;
static bool vendor_known;

static void detect_vendor(void)
{
	uint32_t a, b, c, d;

	/* CPUID leaf 0: EBX-EDX-ECX spell the vendor; "AuthenticAMD" (and
	 * Hygon's "HygonGenuine") use VMMCALL (AMD APM vol. 3 "VMMCALL"). */
	__asm__ __volatile__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	use_vmmcall = (b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163) ||
		      (b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975);
	vendor_known = true;
}

long hc_call(unsigned nr, uintptr_t a0, uintptr_t a1, uintptr_t a2, uintptr_t a3)
{
	long ret;

	if (!vendor_known)
		detect_vendor();
	if (use_vmmcall)
		__asm__ __volatile__("vmmcall"
				     : "=a"(ret)
				     : "a"((uint64_t)nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
				     : "memory");
	else
		__asm__ __volatile__("vmcall"
				     : "=a"(ret)
				     : "a"((uint64_t)nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
				     : "memory");
	return ret;
}
