/* vcpu_sched.h - what vmm/vcpu.c (the vCPU: its scheduler entity, switch
 * hooks and run slice) shares with vmm/vm_sched.c (the per-CPU scheduler
 * loop, sleeping vCPUs, kicks, reaping stopped VMs). vmm/ only. */
#ifndef VMM_VCPU_SCHED_H
#define VMM_VCPU_SCHED_H

#include <plinth/sched.h>
#include <plinth/vm.h>

/* Why run_slice returned. */
enum slice_result {
	SLICE_OVER,      /* the slice ended (or a reschedule was requested) */
	SLICE_HALTED,    /* the vCPU halted: block it */
	SLICE_STOPPED,   /* its VM stopped */
	SLICE_PARKED,    /* it waits for a SIPI (INIT, or an AP never started): block it */
};

/* The vCPU owning a scheduler entity, and back. */
struct vcpu *vcpu_of_entity(struct sched_entity *se);
struct sched_entity *vcpu_entity(struct vcpu *v);
/* Run v (switched in on this CPU) until slice_end_ns, a halt, its VM
 * stopping, or *resched becoming true. wake_at is the earliest time a
 * sleeping vCPU is due: the guest is made to exit then too. */
enum slice_result vcpu_run_slice(struct vcpu *v, uint64_t slice_end_ns, volatile bool *resched);
/* The halt deadline vcpu_halt recorded (0 = none) and whether v is halted. */
bool vcpu_halted(struct vcpu *v, uint64_t *deadline_ns);
/* The deadline of the last halt if the vCPU was woken since (0 if not);
 * reads it once (wake-up latency statistics). */
uint64_t vcpu_take_wake_deadline(struct vcpu *v);
/* Clear the halted state (the caller wakes the entity). True if it was
 * halted, so exactly one waker proceeds. */
bool vcpu_unhalt(struct vcpu *v);
/* The CPU that ran v saw its VM stop: that CPU takes v off the scheduler
 * after switching it out, and nobody else may (vm_reap waits for it). */
void vcpu_mark_leaving(struct vcpu *v);
bool vcpu_is_leaving(struct vcpu *v);
bool vcpu_on_scheduler(struct vcpu *v);
/* Parked: blocked in wait-for-SIPI. vcpu_unpark clears it (true once)
 * when a SIPI took v out of wait-for-SIPI, or always with force (its VM
 * stopped); the caller wakes the entity. */
bool vcpu_parked(struct vcpu *v);
bool vcpu_unpark(struct vcpu *v, bool force);
/* Take v off the scheduler once (not running). True the first time. */
bool vcpu_leave_scheduler(struct vcpu *v);

/* ---- vm_sched.c ---- */
/* The earliest halt deadline of any sleeping vCPU (UINT64_MAX: none); the
 * run slice makes the guest exit then so the sleeper is woken in time. */
uint64_t vm_sched_next_wake(void);
/* Wake the sleepers whose deadline passed (kicking their CPUs). */
void vm_sched_wake_due(uint64_t now);
/* Put v on the sleeper list with its deadline (after sched_block). */
void vm_sched_sleep(struct vcpu *v, uint64_t deadline_ns);
/* Send a reschedule IPI to every CPU in mask (this CPU: a flag). */
void vm_sched_kick(uint64_t mask);
/* v's VM stopped and v's CPU saw it: make its other vCPUs see it too
 * (halted or parked ones are woken, running ones kicked), so each leaves
 * the scheduler from the CPU that runs it. */
void vm_sched_stop_siblings(struct vcpu *v);

#endif
