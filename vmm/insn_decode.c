/* insn_decode.c - x86 instruction decoder: length and operand layout of any
 * instruction in 16-, 32- or 64-bit code.
 *
 * Instruction format (Intel SDM vol. 2 §2.1, Figure 2-1):
 *   legacy prefixes* [REX] opcode(1-3 bytes) [ModRM [SIB] [disp]] [imm]
 * or a VEX (C4/C5, §2.3.5), EVEX (62, §2.7.1) or AMD XOP (8F, APM vol. 3
 * §1.8) prefix followed by opcode, ModRM... The length depends only on the
 * opcode's operand format (Appendix A tables), the operand/address sizes and
 * the ModRM/SIB bytes, so the opcode maps below record exactly that: whether
 * a ModRM byte follows and which immediate does.
 *
 * Undefined one-byte and two-byte opcodes (and undefined members of the
 * one-byte opcode groups) are rejected. The 0F 38 / 0F 3A maps and the VEX,
 * EVEX and XOP maps have one format each (ModRM, and imm8 in 0F 3A), so any
 * opcode byte there decodes to a length; an unassigned one raises #UD on the
 * CPU and can never be the cause of an exit. */
#include <plinth/insn.h>
#include <plinth/log.h>
#include <plinth/string.h>

/* Operand-format flags of one opcode (Intel SDM vol. 2 §A.2 abbreviations). */
#define OP_M      0x0001   /* ModRM byte follows (E/G/M/... operands) */
#define OP_IB     0x0002   /* Ib / Jb: 1-byte immediate */
#define OP_IW     0x0004   /* Iw: 2-byte immediate */
#define OP_IZ     0x0008   /* Iz / Jz: 2 bytes if operand size 16, else 4 */
#define OP_IV     0x0010   /* Iv: operand-size immediate (2, 4 or 8) */
#define OP_MOFFS  0x0020   /* Ob / Ov: address-size offset (2, 4 or 8) */
#define OP_AP     0x0040   /* Ap: far pointer, Iz offset then 2-byte selector */
#define OP_ENTER  0x0080   /* ENTER Iw, Ib */
#define OP_I64    0x0100   /* invalid in 64-bit mode (superscript i64) */
#define OP_BAD    0x0200   /* undefined opcode */
#define OP_D64    0x0400   /* default operand size 64 in 64-bit mode (d64/f64) */
#define OP_SPEC   0x0800   /* needs per-opcode handling (groups, escapes, VEX...) */
#define OP_REGONLY 0x1000  /* ModRM.mod ignored, always a register (MOV CR/DR) */
#define OP_PFX    0x2000   /* legacy prefix byte (consumed before the opcode) */

/* Short names so the maps below read as the SDM's 16x16 tables. */
#define __    0
#define M     OP_M
#define MB    (OP_M | OP_IB)
#define MZ    (OP_M | OP_IZ)
#define IB    OP_IB
#define IZ    OP_IZ
#define X64   OP_I64
#define BAD   OP_BAD
#define SPEC  OP_SPEC
#define PFX   OP_PFX
#define D64   OP_D64
#define JB    (OP_IB | OP_D64)
#define JZ    (OP_IZ | OP_D64)

/* One-byte opcode map, Intel SDM vol. 2 Table A-2. 40-4F are REX prefixes in
 * 64-bit mode (consumed earlier) and INC/DEC elsewhere. Jb/Jz branches are
 * marked D64: their operand size is 64 in 64-bit mode (f64). */
static const uint16_t map_one[256] = {
/*          0     1     2     3     4     5     6     7     8     9     A     B     C     D     E     F */
/* 0 */     M,    M,    M,    M,    IB,   IZ,   X64,  X64,  M,    M,    M,    M,    IB,   IZ,   X64,  SPEC,
/* 1 */     M,    M,    M,    M,    IB,   IZ,   X64,  X64,  M,    M,    M,    M,    IB,   IZ,   X64,  X64,
/* 2 */     M,    M,    M,    M,    IB,   IZ,   PFX,  X64,  M,    M,    M,    M,    IB,   IZ,   PFX,  X64,
/* 3 */     M,    M,    M,    M,    IB,   IZ,   PFX,  X64,  M,    M,    M,    M,    IB,   IZ,   PFX,  X64,
/* 4 */     __,   __,   __,   __,   __,   __,   __,   __,   __,   __,   __,   __,   __,   __,   __,   __,
/* 5 */     D64,  D64,  D64,  D64,  D64,  D64,  D64,  D64,  D64,  D64,  D64,  D64,  D64,  D64,  D64,  D64,
/* 6 */     X64,  X64,  SPEC, M,    PFX,  PFX,  PFX,  PFX,  IZ|D64, MZ, IB|D64, MB, __,   __,   __,   __,
/* 7 */     JB,   JB,   JB,   JB,   JB,   JB,   JB,   JB,   JB,   JB,   JB,   JB,   JB,   JB,   JB,   JB,
/* 8 */     MB,   MZ,   MB|X64, MB, M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    SPEC,
/* 9 */     __,   __,   __,   __,   __,   __,   __,   __,   __,   __,   OP_AP|X64, __, D64, D64,  __,   __,
/* A */     OP_MOFFS, OP_MOFFS, OP_MOFFS, OP_MOFFS, __, __, __, __, IB, IZ,   __,   __,   __,   __,   __,   __,
/* B */     IB,   IB,   IB,   IB,   IB,   IB,   IB,   IB,   OP_IV, OP_IV, OP_IV, OP_IV, OP_IV, OP_IV, OP_IV, OP_IV,
/* C */     MB,   MB,   OP_IW|D64, D64, SPEC, SPEC, SPEC, SPEC, OP_ENTER|D64, D64, OP_IW, __, __, IB, X64, __,
/* D */     M,    M,    M,    M,    IB|X64, IB|X64, X64, __, M,    M,    M,    M,    M,    M,    M,    M,
/* E */     JB,   JB,   JB,   JB,   IB,   IB,   IB,   IB,   JZ,   JZ,   OP_AP|X64, JB, __, __,   __,   __,
/* F */     PFX,  __,   PFX,  PFX,  __,   __,   SPEC, SPEC, __,   __,   __,   __,   __,   __,   SPEC, SPEC,
};

/* Two-byte opcode map 0F xx, Intel SDM vol. 2 Table A-3 (and AMD APM vol. 3
 * Table A-4 for 0F 0D/0E/0F and 0F 78/79 with SSE4a). */
static const uint16_t map_0f[256] = {
/*          0     1     2     3     4     5     6     7     8     9     A     B     C     D     E     F */
/* 0 */     M,    M,    M,    M,    BAD,  __,   __,   __,   __,   __,   BAD,  __,   BAD,  M,    __,   SPEC,
/* 1 */     M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
/* 2 */     M|OP_REGONLY, M|OP_REGONLY, M|OP_REGONLY, M|OP_REGONLY, BAD, BAD, BAD, BAD, M, M, M, M, M, M, M, M,
/* 3 */     __,   __,   __,   __,   __,   __,   BAD,  __,   SPEC, BAD,  SPEC, BAD,  BAD,  BAD,  BAD,  BAD,
/* 4 */     M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
/* 5 */     M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
/* 6 */     M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
/* 7 */     MB,   MB,   MB,   MB,   M,    M,    M,    __,   SPEC, M,    BAD,  BAD,  M,    M,    M,    M,
/* 8 */     JZ,   JZ,   JZ,   JZ,   JZ,   JZ,   JZ,   JZ,   JZ,   JZ,   JZ,   JZ,   JZ,   JZ,   JZ,   JZ,
/* 9 */     M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
/* A */     D64,  D64,  __,   M,    MB,   M,    BAD,  BAD,  D64,  D64,  __,   M,    MB,   M,    M,    M,
/* B */     M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    MB,   M,    M,    M,    M,    M,
/* C */     M,    M,    MB,   M,    MB,   MB,   MB,   M,    __,   __,   __,   __,   __,   __,   __,   __,
/* D */     M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
/* E */     M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
/* F */     M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,    M,
};

#undef __
#undef M
#undef MB
#undef MZ
#undef IB
#undef IZ
#undef X64
#undef BAD
#undef SPEC
#undef PFX
#undef D64
#undef JB
#undef JZ

/* Decoding state: the input window and the instruction being built. */
struct decoder {
	const uint8_t *bytes;
	size_t avail;
	struct insn *in;
	unsigned pos;          /* next byte to consume */
	const char *error;     /* why decoding failed with -EINVAL */
};

static const char *const mode_name[] = { "16-bit", "32-bit", "64-bit" };

/* Consume one byte into *b. -EINVAL past the 15-byte limit (the CPU raises
 * #GP there, SDM vol. 2 §2.3.11), -EAGAIN past the bytes available. */
static int fetch(struct decoder *d, uint8_t *b)
{
	if (d->pos >= INSN_MAX_LEN) {
		d->error = "instruction longer than 15 bytes";
		return -EINVAL;
	}
	if (d->pos >= d->avail)
		return -EAGAIN;
	*b = d->bytes[d->pos];
	d->in->bytes[d->pos] = *b;
	d->pos++;
	return 0;
}

/* Look at the next byte without consuming it (same errors as fetch()). */
static int peek(struct decoder *d, uint8_t *b)
{
	int rc = fetch(d, b);
	if (rc == 0)
		d->pos--;
	return rc;
}

/* Consume a little-endian field of size bytes (0..8) into *val. */
static int fetch_le(struct decoder *d, unsigned size, uint64_t *val)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b;
		int rc = fetch(d, &b);
		if (rc)
			return rc;
		v |= (uint64_t)b << (8 * i);
	}
	*val = v;
	return 0;
}

/* Operand size in bytes (SDM vol. 1 §3.6 Table 3-3, vol. 2 §2.2.1.2):
 * 66 toggles the mode's default between 16 and 32; in 64-bit mode REX.W
 * selects 64, and d64 opcodes default to 64 (66 still selects 16). */
static uint8_t operand_size(const struct insn *in, bool d64)
{
	bool p66 = in->prefixes & INSN_PFX_OPSIZE;
	switch (in->mode) {
	case INSN_MODE_16:
		return p66 ? 4 : 2;
	case INSN_MODE_32:
		return p66 ? 2 : 4;
	default:
		if (in->rex & 0x08)
			return 8;
		if (p66)
			return 2;
		return d64 ? 8 : 4;
	}
}

/* Address size in bytes: 67 toggles 16<->32, and 64->32 (SDM vol. 1 §3.6). */
static uint8_t address_size(enum insn_mode mode, bool p67)
{
	switch (mode) {
	case INSN_MODE_16:
		return p67 ? 4 : 2;
	case INSN_MODE_32:
		return p67 ? 2 : 4;
	default:
		return p67 ? 4 : 8;
	}
}

/* Consume the legacy and REX prefixes (SDM vol. 2 §2.1.1, §2.2.1). A REX
 * byte counts only when it immediately precedes the opcode; one followed by
 * another prefix is ignored. Stops at the first non-prefix byte. */
static int decode_prefixes(struct decoder *d)
{
	struct insn *in = d->in;
	for (;;) {
		uint8_t b;
		int rc = peek(d, &b);
		if (rc)
			return rc;
		switch (b) {
		case 0xF0: in->prefixes |= INSN_PFX_LOCK; break;
		case 0xF2: in->prefixes |= INSN_PFX_REPNE; in->last_rep = b; break;
		case 0xF3: in->prefixes |= INSN_PFX_REP; in->last_rep = b; break;
		case 0x66: in->prefixes |= INSN_PFX_OPSIZE; break;
		case 0x67: in->prefixes |= INSN_PFX_ADSIZE; break;
		case 0x26: in->prefixes |= INSN_PFX_SEG; in->seg = INSN_SEG_ES; break;
		case 0x2E: in->prefixes |= INSN_PFX_SEG; in->seg = INSN_SEG_CS; break;
		case 0x36: in->prefixes |= INSN_PFX_SEG; in->seg = INSN_SEG_SS; break;
		case 0x3E: in->prefixes |= INSN_PFX_SEG; in->seg = INSN_SEG_DS; break;
		case 0x64: in->prefixes |= INSN_PFX_SEG; in->seg = INSN_SEG_FS; break;
		case 0x65: in->prefixes |= INSN_PFX_SEG; in->seg = INSN_SEG_GS; break;
		default:
			if (in->mode == INSN_MODE_64 && (b & 0xF0) == 0x40) {
				d->pos++;
				in->rex = b;
				continue;
			}
			return 0;
		}
		d->pos++;
		in->rex = 0;
	}
}

/* Consume ModRM, SIB and displacement (SDM vol. 2 §2.1.5 Tables 2-1..2-3 for
 * 16- and 32-bit addressing, §2.2.1.3-2.2.1.6 for REX and RIP-relative).
 * reg_only: the mod field is ignored and the operand is a register
 * (MOV to/from control and debug registers, SDM vol. 2 "MOV—Move to/from
 * Control Registers"). */
static int decode_modrm(struct decoder *d, bool reg_only)
{
	struct insn *in = d->in;
	uint8_t modrm, b;
	unsigned disp_size = 0;
	int rc = fetch(d, &modrm);
	if (rc)
		return rc;
	in->has_modrm = true;
	in->modrm = modrm;
	in->mod = modrm >> 6;
	in->reg = ((modrm >> 3) & 7) | ((in->rex & 0x04) << 1);
	in->rm = (modrm & 7) | ((in->rex & 0x01) << 3);
	if (reg_only || in->mod == 3) {
		in->mod = reg_only ? 3 : in->mod;
		return 0;
	}
	in->mem = true;
	if (in->addrsize == 2) {
		/* 16-bit addressing: no SIB, rm=110 with mod=00 is disp16. */
		if (in->mod == 0 && (modrm & 7) == 6)
			disp_size = 2;
		else if (in->mod == 1)
			disp_size = 1;
		else if (in->mod == 2)
			disp_size = 2;
	} else {
		if ((modrm & 7) == 4) {
			rc = fetch(d, &b);
			if (rc)
				return rc;
			in->has_sib = true;
			in->sib = b;
			/* SIB base 101 with mod=00: disp32, no base (Table 2-3). */
			if (in->mod == 0 && (b & 7) == 5)
				disp_size = 4;
		} else if (in->mod == 0 && (modrm & 7) == 5) {
			disp_size = 4;
			in->rip_relative = in->mode == INSN_MODE_64;
		}
		if (in->mod == 1)
			disp_size = 1;
		else if (in->mod == 2)
			disp_size = 4;
	}
	if (disp_size) {
		uint64_t raw;
		rc = fetch_le(d, disp_size, &raw);
		if (rc)
			return rc;
		unsigned shift = 64 - 8 * disp_size;
		in->disp = (int64_t)(raw << shift) >> shift;
		in->disp_size = (uint8_t)disp_size;
	}
	return 0;
}

/* Consume an immediate of size bytes as the instruction's first (or, when
 * one is already present, second) immediate. */
static int decode_imm(struct decoder *d, unsigned size)
{
	struct insn *in = d->in;
	uint64_t v;
	int rc = fetch_le(d, size, &v);
	if (rc)
		return rc;
	if (in->imm_size == 0) {
		in->imm = v;
		in->imm_size = (uint8_t)size;
	} else {
		in->imm2 = v;
		in->imm2_size = (uint8_t)size;
	}
	return 0;
}

/* The size of an Iz immediate: 16-bit operand size gives 2 bytes, 32- and
 * 64-bit give 4 (64-bit operations sign-extend imm32, SDM vol. 2 §2.2.1.5). */
static unsigned iz_size(const struct insn *in)
{
	return in->opsize == 2 ? 2 : 4;
}

/* VEX (C4/C5, SDM vol. 2 §2.3.5), EVEX (62, §2.7.1) and XOP (8F, AMD APM
 * vol. 3 §1.8) encodings. *opcode is the C4/C5/62/8F byte already consumed;
 * the caller checked that the encoding is this prefix and not LES/LDS/BOUND/
 * POP. Consumes the payload, the opcode, ModRM and the immediate. */
static int decode_vex(struct decoder *d, uint8_t escape)
{
	struct insn *in = d->in;
	unsigned npayload = escape == 0xC5 ? 1 : escape == 0x62 ? 3 : 2;
	uint8_t op;
	int rc;

	/* A VEX/EVEX/XOP instruction preceded by LOCK, 66, F2, F3 or REX raises
	 * #UD (SDM vol. 2 §2.3.2, §2.7.1; APM vol. 3 §1.8.1). */
	if ((in->prefixes & (INSN_PFX_LOCK | INSN_PFX_OPSIZE | INSN_PFX_REP | INSN_PFX_REPNE)) ||
	    in->rex) {
		d->error = "VEX/EVEX/XOP after a LOCK, 66, F2, F3 or REX prefix";
		return -EINVAL;
	}
	for (unsigned i = 0; i < npayload; i++) {
		rc = fetch(d, &in->vex[i]);
		if (rc)
			return rc;
	}
	unsigned map_select = 1;       /* C5: implied 0F */
	bool w = false;
	uint8_t rxb = (uint8_t)(~in->vex[0] >> 5) & 7; /* inverted R X B */
	switch (escape) {
	case 0xC5:
		in->vex_kind = INSN_VEX_VEX2;
		rxb &= 4;              /* VEX2 carries only R */
		break;
	case 0xC4:
		in->vex_kind = INSN_VEX_VEX3;
		map_select = in->vex[0] & 0x1F;
		w = in->vex[1] & 0x80;
		if (map_select < 1 || map_select > 3) {
			d->error = "reserved VEX map";
			return -EINVAL;
		}
		break;
	case 0x62:
		in->vex_kind = INSN_VEX_EVEX;
		map_select = in->vex[0] & 0x07;
		w = in->vex[1] & 0x80;
		/* P1 bit 2 is fixed at 1 (§2.7.1); maps 5 and 6 are AVX512-FP16. */
		if (!(in->vex[1] & 0x04) || map_select == 0 || map_select == 4 || map_select == 7) {
			d->error = "reserved EVEX map or fixed bit";
			return -EINVAL;
		}
		break;
	default: /* 0x8F */
		in->vex_kind = INSN_VEX_XOP;
		map_select = in->vex[0] & 0x1F;
		w = in->vex[1] & 0x80;
		if (map_select < 8 || map_select > 10) {
			d->error = "reserved XOP map";
			return -EINVAL;
		}
		break;
	}
	/* R/X/B/W act like REX bits in 64-bit mode; elsewhere they are ignored. */
	if (in->mode == INSN_MODE_64)
		in->rex = (uint8_t)(0x40 | (w ? 0x08 : 0) | rxb);
	in->opsize = w && in->mode == INSN_MODE_64 ? 8 : 4;

	rc = fetch(d, &op);
	if (rc)
		return rc;
	in->opcode = op;
	in->opcode_pos = (uint8_t)(d->pos - 1);

	unsigned imm = 0;
	bool modrm = true;
	switch (map_select) {
	case 1:
		in->map = INSN_MAP_0F;
		/* VZEROUPPER/VZEROALL have no ModRM; the shifts-by-immediate,
		 * PSHUF*, CMPPS, PINSRW, PEXTRW and SHUFPS take Ib (Table A-3). */
		if (op == 0x77 && in->vex_kind != INSN_VEX_EVEX)
			modrm = false;
		if ((op >= 0x70 && op <= 0x73) || op == 0xC2 || op == 0xC4 || op == 0xC5 || op == 0xC6)
			imm = 1;
		break;
	case 2: in->map = INSN_MAP_0F38; break;
	case 3: in->map = INSN_MAP_0F3A; imm = 1; break;
	case 5: in->map = INSN_MAP_EVEX5; break;
	case 6: in->map = INSN_MAP_EVEX6; break;
	case 8: in->map = INSN_MAP_XOP8; imm = 1; break;
	case 9: in->map = INSN_MAP_XOP9; break;
	default: in->map = INSN_MAP_XOPA; imm = 4; break;
	}
	if (modrm) {
		rc = decode_modrm(d, false);
		if (rc)
			return rc;
	}
	return imm ? decode_imm(d, imm) : 0;
}

/* Is C4/C5/62 at this point a VEX/EVEX prefix rather than LES/LDS/BOUND?
 * In 64-bit mode always; elsewhere only when the next byte would be a ModRM
 * with mod=11, which LES/LDS/BOUND cannot use (SDM vol. 2 §2.3.5, §2.7.1). */
static int is_vex_escape(struct decoder *d, bool *vex)
{
	uint8_t next;
	if (d->in->mode == INSN_MODE_64) {
		*vex = true;
		return 0;
	}
	int rc = peek(d, &next);
	if (rc)
		return rc;
	*vex = (next & 0xC0) == 0xC0;
	return 0;
}

/* One-byte opcodes marked SPEC: groups whose members differ in immediates or
 * validity, and the bytes that double as VEX/EVEX/XOP escapes. *flags holds
 * the table entry and receives the operand format to finish decoding with. */
static int decode_one_byte_special(struct decoder *d, uint8_t op, uint16_t *flags, bool *done)
{
	uint8_t next;
	bool vex;
	int rc;

	*done = false;
	switch (op) {
	case 0x62: case 0xC4: case 0xC5:
		rc = is_vex_escape(d, &vex);
		if (rc)
			return rc;
		if (vex) {
			*done = true;
			return decode_vex(d, op);
		}
		/* BOUND Gv,Ma / LES Gz,Mp / LDS Gz,Mp. */
		*flags = OP_M;
		return 0;
	case 0x8F:
		/* Group 1A: POP Ev is /0; a reg field >= 1 is AMD's XOP escape
		 * (APM vol. 3 §1.8: XOP.map_select >= 8). */
		rc = peek(d, &next);
		if (rc)
			return rc;
		if ((next & 0x38) != 0) {
			*done = true;
			return decode_vex(d, op);
		}
		*flags = OP_M | OP_D64;
		return 0;
	}

	/* The rest are ModRM groups (SDM vol. 2 Table A-6): the reg field
	 * picks the member. */
	rc = peek(d, &next);
	if (rc)
		return rc;
	unsigned reg = (next >> 3) & 7;
	unsigned mod = next >> 6;
	switch (op) {
	case 0xC6:  /* Group 11: MOV Eb,Ib (/0); XABORT Ib (C6 F8) */
		if (reg != 0 && next != 0xF8)
			goto undefined;
		*flags = OP_M | OP_IB;
		return 0;
	case 0xC7:  /* Group 11: MOV Ev,Iz (/0); XBEGIN Jz (C7 F8) */
		if (reg != 0 && next != 0xF8)
			goto undefined;
		*flags = OP_M | OP_IZ;
		return 0;
	case 0xF6:  /* Group 3: TEST Eb,Ib is /0 (and its alias /1) */
		*flags = reg <= 1 ? OP_M | OP_IB : OP_M;
		return 0;
	case 0xF7:
		*flags = reg <= 1 ? OP_M | OP_IZ : OP_M;
		return 0;
	case 0xFE:  /* Group 4: INC/DEC Eb only */
		if (reg > 1)
			goto undefined;
		*flags = OP_M;
		return 0;
	default:    /* 0xFF, Group 5 */
		/* /7 is undefined; far CALL/JMP (/3, /5) need a memory operand;
		 * near CALL/JMP and PUSH (/2, /4, /6) are d64/f64. */
		if (reg == 7 || ((reg == 3 || reg == 5) && mod == 3))
			goto undefined;
		*flags = OP_M | ((reg == 2 || reg == 4 || reg == 6) ? OP_D64 : 0);
		return 0;
	}
undefined:
	d->error = "undefined member of an opcode group";
	return -EINVAL;
}

/* Two-byte opcodes marked SPEC: the three-byte escapes, 3DNow! and 0F 78. */
static int decode_0f_special(struct decoder *d, uint8_t op, uint16_t *flags, bool *done)
{
	struct insn *in = d->in;
	uint8_t b;
	int rc;

	*done = false;
	switch (op) {
	case 0x38:  /* Table A-4: every opcode takes ModRM, none an immediate */
	case 0x3A:  /* Table A-5: every opcode takes ModRM and Ib */
		rc = fetch(d, &b);
		if (rc)
			return rc;
		in->map = op == 0x38 ? INSN_MAP_0F38 : INSN_MAP_0F3A;
		in->opcode = b;
		in->opcode_pos = (uint8_t)(d->pos - 1);
		*flags = op == 0x38 ? OP_M : OP_M | OP_IB;
		return 0;
	case 0x0F:
		/* 3DNow! (AMD APM vol. 3 Appendix A.3): 0F 0F ModRM ... suffix,
		 * the suffix byte being the real opcode. */
		rc = decode_modrm(d, false);
		if (rc)
			return rc;
		rc = fetch(d, &b);
		if (rc)
			return rc;
		in->map = INSN_MAP_3DNOW;
		in->opcode = b;
		in->opcode_pos = (uint8_t)(d->pos - 1);
		*done = true;
		return 0;
	default:    /* 0x78 */
		/* VMREAD Ey,Gy without prefix; AMD SSE4a EXTRQ (66) and INSERTQ
		 * (F2) take two Ib (APM vol. 4 "EXTRQ", "INSERTQ"). */
		if ((in->prefixes & INSN_PFX_OPSIZE) || in->last_rep == 0xF2) {
			rc = decode_modrm(d, false);
			if (rc == 0)
				rc = decode_imm(d, 1);
			if (rc == 0)
				rc = decode_imm(d, 1);
			*done = true;
			return rc;
		}
		*flags = OP_M | OP_D64;
		return 0;
	}
}

/* Decode the opcode and everything after it (prefixes already consumed). */
static int decode_body(struct decoder *d)
{
	struct insn *in = d->in;
	uint8_t op;
	uint16_t flags;
	bool done = false;
	int rc = fetch(d, &op);
	if (rc)
		return rc;
	in->map = INSN_MAP_ONE;
	in->opcode = op;
	in->opcode_pos = (uint8_t)(d->pos - 1);
	in->opsize = operand_size(in, false);  /* refined below for d64 opcodes */
	flags = map_one[op];

	if (op == 0x0F) {
		rc = fetch(d, &op);
		if (rc)
			return rc;
		in->map = INSN_MAP_0F;
		in->opcode = op;
		in->opcode_pos = (uint8_t)(d->pos - 1);
		flags = map_0f[op];
		if (flags & OP_SPEC) {
			rc = decode_0f_special(d, op, &flags, &done);
			if (rc || done)
				return rc;
		}
	} else {
		if ((flags & OP_I64) && in->mode == INSN_MODE_64) {
			d->error = "opcode invalid in 64-bit mode";
			return -EINVAL;
		}
		if (flags & OP_SPEC) {
			rc = decode_one_byte_special(d, op, &flags, &done);
			if (rc || done)
				return rc;
		}
	}
	if (flags & OP_BAD) {
		d->error = "undefined opcode";
		return -EINVAL;
	}

	in->opsize = operand_size(in, flags & OP_D64);
	/* String instructions (INS/OUTS, MOVS/CMPS, STOS/LODS/SCAS) address
	 * memory through rSI/rDI without a ModRM byte. */
	if (in->map == INSN_MAP_ONE && ((op >= 0x6C && op <= 0x6F) || (op >= 0xA4 && op <= 0xA7) ||
					(op >= 0xAA && op <= 0xAF)))
		in->mem = true;
	if (flags & OP_M) {
		rc = decode_modrm(d, flags & OP_REGONLY);
		if (rc)
			return rc;
	}
	if (flags & OP_IB)
		rc = decode_imm(d, 1);
	else if (flags & OP_IW)
		rc = decode_imm(d, 2);
	else if (flags & OP_IZ)
		rc = decode_imm(d, iz_size(in));
	else if (flags & OP_IV)
		rc = decode_imm(d, in->opsize);
	else if (flags & OP_AP) {
		rc = decode_imm(d, iz_size(in));
		if (rc == 0)
			rc = decode_imm(d, 2);
	} else if (flags & OP_ENTER) {
		rc = decode_imm(d, 2);
		if (rc == 0)
			rc = decode_imm(d, 1);
	} else if (flags & OP_MOFFS) {
		/* moffs: an address-size offset, no ModRM (SDM vol. 2 "MOV"). */
		uint64_t off;
		rc = fetch_le(d, in->addrsize, &off);
		if (rc == 0) {
			in->disp = (int64_t)off;
			in->disp_size = in->addrsize;
			in->mem = true;
		}
	}
	return rc;
}

int insn_decode(struct insn *out, const uint8_t *bytes, size_t avail, enum insn_mode mode)
{
	struct decoder d = { .bytes = bytes, .avail = avail, .in = out, .pos = 0, .error = NULL };
	int rc;

	memset(out, 0, sizeof(*out));
	if ((unsigned)mode > INSN_MODE_64) {
		pr_err("insn: bad decode mode %d", (int)mode);
		return -EINVAL;
	}
	out->mode = (uint8_t)mode;
	rc = decode_prefixes(&d);
	if (rc == 0) {
		out->addrsize = address_size(mode, out->prefixes & INSN_PFX_ADSIZE);
		rc = decode_body(&d);
	}
	if (rc == -EINVAL) {
		/* Guest-supplied bytes: report what was seen, the caller adds RIP.
		 * Show the bytes consumed and the one that was rejected. */
		char hex[3 * INSN_MAX_LEN + 1];
		size_t shown = MIN(MIN((size_t)d.pos + 1, avail), (size_t)INSN_MAX_LEN);
		insn_bytes_to_hex(bytes, shown, hex, sizeof(hex));
		pr_warn("insn: cannot decode %s code [%s]: %s", mode_name[mode], hex,
			d.error ? d.error : "invalid");
		return -EINVAL;
	}
	if (rc)
		return rc;
	out->len = (uint8_t)d.pos;
	return 0;
}

int insn_length(const uint8_t *bytes, size_t avail, enum insn_mode mode)
{
	struct insn in;
	int rc = insn_decode(&in, bytes, avail, mode);
	return rc ? rc : in.len;
}

void insn_bytes_to_hex(const uint8_t *bytes, size_t n, char *buf, size_t size)
{
	static const char digits[] = "0123456789abcdef";
	size_t out = 0;
	if (size == 0)
		return;
	for (size_t i = 0; i < n && out + 3 <= size; i++) {
		if (i > 0) {
			if (out + 4 > size)
				break;
			buf[out++] = ' ';
		}
		buf[out++] = digits[bytes[i] >> 4];
		buf[out++] = digits[bytes[i] & 15];
	}
	buf[out] = '\0';
}
