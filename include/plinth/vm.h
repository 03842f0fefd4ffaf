/* vm.h - a virtual machine as the vendor-neutral VMM (vmm/) sees it: guest
 * RAM (host pages from the page allocator, never identity mapped) behind a
 * second-level page table built by the mm page-table engine, a guest-
 * physical map of RAM and MMIO regions, port-I/O device models, and its
 * vCPUs (vcpus[0] the BSP, the others APs started by INIT-SIPI-SIPI; each
 * vCPU's APIC ID is its number). Nothing here executes a VMX or SVM instruction; the backend is
 * reached through vcpu_ops (vcpu_ops.h).
 *
 * Error taxonomy (Xen's): a guest that does something plinth cannot or will
 * not handle is stopped (vm_stop) with one clear log line; the host goes on. */
#ifndef PLINTH_VM_H
#define PLINTH_VM_H

#include <plinth/compiler.h>
#include <plinth/pgtable.h>
#include <plinth/sched.h>
#include <plinth/vcpu_ops.h>

struct boot_info;
struct vm_platform;
struct vm_config;

#define VM_NAME_MAX      32
#define VM_MAX_REGIONS   16
#define VM_MAX_IO_RANGES 16
#define VM_RAM_CHUNK     (2 * MiB)   /* RAM is allocated in naturally aligned 2 MiB blocks
					(the last one smaller when the size is not a multiple) */
#define VM_RAM_MAX       (1 * GiB)
#define VM_MAX_VCPUS     64          /* = VMCFG_MAX_VCPUS: one bit each in a kick mask */

enum vm_region_type { VM_REGION_RAM, VM_REGION_MMIO };

/* An emulated MMIO region: accesses fault in the second-level table and
 * are emulated through insn_emulate_mmio(). offset is from region base. */
struct vm_mmio_ops {
	int (*read)(struct vm *vm, void *dev, uint64_t offset, unsigned size, uint64_t *val);
	int (*write)(struct vm *vm, void *dev, uint64_t offset, unsigned size, uint64_t val);
};

struct vm_region {
	enum vm_region_type type;
	gpa_t base;
	uint64_t size;
	const struct vm_mmio_ops *mmio;  /* VM_REGION_MMIO */
	void *dev;
	paddr_t *chunks;                 /* VM_REGION_RAM: host address of each 2 MiB chunk */
};

/* A port-I/O device model: handles ports [base, base+count). in/out
 * return 0, or a negative error that stops the VM (the device logs why). */
struct vm_io_range {
	uint16_t base;
	uint16_t count;
	int (*in)(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t *val);
	int (*out)(struct vm *vm, void *dev, uint16_t port, unsigned size, uint32_t val);
	void *dev;
};

/* One port's exit count (vmm/io.c vm_io_count_exit): key 0 is a free
 * slot, else port | (IN ? VM_IO_KEY_IN : 0) | VM_IO_KEY_USED. */
#define VM_IO_STATS_SLOTS 64
#define VM_IO_KEY_IN      (1u << 16)
#define VM_IO_KEY_USED    (1u << 17)
struct vm_io_port_count {
	uint32_t key;
	uint32_t count;
};

enum vm_state { VM_CREATED, VM_RUNNING, VM_STOPPED };

struct vm {
	char name[VM_NAME_MAX];
	unsigned id;
	enum vm_state state;
	struct pt slat;                  /* EPT (VMX) / NPT (SVM) tables */
	struct vm_region regions[VM_MAX_REGIONS];
	unsigned region_count;
	struct vm_io_range io[VM_MAX_IO_RANGES];
	unsigned io_count;
	/* Port-I/O exits by port and direction (vmm/io.c, printed with the
	 * statistics): an open-addressed table; exits at ports that found no
	 * free slot are counted in io_exits_other. */
	struct vm_io_port_count io_exits[VM_IO_STATS_SLOTS];
	uint64_t io_exits_other;
	struct vcpu *vcpu;               /* vCPU 0, the BSP (= vcpus[0]) */
	struct vcpu *vcpus[VM_MAX_VCPUS];   /* vcpus[i]: vCPU i, APIC ID i */
	unsigned nr_vcpus;               /* vCPUs created */
	bool stop_claimed;               /* vm_stop: the first caller writes the reason (atomic) */
	bool exit_code_valid;            /* the guest wrote the test-exit port */
	uint32_t exit_code;
	char stop_reason[192];
	void *uart;                      /* the COM1 model (vmm/dev_uart.c) */
	struct vm_platform *platform;    /* PIC, fw_cfg, local APIC (vmm/platform.h) */
	/* Scheduling (vmm/vcpu.c, vmm/vm_sched.c): the VM is one scheduler
	 * group; its vCPUs are the group's entities. */
	struct sched_group sched;
	uint64_t vcpu_affinity;          /* default host CPU mask for its vCPUs, 0 = any
					    (each vCPU has its own: vcpu_affinity()) */
	int live_vcpus;                  /* vCPUs still on the scheduler (atomic) */
	bool finished;                   /* stop handled: stats printed, vCPUs gone */
	bool privileged;                 /* the console domain */
	struct vm_config *config;        /* what it was built from (vmctl reset), or NULL */
	void (*on_stopped)(struct vm *vm);  /* called once when its last vCPU left the
					       scheduler (vmm/vmctl.c) */
	/* The guest TSC of every vCPU is host TSC + tsc_offset + its
	 * IA32_TSC_ADJUST: one clock, reading 0 when the VM was created
	 * (vmm/kvmclock.h). */
	uint64_t tsc_offset;
	/* Statistics (vmm/stats.c), printed when the VM stops. */
	uint64_t start_tsc;              /* host TSC when the VM was first entered */
	uint64_t stop_tsc;               /* host TSC when it stopped */
	uint64_t guest_tsc;              /* host TSC ticks spent in the guest (all
					    vCPUs), exit handling not included */
};

/* ---- vmm/vm.c ---- */
/* Create an empty VM (no RAM, no devices, no vCPU). NULL on failure (logged). */
struct vm *vm_create(const char *name);
/* Free everything the VM holds (vCPU, RAM, tables, devices). */
void vm_destroy(struct vm *vm);
/* Free what a stopped VM holds but keep the struct (name, state, stop
 * reason, statistics, config): its vCPU must be off every CPU and off the
 * scheduler. vm_destroy frees the rest. */
void vm_release(struct vm *vm);
/* Give the VM size bytes of zeroed RAM at gpa (gpa 2 MiB aligned, size a
 * multiple of 4 KiB, at most VM_RAM_MAX). -EINVAL (logged) or -ENOMEM. */
int vm_add_ram(struct vm *vm, gpa_t gpa, uint64_t size);
/* Register an emulated MMIO region (4 KiB aligned, not overlapping). */
int vm_add_mmio(struct vm *vm, gpa_t gpa, uint64_t size, const struct vm_mmio_ops *ops,
		void *dev);
/* The region holding gpa, or NULL. */
struct vm_region *vm_find_region(struct vm *vm, gpa_t gpa);
/* Copy to/from guest RAM. -EFAULT (logged) if any byte is not RAM. */
int vm_write_guest(struct vm *vm, gpa_t gpa, const void *src, uint64_t len);
int vm_read_guest(struct vm *vm, gpa_t gpa, void *dst, uint64_t len);
int vm_zero_guest(struct vm *vm, gpa_t gpa, uint64_t len);
/* The vCPUs the VM is built with: its configuration's vcpus, 1 without
 * one (the console domain). */
unsigned vm_vcpus_wanted(const struct vm *vm);
/* Total bytes of guest RAM (all RAM regions). */
uint64_t vm_ram_size(const struct vm *vm);
/* Stop the VM: state STOPPED, reason kept and logged once as
 * "vm NAME: stopped: REASON". Later calls keep the first reason. Any CPU;
 * its other vCPUs see the state at their next exit (vm_sched.c kicks
 * them off the CPUs they run on). */
void vm_stop(struct vm *vm, const char *fmt, ...) __printf(2, 3);

/* ---- vmm/io.c ---- */
/* Register a port range. -EEXIST on overlap, -ENOSPC when full. */
int vm_add_io(struct vm *vm, uint16_t base, uint16_t count,
	      int (*in)(struct vm *, void *, uint16_t, unsigned, uint32_t *),
	      int (*out)(struct vm *, void *, uint16_t, unsigned, uint32_t), void *dev);
/* Dispatch one access of size 1, 2 or 4. Unassigned ports read all ones
 * and drop writes (as an ISA bus does). Returns the device's result. */
int vm_io_in(struct vm *vm, uint16_t port, unsigned size, uint32_t *val);
int vm_io_out(struct vm *vm, uint16_t port, unsigned size, uint32_t val);
/* Count one port-I/O exit at port (the exit handler, once per exit). */
void vm_io_count_exit(struct vm *vm, uint16_t port, bool in);
/* Log "vm NAME: io exits by port: 0x3fd in 18000, ..." (most first). */
void vm_io_stats_print(struct vm *vm);

/* ---- vmm/dev_testexit.c: port 0xF4 ends the VM with the value written ---- */
#define VM_TESTEXIT_PORT 0xF4
int vm_add_testexit(struct vm *vm);
/* ---- vmm/dev_uart.c: a 16550 at 0x3F8 whose output goes to the log ---- */
int vm_add_uart(struct vm *vm, uint16_t base);
/* Log what the guest printed after its last newline. */
void vm_uart_flush(struct vm *vm);

/* ---- vmm/vcpu.c ---- */
/* Create the VM's vCPUs (vm_vcpus_wanted) through the backend and point
 * them at the VM's second-level table: vCPU 0 in the backend's reset state
 * (the loader sets its entry state next), the others waiting for a SIPI
 * (their APIC's wait-for-SIPI state). -EEXIST if it has vCPUs; on error
 * none is left. */
int vcpu_create(struct vm *vm);
/* The vCPU switched in on this CPU (between its switch_in and
 * switch_out), NULL if none: whose local APIC an MMIO access reaches. */
struct vcpu *vcpu_current(void);
/* Give every vCPU of the VM to the scheduler (vcpu_start); the APs stay
 * blocked until a SIPI. 0, or the first error (those started stay). */
int vm_start_vcpus(struct vm *vm);
/* Set the state a Multiboot 1 loader leaves (Multiboot spec 0.6.96 §3.2):
 * 32-bit protected mode, flat CS/DS/ES/FS/GS/SS, paging off, IF=0,
 * EIP=entry, EAX=magic, EBX=info. */
int vcpu_set_multiboot_state(struct vcpu *v, uint32_t entry, uint32_t magic, uint32_t info);
/* Set a real-mode start at cs:ip (CR0.PE=0, segments with base = selector
 * * 16 and 64 KiB limits, the IVT at 0, IF=0), as a BIOS leaves a boot
 * sector. -ENOTSUP (logged) if the backend cannot run real mode. */
int vcpu_set_real_mode_state(struct vcpu *v, uint16_t cs, uint16_t ip);
/* Give the vCPU to the scheduler (the VM's group must be initialised):
 * it becomes runnable on the CPUs of its affinity (vcpu_affinity), or is
 * added blocked when it waits for a SIPI. 0 or an error. */
int vcpu_start(struct vcpu *v);
/* The vCPU halted (HLT with IF=1, nothing pending): it leaves the run
 * queue after this exit and is woken at guest time deadline_ns (the
 * virtual timer; 0 = none) or by vcpu_kick. */
void vcpu_halt(struct vcpu *v, uint64_t deadline_ns);
/* An interrupt was raised for v from outside its own exit handling (a
 * device, another vCPU, the console): wake it if halted, and make its CPU
 * look at it (a reschedule IPI) if it runs elsewhere. Any CPU, any time. */
void vcpu_kick(struct vcpu *v);
/* Take the stopped VM's vCPUs off the scheduler (waiting until none runs),
 * or leave each to the CPU that ran it when that saw the stop itself; the
 * last to go runs vm->on_stopped, once (callers wait for its effect). Any
 * CPU, interrupts enabled. */
void vm_reap(struct vm *vm);
/* The per-CPU scheduler loop: pick a vCPU, run it until its slice ends or
 * it halts or its VM stops, repeat; halt when there is nothing to run.
 * vmm_cpu_loop never returns; vmm_cpu_loop_until(done) returns on the CPU
 * that finds *done true (the BSP at boot: every boot VM stopped). */
__noreturn void vmm_cpu_loop(void);
void vmm_cpu_loop_until(volatile bool *done);
/* Bring up the scheduler for every online CPU (slice from hv_opts). */
int vmm_sched_init(void);
/* Per-CPU scheduling statistics for a run: "cpu N: ..." lines. */
void vmm_sched_report(void);
/* Free a vCPU that is off every CPU (vm_release). */
void vcpu_free(struct vcpu *v);
/* A vCPU's host-CPU affinity mask (0 = any CPU): from the VM's
 * configuration (one pin list for all, or one per vCPU), vmctl pin. */
uint64_t vcpu_affinity(struct vcpu *v);
void vcpu_set_affinity_mask(struct vcpu *v, uint64_t mask);
/* What vmctl reports of a vCPU: halted (HLT), waiting for a SIPI. */
bool vcpu_waits_for_sipi(struct vcpu *v);
/* Log "vm NAME: ..." with the backend's full state dump. */
void vcpu_dump(struct vcpu *v);
/* Queue #vector (with error code if has_error) for the next entry. */
int vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);

/* ---- vmm/exit.c ---- */
/* Handle one exit: returns true to enter the guest again, false when the
 * VM has stopped. */
bool vmm_handle_exit(struct vcpu *v, const struct vm_exit *exit);
const char *exit_kind_name(enum exit_kind kind);

/* ---- vmm/stats.c ---- */
/* Log the VM's statistics line: "vm NAME: stopped after 1.234 s (guest
 * 1.100 s), 1203 exits: io 880, cpuid 300, hlt 1" (exit kinds by count). */
void vm_stats_print(struct vm *vm);
/* Format that line (without "vm NAME: ") into buf[size] from the counts:
 * wall and guest time in TSC ticks at tsc_hz (0: unknown), exits by kind.
 * Always NUL-terminated; returns the length of the full text. */
int vm_stats_format(char *buf, size_t size, uint64_t wall_tsc, uint64_t guest_tsc,
		    uint64_t tsc_hz, const uint64_t by_kind[EXIT_KIND_COUNT]);

/* ---- vmm/boot.c ---- */
/* Pick the backend (vcpu_ops). Returns 0 or -ENODEV (logged). */
int vmm_init(void);
/* Start the VMs of the boot module vms.cfg that have autostart=yes, and a
 * VM for every boot module named guest-NAME.elf that no configuration
 * names (see vmm/boot.c): build them and give their vCPUs to the
 * scheduler; then run the scheduler loop on this CPU (the other CPUs run
 * it already) until every VM started here has stopped. */
void vmm_start(const struct boot_info *bi);
/* Build a VM from a configuration with the boot modules plinth was booted
 * with (vmm/boot.c; vmctl_create). NULL (logged) on failure. Not started. */
struct vm *vmm_build_vm(const struct vm_config *cfg, const char *cmdline);

#endif
