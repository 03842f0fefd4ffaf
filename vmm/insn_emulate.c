/* insn_emulate.c - emulate a decoded instruction whose memory operand is an
 * emulated device (MMIO): the guest touched a page the VMM keeps unmapped,
 * the exit (EPT violation / NPF) gave the guest-physical address, and this
 * file performs the instruction's access against the device model and its
 * effect on registers and RFLAGS.
 *
 * The exit's GPA is trusted as the address of the decoded memory operand; the
 * effective address is not recomputed (that would need a guest page walk),
 * which is sound because each supported instruction has exactly one memory
 * operand. Vendor-neutral: registers, RFLAGS and the device are reached only
 * through struct insn_emul_ops. */
#include <plinth/insn.h>
#include <plinth/log.h>

#define PAGE_4K 4096ULL

/* Group 1 / ALU operations, numbered as the opcode bits 5:3 of 00-3F and
 * the reg field of 80-83 (Intel SDM vol. 2 Table A-2, Table A-6). */
enum alu_op { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP,
	      ALU_TEST, ALU_INC, ALU_DEC, ALU_NEG };

/* One emulation in progress. */
struct emu {
	const struct insn *in;
	const struct insn_emul_ops *ops;
	void *ctx;
	gpa_t gpa;
};

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* Sign-extend the low size bytes of v to 64 bits. */
static uint64_t sign_extend(uint64_t v, unsigned size)
{
	unsigned shift = 64 - 8 * size;
	return (uint64_t)((int64_t)(v << shift) >> shift);
}

/* Without a REX prefix, byte registers 4-7 are AH, CH, DH, BH: bits 15:8 of
 * registers 0-3 (SDM vol. 2 §2.2.1.2, Table 3-1 of vol. 1 §3.7.2.1). */
static bool is_high_byte_reg(const struct emu *e, unsigned reg, unsigned size)
{
	return size == 1 && e->in->rex == 0 && reg >= 4 && reg <= 7;
}

/* Read register reg as an operand of size bytes (zero-extended). */
static uint64_t gpr_read(const struct emu *e, unsigned reg, unsigned size)
{
	if (is_high_byte_reg(e, reg, size))
		return (e->ops->read_gpr(e->ctx, reg - 4) >> 8) & 0xFF;
	return e->ops->read_gpr(e->ctx, reg) & size_mask(size);
}

/* Write an operand of size bytes to register reg. 32-bit results are
 * zero-extended to 64 bits; 8- and 16-bit results leave the other bits of
 * the register unchanged (SDM vol. 1 §3.4.1.1). */
static void gpr_write(const struct emu *e, unsigned reg, unsigned size, uint64_t val)
{
	uint64_t old, v;
	if (is_high_byte_reg(e, reg, size)) {
		old = e->ops->read_gpr(e->ctx, reg - 4);
		e->ops->write_gpr(e->ctx, reg - 4, (old & ~0xFF00ULL) | ((val & 0xFF) << 8));
		return;
	}
	switch (size) {
	case 1:
	case 2:
		old = e->ops->read_gpr(e->ctx, reg);
		v = (old & ~size_mask(size)) | (val & size_mask(size));
		break;
	case 4:
		v = val & 0xFFFFFFFFULL;
		break;
	default:
		v = val;
		break;
	}
	e->ops->write_gpr(e->ctx, reg, v);
}

static int mem_read(const struct emu *e, unsigned size, uint64_t *val)
{
	uint64_t v = 0;
	int rc = e->ops->mmio_read(e->ctx, e->gpa, size, &v);
	*val = v & size_mask(size);
	return rc;
}

static int mem_write(const struct emu *e, unsigned size, uint64_t val)
{
	return e->ops->mmio_write(e->ctx, e->gpa, size, val & size_mask(size));
}

/* PF: set when the low byte of the result has an even number of 1 bits
 * (SDM vol. 1 §3.4.3.1). */
static uint64_t parity_flag(uint64_t res)
{
	uint8_t b = (uint8_t)res;
	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return (b & 1) ? 0 : INSN_RFLAGS_PF;
}

/* ZF, SF and PF of a size-byte result. */
static uint64_t result_flags(uint64_t res, unsigned size)
{
	uint64_t f = parity_flag(res);
	res &= size_mask(size);
	if (res == 0)
		f |= INSN_RFLAGS_ZF;
	if ((res >> (8 * size - 1)) & 1)
		f |= INSN_RFLAGS_SF;
	return f;
}

/* Status flags of res = a + b + carry_in (sub=false) or a - b - borrow_in
 * (sub=true), all masked to size bytes. The carry (borrow) out of the top
 * bit, the signed overflow and the carry out of bit 3 are recovered from the
 * operand and result bits, so one formula covers ADD/ADC and SUB/SBB/CMP/NEG
 * (SDM vol. 1 §3.4.3.1, vol. 2 "ADD", "ADC", "SUB", "SBB" Flags Affected). */
static uint64_t arith_flags(uint64_t a, uint64_t b, uint64_t res, unsigned size, bool sub)
{
	unsigned msb = 8 * size - 1;
	uint64_t carry, overflow, f = result_flags(res, size);
	if (sub) {
		carry = (~a & b) | ((~a | b) & res);
		overflow = (a ^ b) & (a ^ res);
	} else {
		carry = (a & b) | ((a | b) & ~res);
		overflow = (a ^ res) & (b ^ res);
	}
	if ((carry >> msb) & 1)
		f |= INSN_RFLAGS_CF;
	if ((overflow >> msb) & 1)
		f |= INSN_RFLAGS_OF;
	if ((a ^ b ^ res) & 0x10)
		f |= INSN_RFLAGS_AF;
	return f;
}

/* Compute a <op> b at size bytes; *rflags is updated with the status flags
 * the operation defines. Logical operations clear CF and OF and leave AF
 * (architecturally undefined) clear. INC/DEC preserve CF (SDM vol. 2 "INC").
 * Returns the result masked to size. */
static uint64_t alu(enum alu_op op, uint64_t a, uint64_t b, unsigned size, uint64_t *rflags)
{
	uint64_t mask = size_mask(size);
	uint64_t cf_in = *rflags & INSN_RFLAGS_CF ? 1 : 0;
	uint64_t res, flags;
	a &= mask;
	b &= mask;
	switch (op) {
	case ALU_ADD:
		res = (a + b) & mask;
		flags = arith_flags(a, b, res, size, false);
		break;
	case ALU_ADC:
		res = (a + b + cf_in) & mask;
		flags = arith_flags(a, b, res, size, false);
		break;
	case ALU_SUB:
	case ALU_CMP:
		res = (a - b) & mask;
		flags = arith_flags(a, b, res, size, true);
		break;
	case ALU_SBB:
		res = (a - b - cf_in) & mask;
		flags = arith_flags(a, b, res, size, true);
		break;
	case ALU_INC:
		res = (a + 1) & mask;
		flags = arith_flags(a, 1, res, size, false) & ~INSN_RFLAGS_CF;
		flags |= *rflags & INSN_RFLAGS_CF;
		break;
	case ALU_DEC:
		res = (a - 1) & mask;
		flags = arith_flags(a, 1, res, size, true) & ~INSN_RFLAGS_CF;
		flags |= *rflags & INSN_RFLAGS_CF;
		break;
	case ALU_NEG:
		/* NEG: 0 - a; CF = (a != 0), which the borrow formula gives. */
		res = (0 - a) & mask;
		flags = arith_flags(0, a, res, size, true);
		break;
	case ALU_OR:
		res = a | b;
		flags = result_flags(res, size);
		break;
	case ALU_XOR:
		res = a ^ b;
		flags = result_flags(res, size);
		break;
	default:  /* ALU_AND, ALU_TEST */
		res = a & b;
		flags = result_flags(res, size);
		break;
	}
	*rflags = (*rflags & ~INSN_RFLAGS_STATUS) | flags;
	return res;
}

/* Apply op with the memory operand as destination (mem_is_dest) or the
 * register reg as destination; other is the second source (register value
 * or immediate). CMP and TEST write nothing back. */
static int emulate_alu(const struct emu *e, enum alu_op op, unsigned size, bool mem_is_dest,
		       unsigned reg, uint64_t other)
{
	uint64_t m, rflags, res;
	int rc = mem_read(e, size, &m);
	if (rc)
		return rc;
	rflags = e->ops->get_rflags(e->ctx);
	if (mem_is_dest) {
		res = alu(op, m, other, size, &rflags);
		if (op != ALU_CMP && op != ALU_TEST) {
			rc = mem_write(e, size, res);
			if (rc)
				return rc;
		}
	} else {
		res = alu(op, gpr_read(e, reg, size), m, size, &rflags);
		if (op != ALU_CMP && op != ALU_TEST)
			gpr_write(e, reg, size, res);
	}
	e->ops->set_rflags(e->ctx, rflags);
	return 0;
}

/* Load the memory operand (src_size bytes, zero- or sign-extended) into
 * register reg at dst_size. */
static int emulate_load(const struct emu *e, unsigned reg, unsigned src_size, unsigned dst_size,
			bool sign)
{
	uint64_t v;
	int rc = mem_read(e, src_size, &v);
	if (rc)
		return rc;
	if (sign)
		v = sign_extend(v, src_size);
	gpr_write(e, reg, dst_size, v);
	return 0;
}

/* XCHG r/m, r (86/87): the device sees a read then a write (the locked
 * read-modify-write of SDM vol. 2 "XCHG" done as two accesses). */
static int emulate_xchg(const struct emu *e, unsigned size)
{
	uint64_t m;
	int rc = mem_read(e, size, &m);
	if (rc)
		return rc;
	rc = mem_write(e, size, gpr_read(e, e->in->reg, size));
	if (rc)
		return rc;
	gpr_write(e, e->in->reg, size, m);
	return 0;
}

/* STOS (AA/AB), with REP/REPNE (both repeat STOS, SDM vol. 2 "REP"): store
 * AL/AX/EAX/RAX at ES:rDI and step rDI by the size, down when DF=1. rDI and
 * rCX are the address-size parts of RDI and RCX. A REP STOS continues only
 * while its stores stay in the 4 KiB page of gpa: the next page's GPA is not
 * known here. Returns 1 if it completed, 0 if iterations remain, or an error. */
static int emulate_stos(const struct emu *e, unsigned size)
{
	const struct insn *in = e->in;
	unsigned asize = in->addrsize;
	bool rep = in->prefixes & (INSN_PFX_REP | INSN_PFX_REPNE);
	bool down = e->ops->get_rflags(e->ctx) & INSN_RFLAGS_DF;
	uint64_t value = gpr_read(e, INSN_RAX, size);
	uint64_t rdi = e->ops->read_gpr(e->ctx, INSN_RDI) & size_mask(asize);
	uint64_t count = rep ? e->ops->read_gpr(e->ctx, INSN_RCX) & size_mask(asize) : 1;
	gpa_t page = ALIGN_DOWN(e->gpa, PAGE_4K);
	gpa_t gpa = e->gpa;
	int rc = 0;

	/* The first store is the faulting one and always happens (even if it
	 * straddles the page end), so every call makes progress. */
	for (bool first = true; count > 0; first = false) {
		if (!first && (gpa < page || gpa + size > page + PAGE_4K))
			break;
		rc = e->ops->mmio_write(e->ctx, gpa, size, value);
		if (rc)
			break;
		count--;
		gpa = down ? gpa - size : gpa + size;
		rdi = down ? rdi - size : rdi + size;
	}
	gpr_write(e, INSN_RDI, asize, rdi);
	if (rep)
		gpr_write(e, INSN_RCX, asize, count);
	if (rc)
		return rc;
	return count == 0 ? 1 : 0;
}

/* Log and refuse an instruction this emulator does not implement. */
static int unsupported(const struct insn *in)
{
	char hex[3 * INSN_MAX_LEN + 1];
	insn_bytes_to_hex(in->bytes, in->len, hex, sizeof(hex));
	pr_warn("insn: unsupported MMIO instruction [%s]", hex);
	return -ENOTSUP;
}

/* One-byte-map instructions. Returns 0 on success, 1 for "REP STOS not
 * finished", -ENOTSUP when not handled, or an access error. */
static int emulate_one_byte(const struct emu *e)
{
	const struct insn *in = e->in;
	uint8_t op = in->opcode;
	unsigned vsize = in->opsize;
	unsigned size = (op & 1) ? vsize : 1;   /* the w bit of most opcodes */
	int rc;

	/* 00-3B: ALU Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev (opcode bits 5:3 = op). */
	if (op < 0x40 && (op & 7) < 4) {
		bool mem_is_dest = (op & 2) == 0;
		return emulate_alu(e, (enum alu_op)(op >> 3), size, mem_is_dest, in->reg,
				   gpr_read(e, in->reg, size));
	}
	switch (op) {
	case 0x80: case 0x81: case 0x82: case 0x83: {
		/* Group 1 Eb,Ib / Ev,Iz / Ev,Ib: the immediate is sign-extended
		 * to the operand size (SDM vol. 2 "ADD"). */
		uint64_t imm = sign_extend(in->imm, in->imm_size);
		size = op == 0x81 || op == 0x83 ? vsize : 1;
		return emulate_alu(e, (enum alu_op)(in->reg & 7), size, true, 0, imm);
	}
	case 0x84: case 0x85:
		return emulate_alu(e, ALU_TEST, size, true, 0, gpr_read(e, in->reg, size));
	case 0x86: case 0x87:
		return emulate_xchg(e, size);
	case 0x88: case 0x89:
		return mem_write(e, size, gpr_read(e, in->reg, size));
	case 0x8A: case 0x8B:
		return emulate_load(e, in->reg, size, size, false);
	case 0x63:
		/* MOVSXD Gv,Ed in 64-bit mode; ARPL elsewhere. */
		if (in->mode != INSN_MODE_64)
			return -ENOTSUP;
		return emulate_load(e, in->reg, vsize == 2 ? 2 : 4, vsize, true);
	case 0xA0: case 0xA1:
		return emulate_load(e, INSN_RAX, size, size, false);
	case 0xA2: case 0xA3:
		return mem_write(e, size, gpr_read(e, INSN_RAX, size));
	case 0xC6: case 0xC7:
		/* Group 11 /0: MOV Eb,Ib / Ev,Iz (imm32 sign-extended for 64). */
		if ((in->reg & 7) != 0)
			return -ENOTSUP;
		return mem_write(e, size, sign_extend(in->imm, in->imm_size));
	case 0xAA: case 0xAB:
		rc = emulate_stos(e, size);
		return rc < 0 ? rc : !rc;
	case 0xF6: case 0xF7:
		/* Group 3: TEST (/0 and its alias /1), NOT, NEG. */
		switch (in->reg & 7) {
		case 0: case 1:
			return emulate_alu(e, ALU_TEST, size, true, 0, sign_extend(in->imm, in->imm_size));
		case 2: {
			uint64_t m;
			rc = mem_read(e, size, &m);
			return rc ? rc : mem_write(e, size, ~m);   /* NOT: no flags */
		}
		case 3:
			return emulate_alu(e, ALU_NEG, size, true, 0, 0);
		default:
			return -ENOTSUP;
		}
	case 0xFE: case 0xFF:
		/* Group 4/5 /0 INC, /1 DEC; the rest (CALL, JMP, PUSH) not here. */
		if ((in->reg & 7) > 1)
			return -ENOTSUP;
		return emulate_alu(e, (in->reg & 7) ? ALU_DEC : ALU_INC, size, true, 0, 0);
	default:
		return -ENOTSUP;
	}
}

int insn_emulate_mmio(const struct insn *in, gpa_t gpa,
		      const struct insn_emul_ops *ops, void *ctx)
{
	struct emu e = { .in = in, .ops = ops, .ctx = ctx, .gpa = gpa };
	int rc;

	if (in->len == 0 || in->len > INSN_MAX_LEN) {
		pr_err("insn: emulate called with an undecoded instruction");
		return -EINVAL;
	}
	if (!in->mem) {
		char hex[3 * INSN_MAX_LEN + 1];
		insn_bytes_to_hex(in->bytes, in->len, hex, sizeof(hex));
		pr_warn("insn: MMIO fault by an instruction without a memory operand [%s]", hex);
		return -EINVAL;
	}
	if (in->vex_kind != INSN_VEX_NONE)
		return unsupported(in);

	if (in->map == INSN_MAP_ONE) {
		rc = emulate_one_byte(&e);
	} else if (in->map == INSN_MAP_0F && (in->opcode & 0xF6) == 0xB6) {
		/* MOVZX Gv,Eb/Ew (0F B6/B7), MOVSX Gv,Eb/Ew (0F BE/BF). */
		unsigned src = (in->opcode & 1) ? 2 : 1;
		rc = emulate_load(&e, in->reg, src, in->opsize, in->opcode & 8);
	} else {
		rc = -ENOTSUP;
	}
	if (rc == -ENOTSUP)
		return unsupported(in);
	if (rc < 0)
		return rc;
	return rc == 1 ? 0 : in->len;
}
