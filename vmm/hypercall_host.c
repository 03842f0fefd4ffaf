/* hypercall_host.c - the hypercalls about plinth itself and the consoles:
 * version, host information, the hypervisor log, the per-VM console rings
 * and power (ABI: include/plinth/hypercall_abi.h). Arguments are checked
 * here; guest memory is reached only through hc_copy_in/hc_copy_out. */
#include <plinth/acpi.h>
#include <plinth/console_domain.h>
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/spinlock.h>
#include <plinth/string.h>
#include <plinth/time.h>
#include <plinth/version.h>
#include <plinth/virt.h>
#include <x86/percpu.h>
#include "hypercall.h"
#include "vm_console.h"

int64_t hc_version(struct vcpu *v, const struct hc_args *a)
{
	return PLINTH_HC_ABI;
}

int64_t hc_host_info(struct vcpu *v, const struct hc_args *a)
{
	struct hc_host_info info;

	memset(&info, 0, sizeof(info));
	info.abi = PLINTH_HC_ABI;
	info.cpus_online = cpu_online_count();
	info.cpus_possible = cpu_possible_count();
	info.virt_vendor = virt.vendor == VIRT_VMX ? HC_VIRT_VMX
			 : virt.vendor == VIRT_SVM ? HC_VIRT_SVM : HC_VIRT_NONE;
	info.mem_total = pmm_total_pages() * PAGE_SIZE;
	/* Free memory as the page allocator has it once the heap gave back
	 * the empty slabs it caches: every page no live object uses, so the
	 * figure is the same whenever the same objects live (after a VM's
	 * destruction exactly what it was before its creation). */
	heap_trim();
	info.mem_free = pmm_free_pages() * PAGE_SIZE;
	info.uptime_ns = time_now_ns();
	info.virt_features = virt.features;
	str_copy(info.version, PLINTH_VERSION, sizeof(info.version));
	virt_features_string(info.features, sizeof(info.features));
	info.console_starts = console_domain_starts();
	return hc_copy_out(v, a->a0, &info, sizeof(info), sizeof(info));
}

/* A ring read request: fetched, its size checked. */
static int read_request(struct vcpu *v, uint64_t gpa, struct hc_ring_read *rq)
{
	int err = hc_copy_in(v, gpa, rq, sizeof(*rq), sizeof(*rq));

	if (err)
		return err;
	if (rq->size == 0 || rq->size > HC_READ_MAX)
		return -EINVAL;
	return 0;
}

/* Copy n bytes out to the request's buffer and the updated request back. */
static int64_t read_reply(struct vcpu *v, uint64_t gpa, struct hc_ring_read *rq,
			  const char *data, size_t n)
{
	int err = hc_copy_out(v, rq->buf, data, n, HC_READ_MAX);

	if (!err)
		err = hc_copy_out(v, gpa, rq, sizeof(*rq), sizeof(*rq));
	return err ? err : (int64_t)n;
}

/* The log ring holds the boot messages and everything since; a 4 KiB
 * bounce buffer per call keeps the lock hold time short. Static: calls
 * are serialised by the log's own position semantics only, so the buffer
 * is guarded by its own lock. */
static char bounce[HC_READ_MAX];
static spinlock_t bounce_lock = SPINLOCK_INIT;

int64_t hc_log_read(struct vcpu *v, const struct hc_args *a)
{
	struct hc_ring_read rq;
	int64_t ret;
	uint64_t f;
	size_t n;
	int err;

	if (a->a1 > 1)
		return -EINVAL;
	err = read_request(v, a->a0, &rq);
	if (err)
		return err;
	if (a->a1)
		log_clear();
	f = spin_lock_irqsave(&bounce_lock);
	n = log_read(&rq.pos, bounce, rq.size);
	rq.end = rq.pos + (n == rq.size ? 1 : 0);   /* more may follow when full */
	ret = read_reply(v, a->a0, &rq, bounce, n);
	spin_unlock_irqrestore(&bounce_lock, f);
	return ret;
}

int64_t hc_console_read(struct vcpu *v, const struct hc_args *a)
{
	struct vm *vm = hc_vm_by_id(a->a0);
	struct hc_ring_read rq;
	int64_t ret;
	uint64_t f;
	int n, err;

	if (!vm)
		return -ENOENT;
	err = read_request(v, a->a1, &rq);
	if (err)
		return err;
	f = spin_lock_irqsave(&bounce_lock);
	n = vm_console_read(vm, &rq.pos, bounce, rq.size, &rq.end);
	ret = n < 0 ? n : read_reply(v, a->a1, &rq, bounce, (size_t)n);
	spin_unlock_irqrestore(&bounce_lock, f);
	return ret;
}

int64_t hc_console_write(struct vcpu *v, const struct hc_args *a)
{
	struct vm *vm = hc_vm_by_id(a->a0);
	uint8_t buf[256];
	int err;

	if (!vm)
		return -ENOENT;
	if (a->a2 == 0)
		return 0;
	err = hc_copy_in(v, a->a1, buf, a->a2, sizeof(buf));
	if (err)
		return err;
	return vm_console_input(vm, buf, (size_t)a->a2);
}

int64_t hc_console_attach(struct vcpu *v, const struct hc_args *a)
{
	struct vm *vm = hc_vm_by_id(a->a0);
	uint64_t pos;
	int err;

	if (!vm)
		return -ENOENT;
	if (a->a1 > 64 * KiB)
		return -EINVAL;
	err = vm_console_replay_pos(vm, (size_t)a->a1, &pos);
	if (!err)
		err = hc_copy_out(v, a->a2, &pos, sizeof(pos), sizeof(pos));
	if (!err)
		pr_info("console: attached to vm %s", vm->name);
	return err;
}

int64_t hc_system(struct vcpu *v, const struct hc_args *a)
{
	switch (a->a0) {
	case HC_SYSTEM_POWEROFF:
		pr_info("console: power-off requested by vm %s", v->vm->name);
		acpi_poweroff();
		pr_err("console: power-off failed");
		return -EIO;
	case HC_SYSTEM_REBOOT:
		pr_info("console: reboot requested by vm %s", v->vm->name);
		acpi_reboot();
		pr_err("console: reboot failed");
		return -EIO;
	default:
		return -EINVAL;
	}
}
