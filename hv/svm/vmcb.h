/*
 * vmcb.h - the AMD Virtual Machine Control Block (AMD APM Vol 2,
 * appendix B: control area table B-1, state save area table B-2).
 * Offsets are checked by static_assert below; the CPU reads this page.
 */
#ifndef NESTOR_SVM_VMCB_H
#define NESTOR_SVM_VMCB_H

#include <stdint.h>

struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib; /* descriptor bits 40-47 in 7:0, bits 52-55 in 11:8 */
	uint32_t limit;
	uint64_t base;
};

struct vmcb_control {
	uint32_t intercept_cr;    /* 0x000: reads 15:0, writes 31:16 */
	uint32_t intercept_dr;    /* 0x004 */
	uint32_t intercept_exc;   /* 0x008: bit n = exception vector n */
	uint32_t intercept_misc1; /* 0x00c */
	uint32_t intercept_misc2; /* 0x010 */
	uint32_t intercept_misc3; /* 0x014 */
	uint8_t reserved1[0x3c - 0x18];
	uint16_t pause_filter_threshold; /* 0x03c */
	uint16_t pause_filter_count;     /* 0x03e */
	uint64_t iopm_base_pa;    /* 0x040 */
	uint64_t msrpm_base_pa;   /* 0x048 */
	uint64_t tsc_offset;      /* 0x050 */
	uint32_t asid;            /* 0x058 */
	uint8_t tlb_control;      /* 0x05c */
	uint8_t reserved2[3];
	uint64_t vintr;           /* 0x060: V_TPR, V_IRQ, V_INTR_MASKING (bit 24), ... */
	uint64_t interrupt_shadow; /* 0x068 */
	uint64_t exitcode;        /* 0x070 */
	uint64_t exitinfo1;       /* 0x078 */
	uint64_t exitinfo2;       /* 0x080 */
	uint64_t exitintinfo;     /* 0x088 */
	uint64_t np_enable;       /* 0x090: bit 0 NP_ENABLE: NPT on */
	uint64_t avic_apic_bar;   /* 0x098 */
	uint64_t ghcb_pa;         /* 0x0a0 */
	uint64_t eventinj;        /* 0x0a8 */
	uint64_t ncr3;            /* 0x0b0 */
	uint64_t lbr_virt;        /* 0x0b8 */
	uint32_t clean_bits;      /* 0x0c0 */
	uint32_t reserved3;
	uint64_t next_rip;        /* 0x0c8: with NRIPS */
	uint8_t insn_bytes_fetched; /* 0x0d0: with decode assists */
	uint8_t insn_bytes[15];
	uint8_t reserved4[0x400 - 0xe0];
};

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 */
	uint8_t reserved1[0x4cb - 0x4a0];
	uint8_t cpl;              /* 0x4cb */
	uint32_t reserved2;
	uint64_t efer;            /* 0x4d0 */
	uint8_t reserved3[0x548 - 0x4d8];
	uint64_t cr4;             /* 0x548 */
	uint64_t cr3;             /* 0x550 */
	uint64_t cr0;             /* 0x558 */
	uint64_t dr7;             /* 0x560 */
	uint64_t dr6;             /* 0x568 */
	uint64_t rflags;          /* 0x570 */
	uint64_t rip;             /* 0x578 */
	uint8_t reserved4[0x5d8 - 0x580];
	uint64_t rsp;             /* 0x5d8 */
	uint8_t reserved5[0x5f8 - 0x5e0];
	uint64_t rax;             /* 0x5f8 */
	uint64_t star;            /* 0x600 */
	uint64_t lstar;           /* 0x608 */
	uint64_t cstar;           /* 0x610 */
	uint64_t sfmask;          /* 0x618 */
	uint64_t kernel_gs_base;  /* 0x620 */
	uint64_t sysenter_cs;     /* 0x628 */
	uint64_t sysenter_esp;    /* 0x630 */
	uint64_t sysenter_eip;    /* 0x638 */
	uint64_t cr2;             /* 0x640 */
	uint8_t reserved6[0x668 - 0x648];
	uint64_t g_pat;           /* 0x668 */
	uint64_t dbgctl;          /* 0x670 */
	uint8_t reserved7[0x1000 - 0x678];
};

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
};

#define VMCB_CHECK(field, off) _Static_assert(__builtin_offsetof(struct vmcb, field) == (off), "VMCB offset of " #field)
VMCB_CHECK(control.iopm_base_pa, 0x040);
VMCB_CHECK(control.asid, 0x058);
VMCB_CHECK(control.exitcode, 0x070);
VMCB_CHECK(control.np_enable, 0x090);
VMCB_CHECK(control.eventinj, 0x0a8);
VMCB_CHECK(control.ncr3, 0x0b0);
VMCB_CHECK(control.next_rip, 0x0c8);
VMCB_CHECK(control.insn_bytes, 0x0d1);
VMCB_CHECK(save.es, 0x400);
VMCB_CHECK(save.tr, 0x490);
VMCB_CHECK(save.cpl, 0x4cb);
VMCB_CHECK(save.efer, 0x4d0);
VMCB_CHECK(save.cr4, 0x548);
VMCB_CHECK(save.rip, 0x578);
VMCB_CHECK(save.rsp, 0x5d8);
VMCB_CHECK(save.rax, 0x5f8);
VMCB_CHECK(save.cr2, 0x640);
VMCB_CHECK(save.g_pat, 0x668);
_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");

/* Intercept bits (APM Vol 2 table B-1). */
#define SVM_INTERCEPT1_INTR (1u << 0)
#define SVM_INTERCEPT1_NMI (1u << 1)
#define SVM_INTERCEPT1_SMI (1u << 2)
#define SVM_INTERCEPT1_INIT (1u << 3)
#define SVM_INTERCEPT1_VINTR (1u << 4)
#define SVM_INTERCEPT1_IRET (1u << 20)
#define SVM_INTERCEPT1_CPUID (1u << 18)
#define SVM_INTERCEPT1_INVD (1u << 22)
#define SVM_INTERCEPT1_HLT (1u << 24)
#define SVM_INTERCEPT1_INVLPGA (1u << 26)
#define SVM_INTERCEPT1_IOIO (1u << 27)
#define SVM_INTERCEPT1_MSR (1u << 28)
#define SVM_INTERCEPT1_TASK_SWITCH (1u << 29)
#define SVM_INTERCEPT1_SHUTDOWN (1u << 31)
#define SVM_INTERCEPT2_VMRUN (1u << 0)
#define SVM_INTERCEPT2_VMMCALL (1u << 1)
#define SVM_INTERCEPT2_VMLOAD (1u << 2)
#define SVM_INTERCEPT2_VMSAVE (1u << 3)
#define SVM_INTERCEPT2_STGI (1u << 4)
#define SVM_INTERCEPT2_CLGI (1u << 5)
#define SVM_INTERCEPT2_SKINIT (1u << 6)
#define SVM_INTERCEPT2_RDTSCP (1u << 7)
#define SVM_INTERCEPT2_MONITOR (1u << 10)
#define SVM_INTERCEPT2_MWAIT (1u << 11)
#define SVM_INTERCEPT2_XSETBV (1u << 13)

/* EXITCODE values (APM Vol 2 appendix C). */
#define SVM_EXIT_CR0_READ 0x000
#define SVM_EXIT_CR0_WRITE 0x010
#define SVM_EXIT_EXCP_BASE 0x040
#define SVM_EXIT_INTR 0x060
#define SVM_EXIT_NMI 0x061
#define SVM_EXIT_SMI 0x062
#define SVM_EXIT_INIT 0x063
#define SVM_EXIT_VINTR 0x064
#define SVM_EXIT_IRET 0x074
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_INVD 0x076
#define SVM_EXIT_HLT 0x078
#define SVM_EXIT_INVLPGA 0x07a
#define SVM_EXIT_IOIO 0x07b
#define SVM_EXIT_MSR 0x07c
#define SVM_EXIT_TASK_SWITCH 0x07d
#define SVM_EXIT_SHUTDOWN 0x07f
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_VMLOAD 0x082
#define SVM_EXIT_VMSAVE 0x083
#define SVM_EXIT_STGI 0x084
#define SVM_EXIT_CLGI 0x085
#define SVM_EXIT_SKINIT 0x086
#define SVM_EXIT_RDTSCP 0x087
#define SVM_EXIT_MONITOR 0x08a
#define SVM_EXIT_MWAIT 0x08b
#define SVM_EXIT_XSETBV 0x08d
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID 0xffffffffffffffffull

/* EVENTINJ and EXITINTINFO (APM Vol 2 15.20, 15.7.2): vector 7:0, type
 * 10:8 (0 INTR, 2 NMI, 3 exception, 4 software interrupt), EV bit 11,
 * V bit 31, error code 63:32. */
#define SVM_EVENT_VALID (1ull << 31)
#define SVM_EVENT_ERROR_VALID (1ull << 11)
#define SVM_EVENT_TYPE_SHIFT 8
#define SVM_EVENT_TYPE_MASK (7ull << 8)
#define SVM_EVENT_TYPE_EXCEPTION (3ull << 8)

/* VMCB 0x060 (APM Vol 2 15.21.1, table B-1): V_IRQ bit 8, V_IGN_TPR bit
 * 20, V_INTR_MASKING bit 24. 0x068 bit 0: the guest is in an interrupt
 * shadow (STI / MOV SS). */
#define SVM_VINTR_V_TPR 0xfull
/* VMCB 0x000: CR reads intercepted in bits 15:0, writes in 31:16. */
#define SVM_INTERCEPT_CR_WRITE(n) (1u << (16 + (n)))
#define SVM_VINTR_V_IRQ (1ull << 8)
#define SVM_VINTR_V_IGN_TPR (1ull << 20)
#define SVM_VINTR_MASKING (1ull << 24)
#define SVM_INTERRUPT_SHADOW 1ull

/* IOIO EXITINFO1 (APM Vol 2 15.10.2, figure 15-2). */
#define SVM_IOIO_IN (1u << 0)
#define SVM_IOIO_STR (1u << 2)
#define SVM_IOIO_REP (1u << 3)
#define SVM_IOIO_SIZE_SHIFT 4 /* one-hot: 1 = 8-bit, 2 = 16-bit, 4 = 32-bit */
#define SVM_IOIO_PORT_SHIFT 16

#define MSR_VM_HSAVE_PA 0xc0010117u

#endif
