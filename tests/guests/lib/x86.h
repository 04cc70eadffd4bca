/*
 * x86.h - one-instruction wrappers for the test guests (32-bit, ring 0).
 * Each is a plain inline asm with the exact operand constraints, so the
 * guests can issue the instruction under test and nothing else.
 */
#ifndef GUEST_X86_H
#define GUEST_X86_H

#include <stdint.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)value),
			   "d"((uint32_t)(value >> 32))
			 : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* String I/O: the forms a hypervisor must decode (rep prefix, count in
 * ECX, ESI/EDI advancing), as opposed to the single-port forms above. */
static inline void rep_outsb(uint16_t port, const void *buf, uint32_t n)
{
	__asm__ volatile("cld; rep outsb"
			 : "+S"(buf), "+c"(n)
			 : "d"(port)
			 : "memory");
}

static inline void rep_insb(uint16_t port, void *buf, uint32_t n)
{
	__asm__ volatile("cld; rep insb"
			 : "+D"(buf), "+c"(n)
			 : "d"(port)
			 : "memory");
}

static inline void rep_insw(uint16_t port, void *buf, uint32_t n)
{
	__asm__ volatile("cld; rep insw"
			 : "+D"(buf), "+c"(n)
			 : "d"(port)
			 : "memory");
}

static inline void rep_insl(uint16_t port, void *buf, uint32_t n)
{
	__asm__ volatile("cld; rep insl"
			 : "+D"(buf), "+c"(n)
			 : "d"(port)
			 : "memory");
}

static inline uint32_t read_cr0(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint32_t read_cr2(void)
{
	uint32_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

__attribute__((noreturn)) static inline void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif
