/*
 * guest.h - the test-guest library: console, exit, Nestor detection and
 * hypercalls, exception catching, command line. See ../README.md.
 *
 * A guest defines
 *     const char guest_name[] = "hello";
 *     int guest_main(const struct mb_info *mbi);
 * The library prints "NAME: start", runs guest_main, then prints
 * "NAME: ok" and exits 0 when guest_main returned 0 and no check failed;
 * otherwise it exits non-zero (see GUEST_EXIT_*).
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/guest_abi.h"
#include "hv/lib/string.h" /* memset ... strncmp, from hv/lib/string.c */
#include "multiboot.h"
#include "x86.h"

/* Exit statuses (the byte written to port 0xf4). QEMU's isa-debug-exit
 * turns V into the process status (V << 1) | 1. */
#define GUEST_EXIT_OK 0
#define GUEST_EXIT_FAIL 1      /* a check failed */
#define GUEST_EXIT_EXCEPTION 2 /* an exception nobody was expecting */
#define GUEST_EXIT_BADBOOT 3   /* not entered by a multiboot v1 loader */

/* Provided by each guest. */
extern const char guest_name[];
int guest_main(const struct mb_info *mbi);

/* --- console: COM1, polled; '\n' ends a line ----------------------------- */
void guest_putc(char c);
void guest_write(const void *s, size_t n);
int guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int guest_vprintf(const char *fmt, va_list ap);
/* "NAME: <text>\n" */
void guest_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "NAME: FAIL: <text>\n"; counts a failure (the run will exit 1). */
void guest_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "NAME: pass: <text>\n" or "NAME: FAIL: <text>\n"; returns ok. */
bool guest_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "NAME: skipped (no Nestor): <text>\n" */
void guest_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A check only Nestor guarantees (bare emulators differ): guest_check
 * when nestor, else a "skipped (no Nestor): <text>" line that still shows
 * what was observed. */
bool guest_check_nestor(bool nestor, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int guest_failures(void);

/* Library internals: set COM1 to 8N1 if nobody did; wait until the UART
 * has sent everything (before the VM ends). */
void guest_console_init(void);
void guest_console_drain(void);

/* --- leaving ------------------------------------------------------------ */
/* Drain the UART, write status to port 0xf4, then halt (if the port did
 * not end the VM, nothing else will run). */
__attribute__((noreturn)) void guest_exit(uint8_t status);

/* --- CPU and Nestor ----------------------------------------------------- */
enum cpu_vendor { VENDOR_OTHER, VENDOR_INTEL, VENDOR_AMD };
enum cpu_vendor cpu_vendor(void);
const char *cpu_vendor_string(void); /* the 12-character CPUID.0 string */
/* CPUID.0x40000000 carries "NestorNestor" (guest_abi.h). */
bool nestor_present(void);
/* VMCALL (Intel) or VMMCALL (AMD) with EAX = fn; returns EAX. Only call
 * when nestor_present(): on bare hardware either instruction is #UD. */
long nestor_hypercall(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3);
/* HC_YIELD; a no-op returning 0 without Nestor. */
long nestor_yield(void);
/* HC_PRINT of n bytes at s; without Nestor, the line goes to the UART. */
long nestor_print(const char *s, size_t n);
/* HC_EXIT; without Nestor (or if HC_EXIT returns), port 0xf4. */
__attribute__((noreturn)) void nestor_exit(uint8_t status);

/* --- exceptions --------------------------------------------------------- */
/* The frame the exception stubs in entry.asm build (pushad order). */
struct guest_frame {
	uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
	uint32_t vector, error;
	uint32_t eip, cs, eflags;
};
_Static_assert(sizeof(struct guest_frame) == 13 * 4, "frame layout");

struct guest_fault {
	int vector;      /* -1: none since the last guest_catch */
	uint32_t error;  /* error code (0 for vectors that push none) */
	uint32_t eip;    /* the faulting instruction */
	uint32_t cr2;    /* for #PF */
	/* General registers at the exception (what the faulting code had). */
	uint32_t eax, ecx, edx, ebx, esi, edi;
	uint32_t eflags;
};
/* Details of the last exception caught by guest_catch. */
extern volatile struct guest_fault guest_last_fault;

#define VEC_DE 0
#define VEC_DB 1
#define VEC_BP 3
#define VEC_UD 6
#define VEC_DF 8
#define VEC_GP 13
#define VEC_PF 14

void guest_idt_init(void);
/* Point vector at stub (an interrupt gate; stub ends with IRET). */
void guest_idt_set_handler(unsigned vector, void (*stub)(void));
const char *exception_name(int vector); /* "#GP" ... */
/* Run fn(arg); if it raises an exception, abandon it and return the
 * vector (details in guest_last_fault); -1 if fn returned normally. */
int guest_catch(void (*fn)(void *), void *arg);
/* Install an interrupt gate for vector (e.g. a device IRQ): the same as
 * guest_idt_set_handler. stub is made by GUEST_INTR_STUB. */
void guest_set_intr_gate(unsigned vector, void (*stub)(void));
/* An interrupt handler stub `name` that saves the registers, calls
 * void body(void) and returns with IRET. */
#define GUEST_INTR_STUB(name, body)                                                                   \
	void name(void);                                                                               \
	__asm__(".text\n.globl " #name "\n" #name ":\n\tpushal\n\tcld\n\tcall " #body              \
		"\n\tpopal\n\tiret\n")

/* Initialise the 8259 pair (vectors vector_base and vector_base + 8,
 * cascade on IR2, 8086 mode) and set its masks (lib/pic.c); with a local
 * APIC, put it in virtual-wire mode first (LINT0 ExtINT). */
void guest_pic_init(uint8_t vector_base, uint8_t master_mask, uint8_t slave_mask);
/* The TSC rate Nestor reports (CPUID 0x40000010), 0 without Nestor. */
uint32_t guest_tsc_khz(void);

/* The APIC IDs of the enabled processor local APIC entries of the ACPI
 * MADT, in table order (lib/madt.c): returns how many there are (ids gets
 * the first max), or -1 if no valid RSDP/XSDT/MADT was found. */
int guest_madt_lapic_ids(uint8_t *ids, int max);
/* The GSI of ISA IRQ irq (its interrupt source override, else irq) and
 * the first IOAPIC's address; -1 without a MADT. */
int guest_madt_isa_gsi(unsigned irq, uint32_t *ioapic_addr);

/* rdmsr/wrmsr that survive a #GP: return -1 on success, else the vector. */
int rdmsr_safe(uint32_t msr, uint64_t *value);
int wrmsr_safe(uint32_t msr, uint64_t value);

/* --- paging (paging.c) ------------------------------------------------- */
/* Identity-map all 4 GiB with 4 MiB pages and turn on CR0.PG (and WP). */
void paging_enable_identity(void);
void paging_disable(void);
/* Change the 4 MiB page holding addr (and flush it from the TLB). */
void paging_set_4m(uint32_t addr, bool present, bool writable);
/* Map the 4 MiB page holding linear onto the 4 MiB frame holding phys
 * (both rounded down to 4 MiB), writable; flushes it from the TLB. */
void paging_map_4m(uint32_t linear, uint32_t phys);
/* Set the page-directory entry for the 4 MiB holding linear to pde as
 * given (e.g. a page table's address | present | writable), then reload
 * CR3 so no stale translation survives. */
void paging_set_pde(uint32_t linear, uint32_t pde);

/* --- command line ------------------------------------------------------- */
/* The multiboot command line ("" if the loader gave none). */
const char *guest_cmdline(void);
/* True if some space-separated word of the command line equals word. */
bool cmdline_has_word(const char *word);
/* True if the command line has the word, or "key=word" (so both
 * "pingpong.elf ping" and "role=ping" work, whatever Nestor passes). */
bool cmdline_has(const char *key, const char *word);
/* The number of the first word "key=N" (N decimal or 0x hex; parsing stops
 * at the first character that is not a digit, so "key=0x1000+0x20" gives
 * 0x1000). False if there is no such word. */
bool cmdline_get_u32(const char *key, uint32_t *value);

#endif
