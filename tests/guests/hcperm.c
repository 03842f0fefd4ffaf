/* hcperm.c - test guest: a normal VM calling plinth's hypercalls
 * (include/plinth/hypercall_abi.h). The unprivileged call (version)
 * answers; every privileged one (host info, VM list and control, console
 * and log access, power) returns -EPERM without touching anything; an
 * unknown number returns -ENOSYS. */
#include "guest.h"
#include <plinth/hypercall_abi.h>

static bool amd;

static int32_t hc(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3)
{
	uint32_t ret;

	if (amd)
		__asm__ __volatile__("vmmcall" : "=a"(ret)
				     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3) : "memory");
	else
		__asm__ __volatile__("vmcall" : "=a"(ret)
				     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3) : "memory");
	return (int32_t)ret;
}

static uint8_t buf[4096];

uint32_t guest_main(uint32_t magic, uint32_t info)
{
	static const struct { uint32_t nr; const char *name; } privileged[] = {
		{ HC_HOST_INFO, "host info" }, { HC_VM_LIST, "vm list" },
		{ HC_VM_INFO, "vm info" }, { HC_VM_CREATE, "vm create" },
		{ HC_VM_START, "vm start" }, { HC_VM_PAUSE, "vm pause" },
		{ HC_VM_RESUME, "vm resume" }, { HC_VM_RESET, "vm reset" },
		{ HC_VM_DESTROY, "vm destroy" }, { HC_VCPU_LIST, "vcpu list" },
		{ HC_VCPU_PIN, "vcpu pin" }, { HC_SCHED_GET, "sched get" },
		{ HC_SCHED_SET, "sched set" }, { HC_CONSOLE_READ, "console read" },
		{ HC_CONSOLE_WRITE, "console write" }, { HC_CONSOLE_ATTACH, "console attach" },
		{ HC_LOG_READ, "log read" }, { HC_VM_STATS, "vm stats" },
		{ HC_SYSTEM, "poweroff" },
	};
	uint32_t r[4];

	cpuid(0, 0, r);
	amd = r[1] == 0x68747541;           /* "Auth" enticAMD: VMMCALL */
	guest_puts("hcperm: privileged hypercalls from a normal VM\n");
	guest_check(hc(HC_VERSION, 0, 0, 0, 0) == PLINTH_HC_ABI, "version answers",
		    (uint32_t)hc(HC_VERSION, 0, 0, 0, 0));
	for (unsigned i = 0; i < sizeof(privileged) / sizeof(privileged[0]); i++) {
		/* Arguments that would do something if the call were allowed:
		 * VM 0, a real buffer, power-off. */
		uint32_t a0 = privileged[i].nr == HC_SYSTEM ? HC_SYSTEM_POWEROFF
			    : privileged[i].nr == HC_HOST_INFO || privileged[i].nr == HC_VM_LIST
			    ? (uint32_t)(uintptr_t)buf : 0;
		int32_t ret = hc(privileged[i].nr, a0, (uint32_t)(uintptr_t)buf, 16, 0);
		guest_puts("hcperm: ");
		guest_puts(privileged[i].name);
		guest_puts(ret == -HC_EPERM ? ": -EPERM\n" : ": not refused\n");
		guest_check(ret == -HC_EPERM, privileged[i].name, (uint32_t)ret);
	}
	guest_check(hc(HC_COUNT + 100, 0, 0, 0, 0) == -HC_ENOSYS, "unknown call: -ENOSYS",
		    (uint32_t)hc(HC_COUNT + 100, 0, 0, 0, 0));
	return guest_summary();
}
