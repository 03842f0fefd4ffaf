/* vmx_gpr_offsets.h - byte offsets of the guest registers in struct
 * vcpu.gpr[] (enum insn_gpr order, 8 bytes each), for vmx_entry.S. The C
 * side checks every one with _Static_assert (vmx_ops.c). */
#ifndef ARCH_X86_VMX_GPR_OFFSETS_H
#define ARCH_X86_VMX_GPR_OFFSETS_H

#define GPR_RAX 0
#define GPR_RCX 8
#define GPR_RDX 16
#define GPR_RBX 24
#define GPR_RSP 32      /* not touched by the stub: the VMCS holds guest RSP */
#define GPR_RBP 40
#define GPR_RSI 48
#define GPR_RDI 56
#define GPR_R8  64
#define GPR_R9  72
#define GPR_R10 80
#define GPR_R11 88
#define GPR_R12 96
#define GPR_R13 104
#define GPR_R14 112
#define GPR_R15 120

#define VMCS_HOST_RSP_FIELD 0x6C14   /* = VMCS_HOST_RSP in <x86/vmx.h> */

#endif
