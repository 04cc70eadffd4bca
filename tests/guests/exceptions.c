/*
 * exceptions - the guest's own exceptions must reach the guest's own IDT
 * with the architectural vector, error code, saved EIP and CR2, and
 * execution must resume correctly afterwards. A hypervisor gets this
 * wrong by intercepting an exception it should not (e.g. #PF with
 * EPT/NPT on), by advancing RIP on a fault, or by mangling the error code
 * while reflecting it. All checks apply with and without Nestor.
 */
#include "lib/guest.h"

const char guest_name[] = "exceptions";

/* The instructions under test sit at known addresses (global labels in
 * noinline, noclone functions, so each exists exactly once), and the
 * saved EIP can be compared with them. */
extern const char exc_ud2_ip[], exc_int3_next[], exc_div_ip[], exc_pf_read_ip[],
	exc_pf_write_ip[], exc_int80_ip[];

#define NOCLONE __attribute__((noinline, noclone))

static NOCLONE void do_ud2(void *arg)
{
	(void)arg;
	__asm__ volatile(".globl exc_ud2_ip\nexc_ud2_ip: ud2");
}

/* int3 is a trap: the saved EIP is the next instruction. Nothing can
 * follow it here but the label, as guest_catch never returns into fn. */
static NOCLONE void do_int3(void *arg)
{
	(void)arg;
	__asm__ volatile("int3\n.globl exc_int3_next\nexc_int3_next: nop");
}

static NOCLONE void do_div0(void *arg)
{
	(void)arg;
	__asm__ volatile("xor %%edx, %%edx\n\t"
			 "mov $1, %%eax\n\t"
			 "xor %%ecx, %%ecx\n\t"
			 ".globl exc_div_ip\nexc_div_ip: div %%ecx"
			 : : : "eax", "ecx", "edx");
}

/* Vector 0x80 is past our 32-gate IDT: #GP with the error code naming the
 * IDT entry: (0x80 << 3) | IDT bit (2) (Intel SDM vol. 3A, 6.13). */
static NOCLONE void do_int80(void *arg)
{
	(void)arg;
	__asm__ volatile(".globl exc_int80_ip\nexc_int80_ip: int $0x80");
}

static NOCLONE void do_pf_read(void *arg)
{
	__asm__ volatile(".globl exc_pf_read_ip\nexc_pf_read_ip: mov (%0), %%eax"
			 : : "r"(arg) : "eax", "memory");
}

static NOCLONE void do_pf_write(void *arg)
{
	__asm__ volatile(".globl exc_pf_write_ip\nexc_pf_write_ip: movl $0x5a5a5a5a, (%0)"
			 : : "r"(arg) : "memory");
}

static void expect(int got, int vector, const void *ip, const char *what)
{
	uint32_t want_ip = (uint32_t)(uintptr_t)ip;

	guest_check(got == vector && guest_last_fault.eip == want_ip,
		    "%s raises %s at eip 0x%08x (got %s at eip 0x%08x, error 0x%x)",
		    what, exception_name(vector), (unsigned)want_ip,
		    exception_name(got), (unsigned)guest_last_fault.eip,
		    (unsigned)guest_last_fault.error);
}

/* #PF error code bits (Intel SDM vol. 3A, 4.7). */
#define PF_P 1u
#define PF_W 2u

/* Not RAM in any VM we run; only its page-table entry matters. */
#define UNMAPPED_ADDR 0x40001000u
/* RAM we do not otherwise use (4-8 MiB): readable, write-protected. */
#define READONLY_ADDR 0x00400100u

static void check_pf(void)
{
	paging_enable_identity();
	guest_check(read_cr0() & (1u << 31), "paging on (CR0 0x%08x)", (unsigned)read_cr0());
	paging_set_4m(UNMAPPED_ADDR, false, false);
	paging_set_4m(READONLY_ADDR, true, false);

	int v = guest_catch(do_pf_read, (void *)UNMAPPED_ADDR);
	expect(v, VEC_PF, exc_pf_read_ip, "read of a not-present page");
	guest_check(v == VEC_PF && guest_last_fault.cr2 == UNMAPPED_ADDR &&
			    guest_last_fault.error == 0,
		    "#PF CR2 0x%08x error 0x%x (want CR2 0x%08x, error 0x0: not present, read)",
		    (unsigned)guest_last_fault.cr2, (unsigned)guest_last_fault.error,
		    UNMAPPED_ADDR);

	v = guest_catch(do_pf_write, (void *)UNMAPPED_ADDR);
	expect(v, VEC_PF, exc_pf_write_ip, "write to a not-present page");
	guest_check(v == VEC_PF && guest_last_fault.cr2 == UNMAPPED_ADDR &&
			    guest_last_fault.error == PF_W,
		    "#PF CR2 0x%08x error 0x%x (want CR2 0x%08x, error 0x2: not present, write)",
		    (unsigned)guest_last_fault.cr2, (unsigned)guest_last_fault.error,
		    UNMAPPED_ADDR);

	v = guest_catch(do_pf_read, (void *)READONLY_ADDR);
	guest_check(v < 0, "read of a read-only page works (got %s)", exception_name(v));

	v = guest_catch(do_pf_write, (void *)READONLY_ADDR);
	expect(v, VEC_PF, exc_pf_write_ip, "write to a read-only page (CR0.WP=1)");
	guest_check(v == VEC_PF && guest_last_fault.cr2 == READONLY_ADDR &&
			    guest_last_fault.error == (PF_P | PF_W),
		    "#PF CR2 0x%08x error 0x%x (want CR2 0x%08x, error 0x3: present, write)",
		    (unsigned)guest_last_fault.cr2, (unsigned)guest_last_fault.error,
		    READONLY_ADDR);

	/* Map it back: the write must now land. */
	paging_set_4m(READONLY_ADDR, true, true);
	v = guest_catch(do_pf_write, (void *)READONLY_ADDR);
	guest_check(v < 0 && *(volatile uint32_t *)READONLY_ADDR == 0x5a5a5a5a,
		    "write after making the page writable lands (got %s)", exception_name(v));

	paging_disable();
	guest_check(!(read_cr0() & (1u << 31)), "paging off again (CR0 0x%08x)",
		    (unsigned)read_cr0());
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;

	guest_say("nestor present: %s", nestor_present() ? "yes" : "no");
	expect(guest_catch(do_ud2, NULL), VEC_UD, exc_ud2_ip, "ud2");
	expect(guest_catch(do_int3, NULL), VEC_BP, exc_int3_next, "int3 (a trap: eip after it)");
	expect(guest_catch(do_div0, NULL), VEC_DE, exc_div_ip, "div by zero");
	int v = guest_catch(do_int80, NULL);
	expect(v, VEC_GP, exc_int80_ip, "int 0x80 past the IDT limit");
	guest_check(v == VEC_GP && guest_last_fault.error == (0x80u << 3 | 2),
		    "#GP error 0x%x (want 0x%x: IDT entry 0x80)",
		    (unsigned)guest_last_fault.error, 0x80u << 3 | 2);
	check_pf();
	/* Many round trips in a row: a handler that leaks stack or state
	 * shows up as a crash or a wrong vector here. */
	int bad = 0;
	for (int i = 0; i < 1000; i++)
		if (guest_catch(do_ud2, NULL) != VEC_UD)
			bad++;
	guest_check(bad == 0, "1000 #UD round trips in a row (%d wrong)", bad);
	return 0;
}
