/*
 * vmx_reflect.c - did L1 ask for an L2 exit (see vmx_reflect.h)?
 */
#include "nested/vmx_reflect.h"
#include "hv/vmx/vmx_arch.h"
#include "nested/vmx_pfec.h"

#define F VMCS12_F


/* Bit n of the bitmap page at gpa; a bitmap L1 placed outside its RAM
 * reads as all ones (the exit goes to L1, which can only be right). */
static bool bitmap_bit(const struct vmx_l1_mem *mem, uint64_t gpa, uint32_t n)
{
	uint8_t byte;
	if (!mem->read(mem->ctx, gpa + n / 8, &byte, 1))
		return true;
	return (byte >> (n % 8)) & 1;
}

/* I/O bitmaps (SDM 3C 25.6.4): A covers ports 0-0x7FFF, B 0x8000-0xFFFF;
 * an access exits if the bit of any port it touches is set, or if it
 * wraps past 0xFFFF. */
static bool io_wants(const struct vmcs12 *v, uint32_t proc, uint64_t qual, const struct vmx_l1_mem *mem)
{
	if (!(proc & PROC_USE_IO_BITMAPS))
		return proc & PROC_UNCOND_IO_EXITING;
	unsigned port = (qual >> 16) & 0xffff, size = (qual & 7) + 1;
	if (port + size - 1 > 0xffff)
		return true;
	for (unsigned p = port; p < port + size; p++) {
		uint64_t map = p < 0x8000 ? F(v, IO_BITMAP_A) : F(v, IO_BITMAP_B);
		if (bitmap_bit(mem, map, p & 0x7fff))
			return true;
	}
	return false;
}

/* MSR bitmaps (SDM 3C 25.6.9): read low (0-0x1FFF) at byte 0, read high
 * (0xC0000000-0xC0001FFF) at 1024, write low at 2048, write high at 3072;
 * MSRs outside both ranges always exit. */
static bool msr_wants(const struct vmcs12 *v, uint32_t proc, uint32_t msr, bool write, const struct vmx_l1_mem *mem)
{
	if (!(proc & PROC_USE_MSR_BITMAPS))
		return true;
	uint32_t base;
	if (msr <= 0x1fff)
		base = 0;
	else if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		base = 1024;
	else
		return true;
	return bitmap_bit(mem, F(v, MSR_BITMAP), (base + (write ? 2048 : 0)) * 8 + (msr & 0x1fff));
}

/* Control-register accesses (SDM 3C 26.1.3 and table 28-3). */
static bool cr_wants(const struct vmcs12 *v, uint32_t proc, const struct vmx_exit_facts *f)
{
	unsigned cr = f->qual & 0xf, type = (f->qual >> 4) & 3;
	uint64_t mask0 = F(v, CR0_GUEST_HOST_MASK), shadow0 = F(v, CR0_READ_SHADOW);
	switch (type) {
	case 0: /* MOV to CR */
		if (cr == 0)
			return ((f->cr_value ^ shadow0) & mask0) != 0;
		if (cr == 4)
			return ((f->cr_value ^ F(v, CR4_READ_SHADOW)) & F(v, CR4_GUEST_HOST_MASK)) != 0;
		if (cr == 3) {
			if (!(proc & PROC_CR3_LOAD_EXITING))
				return false;
			uint64_t n = F(v, CR3_TARGET_COUNT);
			for (uint64_t i = 0; i < n && i < 4; i++)
				if (v->field[VMCS12_CR3_TARGET0 + i] == f->cr_value)
					return false;
			return true;
		}
		if (cr == 8)
			return proc & PROC_CR8_LOAD_EXITING;
		return true;
	case 1: /* MOV from CR */
		if (cr == 3)
			return proc & PROC_CR3_STORE_EXITING;
		if (cr == 8)
			return proc & PROC_CR8_STORE_EXITING;
		return true;
	case 2: /* CLTS: only if L1 owns TS and its shadow has TS set */
		return (mask0 & 8) && (shadow0 & 8);
	default: { /* LMSW: source in qualification bits 31:16 */
		uint64_t src = (f->qual >> 16) & 0xf;
		if ((mask0 & 1) && (src & 1) && !(shadow0 & 1))
			return true; /* setting PE that L1 shadows as clear */
		return ((src ^ shadow0) & mask0 & 0xe) != 0;
	}
	}
}

/* Exceptions and NMIs (SDM 3C 26.2): the exception bitmap, with #PF
 * through L1's MASK/MATCH rule; NMIs through NMI exiting. */
static bool exception_wants(const struct vmcs12 *v, uint32_t pin, const struct vmx_exit_facts *f)
{
	unsigned type = (f->intr_info >> 8) & 7, vector = f->intr_info & 0xff;
	if (type == 2)
		return pin & PIN_NMI_EXITING;
	if (vector > 31)
		return true;
	if (vector == 14) {
		struct pf_rule r = { (F(v, EXCEPTION_BITMAP) >> 14) & 1, (uint32_t)F(v, PF_ERROR_CODE_MASK),
				     (uint32_t)F(v, PF_ERROR_CODE_MATCH) };
		return pf_rule_exits(&r, f->intr_error);
	}
	return (F(v, EXCEPTION_BITMAP) >> vector) & 1;
}

bool vmx_l1_wants_exit(const struct vmcs12 *v, const struct vmx_exit_facts *f, const struct vmx_l1_mem *mem)
{
	uint32_t pin = (uint32_t)F(v, PIN_BASED_CTLS), proc = (uint32_t)F(v, PROC_BASED_CTLS);
	uint32_t proc2 = (proc & PROC_SECONDARY) ? (uint32_t)F(v, PROC_BASED_CTLS2) : 0;
	switch (f->reason) {
	case VMX_EXIT_EXCEPTION_NMI: return exception_wants(v, pin, f);
	case VMX_EXIT_EXTINT: return pin & PIN_EXTINT_EXITING;
	case VMX_EXIT_INTR_WINDOW: return proc & PROC_INTR_WINDOW;
	case VMX_EXIT_NMI_WINDOW: return proc & PROC_NMI_WINDOW;
	case VMX_EXIT_HLT: return proc & PROC_HLT_EXITING;
	case VMX_EXIT_INVLPG: return proc & PROC_INVLPG_EXITING;
	case VMX_EXIT_RDPMC: return proc & PROC_RDPMC_EXITING;
	case VMX_EXIT_RDTSC:
	case VMX_EXIT_RDTSCP: return proc & PROC_RDTSC_EXITING;
	case VMX_EXIT_CR_ACCESS: return cr_wants(v, proc, f);
	case VMX_EXIT_DR_ACCESS: return proc & PROC_MOV_DR_EXITING;
	case VMX_EXIT_IO: return io_wants(v, proc, f->qual, mem);
	case VMX_EXIT_RDMSR: return msr_wants(v, proc, f->msr, false, mem);
	case VMX_EXIT_WRMSR: return msr_wants(v, proc, f->msr, true, mem);
	case VMX_EXIT_MWAIT: return proc & PROC_MWAIT_EXITING;
	case VMX_EXIT_MTF: return proc & PROC_MONITOR_TRAP_FLAG;
	case VMX_EXIT_MONITOR: return proc & PROC_MONITOR_EXITING;
	case VMX_EXIT_PAUSE: return proc & PROC_PAUSE_EXITING;
	case VMX_EXIT_PREEMPTION_TIMER: return pin & PIN_PREEMPTION_TIMER;
	case VMX_EXIT_WBINVD: return proc2 & PROC2_WBINVD_EXITING;
	default:
		/* CPUID, INVD, GETSEC, XSETBV, the VMX instructions, triple
		 * fault, task switch, INIT, SIPI ... exit unconditionally;
		 * and an exit this code does not know is L1's too. */
		return true;
	}
}
