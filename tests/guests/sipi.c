/*
 * sipi - starting an application processor the way an OS does (SDM 3A
 * 9.4.4, MP spec B.4): vCPU 1 waits for a start-up IPI; INIT, INIT
 * de-assert and two SIPIs start it in real mode at vector << 12 with the
 * processor signature in EDX; the second SIPI does nothing; a fixed IPI
 * reaches its real-mode handler and ends its HLT; INIT puts it back into
 * wait-for-SIPI and a SIPI with another vector starts it there.
 *
 * Run with vcpus=2. The AP's code is 16-bit, copied below 1 MiB; it
 * reports through a mailbox at 0x9000 (count of starts, APIC ID, EDX,
 * IPIs taken).
 */
#include "lib/guest.h"
#include "hv/guest_abi.h"

const char guest_name[] = "sipi";

#define R_ICR_LO 0x300
#define R_ICR_HI 0x310
#define ICR_BUSY (1u << 12)
#define ICR_INIT_ASSERT 0x4500u   /* INIT, level assert, edge */
#define ICR_INIT_DEASSERT 0x8500u /* INIT, level de-assert, level trigger */
#define ICR_STARTUP 0x4600u
#define VEC_AP 0x40

struct mailbox {
	uint16_t starts;
	uint8_t apic_id;
	uint8_t pad;
	uint32_t edx;
	uint16_t ipis;
};
#define MAILBOX ((volatile struct mailbox *)0x9000)

/* The AP: count the start, note the APIC ID and the EDX it started with,
 * enable its APIC, then halt with interrupts on; its IPI handler counts,
 * EOIs and returns. (The handler clobbers EAX/ECX/EDX: the interrupted
 * code is only HLT.) */
extern char ap_start[], ap_handler[], ap_end[];
__asm__(".text\n.code16\n"
	".globl ap_start\nap_start:\n"
	"\tcli\n"
	"\txorw %ax, %ax\n"
	"\tmovw %ax, %ds\n"
	"\tmovl %edx, 0x9004\n"
	"\tmovl $1, %eax\n"
	"\tcpuid\n"
	"\tshrl $24, %ebx\n"
	"\tmovb %bl, 0x9002\n"
	/* Its APIC is as after INIT (software-disabled): enable it, in
	 * x2APIC mode, which real-mode code reaches through MSRs. */
	"\tmovl $0x1b, %ecx\n"
	"\trdmsr\n"
	"\torl $0xc00, %eax\n"
	"\twrmsr\n"
	"\tmovl $0x80f, %ecx\n"
	"\tmovl $0x1ff, %eax\n"
	"\txorl %edx, %edx\n"
	"\twrmsr\n"
	"\tlock incw 0x9000\n"
	"\tsti\n"
	"1:\thlt\n"
	"\tjmp 1b\n"
	".globl ap_handler\nap_handler:\n"
	"\tlock incw 0x9008\n"
	"\tmovl $0x80b, %ecx\n" /* x2APIC EOI */
	"\txorl %eax, %eax\n"
	"\txorl %edx, %edx\n"
	"\twrmsr\n"
	"\tiret\n"
	".globl ap_end\nap_end:\n"
	".code32\n");

static volatile uint32_t *apic = (volatile uint32_t *)0xfee00000u;

static void send(uint32_t dest, uint32_t lo)
{
	apic[R_ICR_HI / 4] = dest << 24;
	apic[R_ICR_LO / 4] = lo;
}

/* Spin until cond() or the TSC budget runs out; true if cond() held. */
static bool wait_for(bool (*cond)(void), uint64_t budget)
{
	uint64_t t0 = rdtsc();
	while (!cond()) {
		if (rdtsc() - t0 > budget)
			return false;
		/* IF=1 while spinning: Bochs's SVM takes the host timer's
		 * INTR exit (the end of this vCPU's slice, so the AP sharing
		 * the CPU runs) only then (see the timeslice case). */
		__asm__ volatile("sti; nop; cli" ::: "memory");
	}
	return true;
}
static unsigned want_starts, want_ipis;
static bool starts_reached(void) { return MAILBOX->starts >= want_starts; }
static bool ipis_reached(void) { return MAILBOX->ipis >= want_ipis; }

static void place(uint32_t at)
{
	memcpy((void *)(uintptr_t)at, ap_start, (size_t)(ap_end - ap_start));
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	if (!nestor_present()) {
		guest_skip("needs Nestor's vcpus=2");
		return 0;
	}
	uint32_t ncpus = (cpuid(1, 0).ebx >> 16) & 0xff;
	if (!guest_check(ncpus == 2, "CPUID.1:EBX says %u logical processors (run with vcpus=2)", ncpus))
		return 0;
	uint64_t budget = (uint64_t)guest_tsc_khz() * 2000; /* 2 s */
	memset((void *)MAILBOX, 0, sizeof(struct mailbox));
	place(0x8000);
	place(0x7000);
	/* Real-mode IVT entry of VEC_AP: the handler in the copy at 0x8000. */
	uint32_t ivt_entry = (0x0800u << 16) | (uint32_t)(ap_handler - ap_start);
	uintptr_t ivt_at = VEC_AP * 4;
	__asm__ volatile("movl %0, (%1)" ::"r"(ivt_entry), "r"(ivt_at) : "memory");

	want_starts = 1;
	bool ok = !wait_for(starts_reached, budget / 20);
	guest_check(ok, "the AP waits for a start-up IPI (starts %u)", MAILBOX->starts);
	send(1, ICR_INIT_ASSERT);
	send(1, ICR_INIT_DEASSERT);
	send(1, ICR_STARTUP | 0x08);
	ok = wait_for(starts_reached, budget);
	guest_check(ok, "INIT + SIPI 0x08 started the AP (starts %u)", MAILBOX->starts);
	send(1, ICR_STARTUP | 0x08);
	guest_check((apic[R_ICR_LO / 4] & ICR_BUSY) == 0, "ICR delivery status idle after sending");
	wait_for(ipis_reached, budget / 20); /* time for a wrong second start */
	guest_check(MAILBOX->starts == 1, "the second SIPI did nothing (starts %u)", MAILBOX->starts);
	guest_check(MAILBOX->apic_id == 1, "the AP's initial APIC ID is 1 (%u)", MAILBOX->apic_id);
	guest_check(MAILBOX->edx == cpuid(1, 0).eax, "it started with EDX = the processor signature (0x%x, CPUID.1 0x%x)",
		    MAILBOX->edx, cpuid(1, 0).eax);

	want_ipis = 1;
	send(1, VEC_AP); /* fixed, physical destination 1 */
	ok = wait_for(ipis_reached, budget);
	guest_check(ok, "a fixed IPI ended the AP's HLT and ran its handler (%u)", MAILBOX->ipis);

	/* INIT puts it back into wait-for-SIPI; vector 0x07 starts it at 0x7000. */
	want_starts = 2;
	send(1, ICR_INIT_ASSERT);
	ok = !wait_for(starts_reached, budget / 20);
	guest_check(ok, "after INIT the AP waits again (starts %u)", MAILBOX->starts);
	send(1, ICR_STARTUP | 0x07);
	ok = wait_for(starts_reached, budget);
	guest_check(ok, "SIPI 0x07 started it again (starts %u)", MAILBOX->starts);
	return 0;
}
