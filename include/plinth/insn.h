/* insn.h - the x86 instruction decoder (vmm/insn_decode.c) and the MMIO
 * instruction emulator (vmm/insn_emulate.c).
 *
 * The decoder serves two jobs of the vendor-neutral VMM:
 *  - instruction length for exits that report no next RIP (SVM without NRIP
 *    save, as in QEMU TCG): fetch up to INSN_MAX_LEN bytes at the guest RIP,
 *    call insn_length();
 *  - the operand layout an MMIO emulation needs after an EPT violation / NPF:
 *    insn_decode() then insn_emulate_mmio().
 * Both are pure C, built into the kernel and into host unit tests.
 *
 * Reference: Intel SDM vol. 2 §2.1-2.3 (instruction format, REX), §3.1.1.3
 * (VEX), §2.7 (EVEX), Appendix A (opcode maps); AMD APM vol. 3 §1 (XOP, 3DNow!).
 */
#ifndef PLINTH_INSN_H
#define PLINTH_INSN_H

#include <plinth/compiler.h>

/* Architectural limit on instruction length; longer ones raise #GP
 * (Intel SDM vol. 2 §2.3.11, AMD APM vol. 3 §1.1). */
#define INSN_MAX_LEN 15

/* The code-segment mode the guest executes in: 16 = real mode, virtual-8086
 * mode or CS.D=0; 32 = CS.D=1 (protected or compatibility mode); 64 = long
 * mode with CS.L=1. It sets the default operand and address sizes
 * (Intel SDM vol. 1 §3.6, vol. 3 §5.2.1). */
enum insn_mode { INSN_MODE_16, INSN_MODE_32, INSN_MODE_64 };

/* Opcode map the opcode byte belongs to. */
enum insn_map {
	INSN_MAP_ONE,    /* one-byte map (SDM vol. 2 Table A-2) */
	INSN_MAP_0F,     /* two-byte map 0F xx (Table A-3) */
	INSN_MAP_0F38,   /* three-byte map 0F 38 xx (Table A-4) */
	INSN_MAP_0F3A,   /* three-byte map 0F 3A xx (Table A-5) */
	INSN_MAP_3DNOW,  /* AMD 3DNow! 0F 0F /r ib: opcode is the trailing byte */
	INSN_MAP_EVEX5,  /* EVEX map 5 (AVX512-FP16) */
	INSN_MAP_EVEX6,  /* EVEX map 6 (AVX512-FP16) */
	INSN_MAP_XOP8,   /* AMD XOP maps 8, 9, 0Ah (APM vol. 4 / vol. 3 §1.8) */
	INSN_MAP_XOP9,
	INSN_MAP_XOPA,
};

/* Legacy prefixes seen (INSN_PFX_*), SDM vol. 2 §2.1.1. */
#define INSN_PFX_LOCK   BIT(0)   /* F0 */
#define INSN_PFX_REPNE  BIT(1)   /* F2 */
#define INSN_PFX_REP    BIT(2)   /* F3 */
#define INSN_PFX_OPSIZE BIT(3)   /* 66 */
#define INSN_PFX_ADSIZE BIT(4)   /* 67 */
#define INSN_PFX_SEG    BIT(5)   /* any segment override, see insn.seg */

/* Segment named by an override prefix (or INSN_SEG_NONE). */
enum insn_seg { INSN_SEG_NONE, INSN_SEG_ES, INSN_SEG_CS, INSN_SEG_SS,
		INSN_SEG_DS, INSN_SEG_FS, INSN_SEG_GS };

/* Kind of multi-byte prefix that introduced the opcode (none = legacy). */
enum insn_vex_kind { INSN_VEX_NONE, INSN_VEX_VEX2, INSN_VEX_VEX3,
		     INSN_VEX_EVEX, INSN_VEX_XOP };

/* General-purpose register numbers as encoded in ModRM/SIB/REX
 * (SDM vol. 2 §2.1.5 Table 2-2, §2.2.1.2). */
enum insn_gpr {
	INSN_RAX, INSN_RCX, INSN_RDX, INSN_RBX, INSN_RSP, INSN_RBP, INSN_RSI, INSN_RDI,
	INSN_R8, INSN_R9, INSN_R10, INSN_R11, INSN_R12, INSN_R13, INSN_R14, INSN_R15,
	INSN_NR_GPRS
};

/* One decoded instruction. Only what the hypervisor needs: the length, the
 * opcode identity and the operand layout. */
struct insn {
	uint8_t bytes[INSN_MAX_LEN]; /* the instruction's bytes (len of them valid) */
	uint8_t len;            /* total length in bytes, 1..15 */
	uint8_t mode;           /* enum insn_mode decoded in */
	uint8_t map;            /* enum insn_map */
	uint8_t opcode;         /* opcode byte within map */
	uint8_t opcode_pos;     /* offset of the opcode byte in bytes[] */
	uint8_t prefixes;       /* INSN_PFX_* bitmask */
	uint8_t last_rep;       /* 0, 0xF2 or 0xF3: the last of the two seen
				 * (mandatory-prefix selection) */
	uint8_t seg;            /* enum insn_seg */
	uint8_t rex;            /* REX byte in effect (0 if none; a REX that is
				 * followed by another prefix is ignored, §2.2.1) */
	uint8_t vex_kind;       /* enum insn_vex_kind */
	uint8_t vex[3];         /* the VEX/EVEX/XOP payload bytes after C4/C5/62/8F */
	uint8_t opsize;         /* operand size in bytes: 2, 4 or 8 (the size of
				 * the "v"/"z" operands; byte ops use 1) */
	uint8_t addrsize;       /* address size in bytes: 2, 4 or 8 */
	bool has_modrm;
	bool has_sib;
	bool mem;               /* a memory operand: ModRM mod != 3, moffs, or
				 * the rSI/rDI operand of a string instruction */
	bool rip_relative;      /* 64-bit mode, mod=00 rm=101 */
	uint8_t modrm;          /* raw ModRM byte */
	uint8_t mod;            /* ModRM.mod */
	uint8_t reg;            /* ModRM.reg extended by REX.R (0..15) */
	uint8_t rm;             /* ModRM.rm extended by REX.B (0..15) */
	uint8_t sib;            /* raw SIB byte */
	uint8_t disp_size;      /* 0, 1, 2 or 4 (8 for 64-bit moffs) */
	uint8_t imm_size;       /* size of the first immediate, 0..8 */
	uint8_t imm2_size;      /* second immediate (ENTER ib, far pointer
				 * selector, EXTRQ/INSERTQ second ib), 0..2 */
	int64_t disp;           /* displacement, sign-extended (moffs: zero-extended) */
	uint64_t imm;           /* first immediate, zero-extended raw bits */
	uint64_t imm2;          /* second immediate */
};

/* Decode one instruction from bytes[0..avail) in the given mode.
 * Returns 0 and fills *out; -EAGAIN when avail ends before the instruction
 * does (fetch more bytes, or the instruction runs into an unmapped page);
 * -EINVAL for an undefined opcode, a prefix combination that raises #UD, or
 * an instruction longer than INSN_MAX_LEN (logged at warning level).
 * Near branches with a 66 prefix in 64-bit mode are decoded as AMD CPUs and
 * QEMU execute them (rel16); Intel CPUs ignore the prefix (rel32). */
int insn_decode(struct insn *out, const uint8_t *bytes, size_t avail, enum insn_mode mode);

/* Length of the instruction at bytes[0..avail): 1..15, or -EAGAIN / -EINVAL
 * as for insn_decode(). */
int insn_length(const uint8_t *bytes, size_t avail, enum insn_mode mode);

/* Write n bytes as lowercase hex pairs separated by spaces ("0f 01 d9") into
 * buf, always NUL-terminated, truncated at whole bytes to fit size. For the
 * VMM's "cannot decode / unsupported instruction at RIP" messages. */
void insn_bytes_to_hex(const uint8_t *bytes, size_t n, char *buf, size_t size);

/* ------------------------------------------------------------ MMIO emulation */

/* RFLAGS arithmetic status flags (SDM vol. 1 §3.4.3.1). */
#define INSN_RFLAGS_CF BIT(0)
#define INSN_RFLAGS_PF BIT(2)
#define INSN_RFLAGS_AF BIT(4)
#define INSN_RFLAGS_ZF BIT(6)
#define INSN_RFLAGS_SF BIT(7)
#define INSN_RFLAGS_DF BIT(10)
#define INSN_RFLAGS_OF BIT(11)
#define INSN_RFLAGS_STATUS (INSN_RFLAGS_CF | INSN_RFLAGS_PF | INSN_RFLAGS_AF | \
			    INSN_RFLAGS_ZF | INSN_RFLAGS_SF | INSN_RFLAGS_OF)

/* What the emulator needs from the vCPU and the device model; the VMX and SVM
 * backends implement it alike. reg is an enum insn_gpr; registers are always
 * read and written as full 64-bit values (the emulator merges partial writes).
 * mmio_read/mmio_write access size bytes (1, 2, 4 or 8) at gpa and return 0
 * or a negative error that insn_emulate_mmio() passes back unchanged. */
struct insn_emul_ops {
	uint64_t (*read_gpr)(void *ctx, unsigned reg);
	void (*write_gpr)(void *ctx, unsigned reg, uint64_t value);
	uint64_t (*get_rflags)(void *ctx);
	void (*set_rflags)(void *ctx, uint64_t rflags);
	int (*mmio_read)(void *ctx, gpa_t gpa, unsigned size, uint64_t *val);
	int (*mmio_write)(void *ctx, gpa_t gpa, unsigned size, uint64_t val);
};

/* Emulate the decoded instruction *in, whose memory operand is the MMIO
 * location gpa (the faulting guest-physical address from the exit).
 * Supported: MOV (88-8B, C6/C7 /0, A0-A3), MOVZX/MOVSX (0F B6/B7/BE/BF),
 * MOVSXD (63 in 64-bit mode), ADD/OR/ADC/SBB/AND/SUB/XOR/CMP (00-3B, 80-83),
 * TEST (84/85, F6/F7 /0 /1), NOT/NEG (F6/F7 /2 /3), INC/DEC (FE/FF /0 /1),
 * XCHG (86/87), STOS (AA/AB, with REP/REPNE).
 * Returns the number of bytes to advance RIP (in->len) when the instruction
 * completed; 0 when a REP STOS stopped at the end of the MMIO page with
 * iterations left (RCX/RDI updated: re-execute it without advancing RIP);
 * -ENOTSUP for an instruction the emulator does not handle (logged, with its
 * bytes, so the VMM can stop the guest); -EINVAL for an instruction without a
 * memory operand; or the error of a failed mmio_read/mmio_write. */
int insn_emulate_mmio(const struct insn *in, gpa_t gpa,
		      const struct insn_emul_ops *ops, void *ctx);

#endif
