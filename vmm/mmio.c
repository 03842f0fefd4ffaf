/* mmio.c - emulate a guest access to an MMIO region after a second-level
 * translation fault: fetch the instruction at the guest's RIP, decode it
 * and let insn_emulate_mmio() perform it against the region's device. */
#include <plinth/log.h>
#include <plinth/vm.h>
#include <plinth/insn_fetch.h>
#include "mmio.h"

struct mmio_ctx {
	struct vcpu *v;
	struct vm_region *region;
};

static uint64_t emul_read_gpr(void *ctx, unsigned reg)
{
	return ((struct mmio_ctx *)ctx)->v->gpr[reg];
}

static void emul_write_gpr(void *ctx, unsigned reg, uint64_t value)
{
	((struct mmio_ctx *)ctx)->v->gpr[reg] = value;
}

static uint64_t emul_get_rflags(void *ctx)
{
	return ((struct mmio_ctx *)ctx)->v->rflags;
}

static void emul_set_rflags(void *ctx, uint64_t rflags)
{
	((struct mmio_ctx *)ctx)->v->rflags = rflags;
}

/* An access must lie inside the region the fault hit (a split access
 * across regions is not emulated). */
static int emul_mmio_read(void *ctx, gpa_t gpa, unsigned size, uint64_t *val)
{
	struct mmio_ctx *c = ctx;
	struct vm_region *r = c->region;
	if (gpa < r->base || gpa - r->base > r->size - size) {
		pr_err("vm %s: MMIO read of %u bytes at 0x%llx crosses the region end", c->v->vm->name,
		       size, (unsigned long long)gpa);
		return -EFAULT;
	}
	return r->mmio->read(c->v->vm, r->dev, gpa - r->base, size, val);
}

static int emul_mmio_write(void *ctx, gpa_t gpa, unsigned size, uint64_t val)
{
	struct mmio_ctx *c = ctx;
	struct vm_region *r = c->region;
	if (gpa < r->base || gpa - r->base > r->size - size) {
		pr_err("vm %s: MMIO write of %u bytes at 0x%llx crosses the region end",
		       c->v->vm->name, size, (unsigned long long)gpa);
		return -EFAULT;
	}
	return r->mmio->write(c->v->vm, r->dev, gpa - r->base, size, val);
}

static const struct insn_emul_ops emul_ops = {
	.read_gpr = emul_read_gpr,
	.write_gpr = emul_write_gpr,
	.get_rflags = emul_get_rflags,
	.set_rflags = emul_set_rflags,
	.mmio_read = emul_mmio_read,
	.mmio_write = emul_mmio_write,
};

int mmio_emulate(struct vcpu *v, struct vm_region *region, gpa_t gpa)
{
	struct vm *vm = v->vm;
	struct mmio_ctx ctx = { v, region };
	uint8_t bytes[INSN_MAX_LEN];
	enum insn_mode mode;
	struct insn in;
	int avail, ret;

	avail = vcpu_fetch_insn(v, bytes, &mode);
	if (avail < 0) {
		vm_stop(vm, "cannot fetch the instruction at rip 0x%llx that accessed MMIO at 0x%llx "
			"(not mapped to guest RAM)", (unsigned long long)v->rip, (unsigned long long)gpa);
		return avail;
	}
	/* The decoder says if the instruction needs more bytes than RAM held. */
	ret = insn_decode(&in, bytes, (size_t)avail, mode);
	if (ret) {
		vm_stop(vm, "cannot decode the instruction at rip 0x%llx that accessed MMIO at 0x%llx",
			(unsigned long long)v->rip, (unsigned long long)gpa);
		return ret;
	}
	ret = insn_emulate_mmio(&in, gpa, &emul_ops, &ctx);
	if (ret < 0) {
		char hex[INSN_MAX_LEN * 3 + 1];
		insn_bytes_to_hex(in.bytes, in.len, hex, sizeof(hex));
		vm_stop(vm, "cannot emulate MMIO access at 0x%llx by [%s] (error %d)",
			(unsigned long long)gpa, hex, ret);
		return ret;
	}
	return ret;   /* bytes to advance RIP, 0 to re-execute */
}
