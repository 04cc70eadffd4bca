/*
 * nested_svm_intr.c - an L1 hypervisor's own interrupts and NMIs while
 * its L2 runs (nested=on). L1 intercepts INTR and NMI (as KVM and Xen
 * do) and runs an L2 that spins forever:
 *  - L1's local APIC timer fires while L2 runs: #VMEXIT with EXITCODE
 *    INTR (0x60), EXITINFO1/2 0 (APM Vol 2 15.13.1); the interrupt is
 *    still L1's: after STGI (GIF was cleared by the #VMEXIT, 15.17) and
 *    with IF=1 it reaches L1's handler once.
 *  - an NMI L1 sent itself with GIF=0 (held, 15.17) is pending at VMRUN:
 *    #VMEXIT NMI (0x61) before L2 runs an instruction of note; after STGI
 *    L1's NMI handler runs once.
 * Without Nestor's handling L2 would spin for ever (the case times out).
 */
#include "lib/guest.h"
#include "lib/svm.h"
#include "hv/guest_abi.h"

const char guest_name[] = "nested_svm_intr";

#define V_TIMER 0x50
#define R_EOI 0xb0
#define R_ICR_LO 0x300
#define R_ICR_HI 0x310
#define R_LVT_TIMER 0x320
#define R_TIMER_ICR 0x380
#define R_TIMER_DCR 0x3e0

static volatile uint32_t *apic = (volatile uint32_t *)0xfee00000u;
static volatile uint32_t timer_hits, nmi_hits;

__attribute__((used)) static void on_timer(void)
{
	timer_hits++;
	apic[R_EOI / 4] = 0;
}
__attribute__((used)) static void on_nmi(void) { nmi_hits++; }
GUEST_INTR_STUB(timer_stub, on_timer);
GUEST_INTR_STUB(nmi_stub, on_nmi);

extern char l2_spin[];
__asm__(".text\nl2_spin: jmp l2_spin\n");
static uint8_t l2_stack[4096] __attribute__((aligned(16)));

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	if (!nestor_present() || !((cpuid(0x80000001, 0).ecx >> 2) & 1)) {
		guest_skip("needs Nestor's nested=on (SVM)");
		return 0;
	}
	guest_idt_init();
	guest_idt_set_handler(V_TIMER, timer_stub);
	guest_idt_set_handler(2, nmi_stub);
	svm_enable();

	/* 1: L1's APIC timer while L2 spins. */
	struct vmcb *v = svm_vmcb_flat32((void (*)(void))l2_spin, l2_stack + sizeof(l2_stack));
	v->control.intercept_misc1 |= SVM_INTERCEPT1_INTR | SVM_INTERCEPT1_NMI;
	v->control.vintr |= SVM_VINTR_MASKING;
	/* L2 with IF=1: Bochs's SVM takes the host's INTR exit only then
	 * (see the timeslice case); with V_INTR_MASKING and the INTR
	 * intercept no physical interrupt reaches L2's IDT either way. */
	v->save.rflags |= 0x200;
	svm_clgi();
	__asm__ volatile("sti" ::: "memory");
	apic[R_TIMER_DCR / 4] = 0xb;
	apic[R_LVT_TIMER / 4] = V_TIMER;
	apic[R_TIMER_ICR / 4] = 50000; /* 2 ms at 25 MHz */
	svm_run(v);
	uint32_t code = (uint32_t)v->control.exitcode;
	uint64_t i1 = v->control.exitinfo1, i2 = v->control.exitinfo2;
	uint32_t before = timer_hits;
	svm_stgi(); /* the held interrupt is taken here */
	__asm__ volatile("nop; cli" ::: "memory");
	guest_check(code == SVM_EXIT_INTR && i1 == 0 && i2 == 0,
		    "L1's timer during L2: #VMEXIT 0x%x (INTR 0x60), EXITINFO1 0x%llx, EXITINFO2 0x%llx", code,
		    (unsigned long long)i1, (unsigned long long)i2);
	guest_check(before == 0 && timer_hits == 1, "L1 took its timer interrupt after STGI (%u before, %u after)",
		    before, timer_hits);

	/* 2: an NMI held by GIF=0 at VMRUN. */
	v = svm_vmcb_flat32((void (*)(void))l2_spin, l2_stack + sizeof(l2_stack));
	v->control.intercept_misc1 |= SVM_INTERCEPT1_INTR | SVM_INTERCEPT1_NMI;
	v->control.vintr |= SVM_VINTR_MASKING;
	svm_clgi();
	apic[R_ICR_HI / 4] = 0; /* APIC ID 0: this vCPU */
	apic[R_ICR_LO / 4] = 0x400; /* NMI, physical */
	uint32_t held = nmi_hits;
	svm_run(v);
	code = (uint32_t)v->control.exitcode;
	before = nmi_hits;
	svm_stgi();
	__asm__ volatile("nop" ::: "memory");
	guest_check(held == 0, "the NMI was held while GIF was 0 (%u taken)", held);
	guest_check(code == SVM_EXIT_NMI, "pending NMI at VMRUN: #VMEXIT 0x%x (NMI 0x61)", code);
	guest_check(before == 0 && nmi_hits == 1, "L1 took its NMI after STGI (%u before, %u after)", before, nmi_hits);
	return 0;
}
