//go:build !abacus_purego

#include "textflag.h"

// func rdpid() uint32
TEXT ·rdpid(SB), NOSPLIT, $0-4
	RDPID AX
	MOVL  AX, ret+0(FP)
	RET

// func lsl() (v uint32, ok bool)
//
// LSL loads the limit of the segment descriptor named by selector 0x7b: GDT
// entry 15 (GDT_ENTRY_CPUNODE, formerly GDT_ENTRY_PER_CPU) at privilege 3.
// It sets ZF when the descriptor is valid and visible, and leaves AX alone
// otherwise.
TEXT ·lsl(SB), NOSPLIT, $0-5
	MOVL  $0x7b, CX
	XORL  AX, AX
	LSLL  CX, AX
	SETEQ ok+4(FP)
	MOVL  AX, v+0(FP)
	RET

// func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL subleaf+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET
