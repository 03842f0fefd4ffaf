/* tsc_sync.h - are the TSCs of the host CPUs one clock? (arch/x86/tsc_sync.c)
 *
 * Plinth reads time from the TSC of whatever CPU it runs on (time_now_ns),
 * and a guest's TSC is the host TSC of the CPU its vCPU runs on plus one
 * per-VM offset (vmm/vcpu.c), so the TSCs of all host CPUs must read the
 * same at the same instant. Hardware makes them so when they start from
 * the same reset and the TSC is invariant (SDM vol. 3 §18.17.1); firmware
 * or a hypervisor below plinth can still leave them apart. While each AP
 * comes up, it and the BSP take turns reading their TSCs under one lock
 * (Linux's check_tsc_warp): a read that is lower than the one before it,
 * taken on the other CPU, is a warp, and the host TSCs are not in step. */
#ifndef X86_TSC_SYNC_H
#define X86_TSC_SYNC_H

#include <plinth/compiler.h>

/* BSP, in smp_boot_aps after CPU cpu came online: run the warp test with
 * it (it runs tsc_sync_target). Logs a warp or an AP that did not join. */
void tsc_sync_source(unsigned cpu);
/* The AP cpu, right after it marked itself online: join the BSP's test. */
void tsc_sync_target(unsigned cpu);
/* BSP, after the APs came up (cpus of them online, BSP included): log
 * that the TSCs are in step (a problem was logged when found). */
void tsc_sync_report(unsigned cpus);
/* True when no AP found its TSC out of step with the BSP's (always true
 * with one CPU); false after a warp or a test an AP did not join. */
bool tsc_host_synchronized(void);

#endif
