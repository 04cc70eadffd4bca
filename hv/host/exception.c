/*
 * exception.c - a fault in the hypervisor is a broken invariant: print
 * everything needed to find it (vector, error code, RIP, CR2, registers,
 * a symbolised backtrace) and stop with the fail status.
 */
#include "hv/host/exception.h"
#include "hv/host/percpu.h"
#include "drivers/console.h"
#include "hv/host/backtrace.h"
#include "hv/host/shutdown.h"
#include "hv/x86/asm.h"

static const char *const exception_names[32] = {
	[0] = "#DE divide error",
	[1] = "#DB debug",
	[2] = "NMI",
	[3] = "#BP breakpoint",
	[4] = "#OF overflow",
	[5] = "#BR bound range",
	[6] = "#UD invalid opcode",
	[7] = "#NM device not available",
	[8] = "#DF double fault",
	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present",
	[12] = "#SS stack fault",
	[13] = "#GP general protection",
	[14] = "#PF page fault",
	[16] = "#MF x87 error",
	[17] = "#AC alignment check",
	[18] = "#MC machine check",
	[19] = "#XM SIMD error",
	[20] = "#VE virtualization exception",
	[21] = "#CP control protection",
	[29] = "#VC VMM communication",
	[30] = "#SX security exception",
};

const char *exception_name(uint64_t vector)
{
	if (vector < 32 && exception_names[vector])
		return exception_names[vector];
	return vector < 32 ? "reserved exception" : "unexpected interrupt";
}

void exception_report_and_stop(struct int_frame *f)
{
	uint64_t cr2 = read_cr2();
	console_lock(); /* the report in one piece; hv_finish ends the run */
	kprintf("\n*** Nestor fault: vector %llu (%s), error code 0x%llx, on CPU %u\n",
		(unsigned long long)f->vector, exception_name(f->vector),
		(unsigned long long)f->error_code, this_cpu());
	kprintf("    RIP %016llx ", (unsigned long long)f->rip);
	backtrace_print_symbol(f->rip);
	kprintf("\n    CR2 %016llx  CR3 %016llx  RFLAGS %016llx\n", (unsigned long long)cr2,
		(unsigned long long)read_cr3(), (unsigned long long)f->rflags);
	kprintf("    RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n", (unsigned long long)f->rax,
		(unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	kprintf("    RSI %016llx RDI %016llx RBP %016llx RSP %016llx\n", (unsigned long long)f->rsi,
		(unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->rsp);
	kprintf("    R8  %016llx R9  %016llx R10 %016llx R11 %016llx\n", (unsigned long long)f->r8,
		(unsigned long long)f->r9, (unsigned long long)f->r10, (unsigned long long)f->r11);
	kprintf("    R12 %016llx R13 %016llx R14 %016llx R15 %016llx\n", (unsigned long long)f->r12,
		(unsigned long long)f->r13, (unsigned long long)f->r14, (unsigned long long)f->r15);
	kprintf("    CS %04llx SS %04llx\n", (unsigned long long)f->cs, (unsigned long long)f->ss);
	kprintf("    backtrace:\n");
	backtrace_print(f->rbp);
	hv_finish(false, "hypervisor fault");
}
