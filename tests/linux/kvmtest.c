/*
 * kvmtest: a small /dev/kvm user of Nestor's Linux test initramfs. Linux KVM
 * runs as Nestor's L1 guest hypervisor; this program is its userspace and
 * runs L2 code it writes into memory itself, checking every exit:
 *
 *   real mode (CS base 0, IP 0x1000) and 64-bit mode (4-level page tables
 *   identity-mapping 1 GiB with 2 MiB pages, a GDT, CS.L=1):
 *     OUT to a port                   -> KVM_EXIT_IO (port, size, value)
 *     MOV to an unmapped GPA          -> KVM_EXIT_MMIO (write: addr/len/data)
 *     MOV from an unmapped GPA        -> KVM_EXIT_MMIO (read; our data is
 *                                        what the guest then OUTs back)
 *     MOV from a KVM_MEM_READONLY slot-> no exit, the slot's bytes
 *     MOV to that slot                -> KVM_EXIT_MMIO (write), memory kept
 *     CPUID leaf 0 and 0x40000000     -> the values set by KVM_SET_CPUID2
 *     HLT                             -> KVM_EXIT_HLT (no in-kernel irqchip)
 *   64-bit mode also times 1000 OUTs between two RDTSCs: one L2 port-I/O
 *   round trip (L2 -> L1's KVM -> here -> back).
 *
 * Then two threads, pinned to L1 CPUs 0 and 1, each run the 64-bit
 * program PARALLEL_RUNS times in a VM of its own, at the same time: two
 * L1 vCPUs with an L2 each (the checks as above, printed once per thread;
 * the two threads' run times must overlap).
 *
 * Output: "KVMTEST: pass: MODE CHECK" per check, "KVMTEST: io-roundtrip ..."
 * with the figure, then "KVMTEST: ok" (exit 0) or "KVMTEST: FAIL ..." (exit 1).
 * Built with gcc -static (the initramfs has no libc); see tools/linux/.
 *
 * Guest-physical layout (both modes):
 *   0x00000-0x7FFFF  slot 0, RAM: code at 0x1000, stack below 0x8000,
 *                    page tables at 0x10000-0x12FFF, GDT at 0x13000
 *   0x80000-0x80FFF  slot 1, KVM_MEM_READONLY, filled with RO_PATTERN
 *   0xA0000-...      no slot: MMIO
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RAM_SIZE 0x80000u
#define RO_GPA 0x80000u
#define RO_SIZE 0x1000u
#define RO_PATTERN 0x5AA5C33Cu
#define MMIO_GPA 0xA0000u
#define CODE_GPA 0x1000u
#define PML4_GPA 0x10000u
#define GDT_GPA 0x13000u

/* Ports the L2 code uses (none of them is a device: every OUT exits). */
#define PORT_TEST 0x510   /* the first check: OUT of 0xBEEF, 16 bits */
#define PORT_VALUE 0x10   /* 32-bit values the guest read, for checking */
#define PORT_RO 0x11      /* what the guest read from the read-only slot */
#define PORT_CPUID 0x12   /* CPUID results: EBX, EDX, ECX per leaf */
#define PORT_TIMED 0x13   /* the 1000 timed round trips */
#define PORT_TSC 0x14     /* the RDTSC difference: low, then high half */
#define TEST_WORD 0xBEEF
#define MMIO_WRITE_VALUE 0x12345678u
#define MMIO_READ_VALUE 0xCAFEF00Du
#define RO_WRITE_VALUE 0xDEADBEEFu
#define TIMED_EXITS 1000
#define PARALLEL_RUNS 5
/* Our own signature in leaf 0x40000000 proves that the guest's CPUID goes
 * through the table we set (KVM reports "KVMKVMKVM\0\0\0" there). */
static const char our_sig[12] = "NestorKVMtst";

/*
 * The L2 programs. Only relative jumps and absolute guest addresses are
 * used, so the bytes run unchanged at CODE_GPA. In real mode the data
 * segment selects the region (DS=0xA000 for MMIO_GPA, 0x8000 for RO_GPA).
 */
/* Both modes report CPUID leaves 0 and 0x40000000 (EBX, EDX, ECX of 0;
 * EBX, ECX, EDX of 0x40000000) through port 0x12; the text is
 * assembled once under .code16 and once under .code64. */
#define CPUID_PROBES                                   \
	"  xor %eax, %eax\n"                           \
	"  cpuid\n"                                    \
	"  mov %ebx, %eax\n  outl %eax, $0x12\n"        \
	"  mov %edx, %eax\n  outl %eax, $0x12\n"        \
	"  mov %ecx, %eax\n  outl %eax, $0x12\n"        \
	"  mov $0x40000000, %eax\n"                    \
	"  cpuid\n"                                    \
	"  mov %ebx, %eax\n  outl %eax, $0x12\n"        \
	"  mov %ecx, %eax\n  outl %eax, $0x12\n"        \
	"  mov %edx, %eax\n  outl %eax, $0x12\n"

__asm__(".pushsection .rodata\n"
	".code16\n"
	"rm_code:\n"
	"  mov $0x510, %dx\n"
	"  mov $0xBEEF, %ax\n"
	"  out %ax, %dx\n"                       /* io-out */
	"  mov $0xA000, %ax\n"
	"  mov %ax, %ds\n"
	"  movl $0x12345678, 0x10\n"             /* mmio-write to 0xA0010 */
	"  movl 0x20, %eax\n"                    /* mmio-read from 0xA0020 */
	"  outl %eax, $0x10\n"
	"  mov $0x8000, %ax\n"
	"  mov %ax, %ds\n"
	"  movl 0x0, %eax\n"                     /* readonly-read 0x80000 */
	"  outl %eax, $0x11\n"
	"  movl $0xDEADBEEF, 0x4\n"              /* readonly-write 0x80004 */
	"  movl 0x4, %eax\n"
	"  outl %eax, $0x11\n"
	CPUID_PROBES
	"  hlt\n"
	"1: jmp 1b\n"
	"rm_code_end:\n"
	".code64\n"
	"lm_code:\n"
	"  mov $0x510, %dx\n"
	"  mov $0xBEEF, %ax\n"
	"  out %ax, %dx\n"
	"  movl $0x12345678, 0xA0010\n"
	"  movl 0xA0020, %eax\n"
	"  outl %eax, $0x10\n"
	"  movl 0x80000, %eax\n"
	"  outl %eax, $0x11\n"
	"  movl $0xDEADBEEF, 0x80004\n"
	"  movl 0x80004, %eax\n"
	"  outl %eax, $0x11\n"
	CPUID_PROBES
	"  rdtsc\n"
	"  shl $32, %rdx\n"
	"  or %rax, %rdx\n"
	"  mov %rdx, %rsi\n"
	"  mov $1000, %ecx\n"
	"2: outb %al, $0x13\n"
	"  dec %ecx\n"
	"  jnz 2b\n"
	"  rdtsc\n"
	"  shl $32, %rdx\n"
	"  or %rax, %rdx\n"
	"  sub %rsi, %rdx\n"
	"  mov %edx, %eax\n  outl %eax, $0x14\n"
	"  shr $32, %rdx\n"
	"  mov %edx, %eax\n  outl %eax, $0x14\n"
	"  hlt\n"
	"3: jmp 3b\n"
	"lm_code_end:\n"
	".popsection\n");
extern const unsigned char rm_code[], rm_code_end[], lm_code[], lm_code_end[];

/* A thread of the parallel part prints only its summary. */
static __thread int quiet;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static void fail(const char *fmt, ...)
{
	va_list ap;
	printf("KVMTEST: FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static void pass(const char *mode, const char *check)
{
	if (quiet)
		return;
	printf("KVMTEST: pass: %s %s\n", mode, check);
	fflush(stdout);
}

static int xioctl(int fd, unsigned long req, void *arg, const char *name)
{
	int r = ioctl(fd, req, arg);
	if (r < 0)
		fail("ioctl %s: %s", name, strerror(errno));
	return r;
}

/* What the test expects next from KVM_RUN. */
enum exp_kind { EXP_IO_OUT, EXP_MMIO_WRITE, EXP_MMIO_READ, EXP_HLT, EXP_TSC };
struct expect {
	enum exp_kind kind;
	const char *name;
	uint64_t where;  /* port or guest-physical address */
	uint32_t size;   /* bytes */
	uint64_t value;  /* OUT value / MMIO data written / data returned for a read */
};

struct vm {
	int kvm, fd, vcpu;
	struct kvm_run *run;
	uint8_t *ram, *ro;
	struct kvm_cpuid2 *cpuid;
	uint64_t tsc_delta;
	double timed_ns;
};

static const char *exit_name(uint32_t r)
{
	switch (r) {
	case KVM_EXIT_IO: return "IO";
	case KVM_EXIT_MMIO: return "MMIO";
	case KVM_EXIT_HLT: return "HLT";
	case KVM_EXIT_SHUTDOWN: return "SHUTDOWN (L2 triple fault)";
	case KVM_EXIT_FAIL_ENTRY: return "FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR: return "INTERNAL_ERROR";
	case KVM_EXIT_EXCEPTION: return "EXCEPTION";
	default: return "other";
	}
}

static uint64_t io_value(const struct kvm_run *run)
{
	const uint8_t *p = (const uint8_t *)run + run->io.data_offset;
	uint64_t v = 0;
	memcpy(&v, p, run->io.size);
	return v;
}

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static void describe_exit(struct vm *vm, char *buf, size_t n)
{
	struct kvm_run *run = vm->run;
	struct kvm_regs regs;
	int len = snprintf(buf, n, "exit %s (%u)", exit_name(run->exit_reason), run->exit_reason);
	if (run->exit_reason == KVM_EXIT_IO)
		snprintf(buf + len, n - len, " %s port 0x%x size %u value 0x%llx",
			 run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port,
			 run->io.size, (unsigned long long)io_value(run));
	else if (run->exit_reason == KVM_EXIT_MMIO)
		snprintf(buf + len, n - len, " %s gpa 0x%llx len %u data 0x%llx",
			 run->mmio.is_write ? "write" : "read", (unsigned long long)run->mmio.phys_addr,
			 run->mmio.len, (unsigned long long)(run->mmio.is_write ? *(uint64_t *)run->mmio.data : 0));
	else if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
		snprintf(buf + len, n - len, " hardware reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	else if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		snprintf(buf + len, n - len, " suberror %u", run->internal.suberror);
	len = strlen(buf);
	if (ioctl(vm->vcpu, KVM_GET_REGS, &regs) == 0)
		snprintf(buf + len, n - len, " at rip 0x%llx", (unsigned long long)regs.rip);
}

/* Run until the next exit that is not a timed OUT; count and time those. */
static void run_to_exit(struct vm *vm, unsigned *timed, double *t_first, double *t_last)
{
	for (;;) {
		xioctl(vm->vcpu, KVM_RUN, NULL, "KVM_RUN");
		struct kvm_run *run = vm->run;
		if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.port == PORT_TIMED) {
			double t = now_ns();
			if (*timed == 0)
				*t_first = t;
			*t_last = t;
			(*timed)++;
			continue;
		}
		return;
	}
}

static void check_exit(struct vm *vm, const char *mode, const struct expect *e)
{
	struct kvm_run *run = vm->run;
	char got[256];
	describe_exit(vm, got, sizeof got);
	switch (e->kind) {
	case EXP_IO_OUT:
	case EXP_TSC:
		if (run->exit_reason != KVM_EXIT_IO || run->io.direction != KVM_EXIT_IO_OUT ||
		    run->io.port != e->where || run->io.size != e->size || run->io.count != 1)
			fail("%s %s: expected out port 0x%llx size %u, got %s", mode, e->name,
			     (unsigned long long)e->where, e->size, got);
		if (e->kind == EXP_TSC) {
			vm->tsc_delta |= io_value(run) << (e->value * 32);
			return;
		}
		if (io_value(run) != e->value)
			fail("%s %s: expected value 0x%llx, got %s", mode, e->name,
			     (unsigned long long)e->value, got);
		break;
	case EXP_MMIO_WRITE:
	case EXP_MMIO_READ: {
		int w = e->kind == EXP_MMIO_WRITE;
		if (run->exit_reason != KVM_EXIT_MMIO || run->mmio.is_write != w ||
		    run->mmio.phys_addr != e->where || run->mmio.len != e->size)
			fail("%s %s: expected mmio %s gpa 0x%llx len %u, got %s", mode, e->name,
			     w ? "write" : "read", (unsigned long long)e->where, e->size, got);
		if (w) {
			uint64_t d = 0;
			memcpy(&d, run->mmio.data, e->size);
			if (d != e->value)
				fail("%s %s: expected data 0x%llx, got %s", mode, e->name,
				     (unsigned long long)e->value, got);
		} else {
			memcpy(run->mmio.data, &e->value, e->size);
		}
		break;
	}
	case EXP_HLT:
		if (run->exit_reason != KVM_EXIT_HLT)
			fail("%s %s: expected HLT, got %s", mode, e->name, got);
		break;
	}
	pass(mode, e->name);
}

static void *map_anon(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap %zu bytes: %s", n, strerror(errno));
	return p;
}

static struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t leaf)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == leaf && c->entries[i].index == 0)
			return &c->entries[i];
	return NULL;
}

/* KVM_GET_SUPPORTED_CPUID, with our signature in leaf 0x40000000. */
static struct kvm_cpuid2 *make_cpuid(int kvm)
{
	for (uint32_t n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof *c + n * sizeof c->entries[0]);
		if (!c)
			fail("out of memory");
		c->nent = n;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			struct kvm_cpuid_entry2 *e = cpuid_find(c, 0x40000000);
			if (!e) {
				/* Older KVMs leave their own leaves out: add ours. */
				e = &c->entries[c->nent++];
				memset(e, 0, sizeof *e);
				e->function = 0x40000000;
				if (c->nent > n)
					fail("no room for leaf 0x40000000");
			}
			memcpy(&e->ebx, our_sig, 4);
			memcpy(&e->ecx, our_sig + 4, 4);
			memcpy(&e->edx, our_sig + 8, 4);
			if (!cpuid_find(c, 0))
				fail("KVM_GET_SUPPORTED_CPUID has no leaf 0");
			return c;
		}
		free(c);
		if (errno != E2BIG)
			fail("ioctl KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	}
	fail("KVM_GET_SUPPORTED_CPUID: more than 4096 entries");
	return NULL;
}

static void vm_create(struct vm *vm, int kvm)
{
	memset(vm, 0, sizeof *vm);
	vm->kvm = kvm;
	vm->fd = xioctl(kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
	/* Real mode on VMX without unrestricted guest needs a TSS page for
	 * vm86 (KVM API doc, KVM_SET_TSS_ADDR); SVM ignores it. Above our RAM. */
	xioctl(vm->fd, KVM_SET_TSS_ADDR, (void *)0xfffbd000ul, "KVM_SET_TSS_ADDR");
	vm->ram = map_anon(RAM_SIZE);
	vm->ro = map_anon(RO_SIZE);
	for (unsigned i = 0; i < RO_SIZE; i += 4)
		memcpy(vm->ro + i, &(uint32_t){RO_PATTERN}, 4);
	struct kvm_userspace_memory_region ram = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = RAM_SIZE,
		.userspace_addr = (uintptr_t)vm->ram,
	};
	struct kvm_userspace_memory_region ro = {
		.slot = 1, .flags = KVM_MEM_READONLY, .guest_phys_addr = RO_GPA,
		.memory_size = RO_SIZE, .userspace_addr = (uintptr_t)vm->ro,
	};
	xioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &ram, "KVM_SET_USER_MEMORY_REGION (ram)");
	xioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &ro, "KVM_SET_USER_MEMORY_REGION (readonly)");
	vm->vcpu = xioctl(vm->fd, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
	int sz = xioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
	if (vm->run == MAP_FAILED)
		fail("mmap of kvm_run: %s", strerror(errno));
	vm->cpuid = make_cpuid(kvm);
	xioctl(vm->vcpu, KVM_SET_CPUID2, vm->cpuid, "KVM_SET_CPUID2");
}

static void vm_destroy(struct vm *vm)
{
	close(vm->vcpu);
	close(vm->fd);
	munmap(vm->ram, RAM_SIZE);
	munmap(vm->ro, RO_SIZE);
	free(vm->cpuid);
}

/*
 * 64-bit mode without a mode switch in the guest: paging structures and a
 * GDT in guest memory, the segment registers loaded from the same
 * descriptors (Intel SDM Vol. 3A 9.8.5 "Initializing IA-32e Mode"; AMD APM
 * Vol. 2 14.6 "Enabling and Activating Long Mode").
 */
#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_PS 0x80ull
#define CR0_PE 0x1ull
#define CR0_ET 0x10ull
#define CR0_PG 0x80000000ull
#define CR4_PAE 0x20ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull

static void setup_long_mode(struct vm *vm, struct kvm_sregs *s)
{
	uint64_t *pml4 = (uint64_t *)(vm->ram + PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(vm->ram + PML4_GPA + 0x1000);
	uint64_t *pd = (uint64_t *)(vm->ram + PML4_GPA + 0x2000);
	pml4[0] = (PML4_GPA + 0x1000) | PTE_P | PTE_RW;
	pdpt[0] = (PML4_GPA + 0x2000) | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < 512; i++) /* 1 GiB in 2 MiB pages */
		pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS;

	/* GDT: null, 64-bit code (L=1, DPL 0), data. SDM Vol. 3A 3.4.5. */
	uint64_t *gdt = (uint64_t *)(vm->ram + GDT_GPA);
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull;
	gdt[2] = 0x00cf92000000ffffull;
	s->gdt.base = GDT_GPA;
	s->gdt.limit = 3 * 8 - 1;

	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 0xb, .present = 1,
		.dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = code;
	data.selector = 0x10;
	data.type = 0x3;
	data.l = 0;
	data.db = 1;
	s->cs = code;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	/* A busy 64-bit TSS in TR is what VM entry requires in IA-32e mode
	 * (SDM Vol. 3C 27.3.1.2); it is never used. */
	s->tr.base = 0;
	s->tr.limit = 0x67;
	s->tr.selector = 0;
	s->tr.type = 0xb;
	s->tr.present = 1;
	s->tr.s = 0;
	s->cr3 = PML4_GPA;
	s->cr4 = CR4_PAE;
	s->cr0 = CR0_PE | CR0_ET | CR0_PG;
	s->efer = EFER_LME | EFER_LMA;
}

/* The exits both programs give, in order; the 64-bit one adds timing. */
static size_t build_script(struct expect *x, const struct kvm_cpuid2 *c, int timed)
{
	const struct kvm_cpuid_entry2 *l0 = cpuid_find((struct kvm_cpuid2 *)c, 0);
	uint32_t sig[3];
	memcpy(sig, our_sig, 12);
	size_t n = 0;
	x[n++] = (struct expect){EXP_IO_OUT, "io-out", PORT_TEST, 2, TEST_WORD};
	x[n++] = (struct expect){EXP_MMIO_WRITE, "mmio-write", MMIO_GPA + 0x10, 4, MMIO_WRITE_VALUE};
	x[n++] = (struct expect){EXP_MMIO_READ, "mmio-read-exit", MMIO_GPA + 0x20, 4, MMIO_READ_VALUE};
	x[n++] = (struct expect){EXP_IO_OUT, "mmio-read-value", PORT_VALUE, 4, MMIO_READ_VALUE};
	x[n++] = (struct expect){EXP_IO_OUT, "readonly-read", PORT_RO, 4, RO_PATTERN};
	x[n++] = (struct expect){EXP_MMIO_WRITE, "readonly-write", RO_GPA + 4, 4, RO_WRITE_VALUE};
	x[n++] = (struct expect){EXP_IO_OUT, "readonly-unchanged", PORT_RO, 4, RO_PATTERN};
	x[n++] = (struct expect){EXP_IO_OUT, "cpuid0-ebx", PORT_CPUID, 4, l0->ebx};
	x[n++] = (struct expect){EXP_IO_OUT, "cpuid0-edx", PORT_CPUID, 4, l0->edx};
	x[n++] = (struct expect){EXP_IO_OUT, "cpuid0-ecx", PORT_CPUID, 4, l0->ecx};
	x[n++] = (struct expect){EXP_IO_OUT, "cpuid40000000-ebx", PORT_CPUID, 4, sig[0]};
	x[n++] = (struct expect){EXP_IO_OUT, "cpuid40000000-ecx", PORT_CPUID, 4, sig[1]};
	x[n++] = (struct expect){EXP_IO_OUT, "cpuid40000000-edx", PORT_CPUID, 4, sig[2]};
	if (timed) {
		x[n++] = (struct expect){EXP_TSC, "tsc-low", PORT_TSC, 4, 0};
		x[n++] = (struct expect){EXP_TSC, "tsc-high", PORT_TSC, 4, 1};
	}
	x[n++] = (struct expect){EXP_HLT, "hlt", 0, 0, 0};
	return n;
}

static void run_mode(int kvm, int long_mode)
{
	const char *mode = long_mode ? "64-bit" : "real-mode";
	struct vm vm;
	vm_create(&vm, kvm);

	const unsigned char *code = long_mode ? lm_code : rm_code;
	size_t len = (size_t)((long_mode ? lm_code_end : rm_code_end) - code);
	memcpy(vm.ram + CODE_GPA, code, len);

	struct kvm_sregs s;
	xioctl(vm.vcpu, KVM_GET_SREGS, &s, "KVM_GET_SREGS");
	if (long_mode) {
		setup_long_mode(&vm, &s);
	} else {
		/* From the reset state (CS.base 0xFFFF0000) to CS = 0. */
		s.cs.selector = 0;
		s.cs.base = 0;
	}
	xioctl(vm.vcpu, KVM_SET_SREGS, &s, "KVM_SET_SREGS");
	struct kvm_regs r = {.rip = CODE_GPA, .rsp = 0x8000, .rflags = 0x2};
	xioctl(vm.vcpu, KVM_SET_REGS, &r, "KVM_SET_REGS");

	struct expect script[32];
	size_t n = build_script(script, vm.cpuid, long_mode);
	unsigned timed = 0;
	double t0 = 0, t1 = 0;
	for (size_t i = 0; i < n; i++) {
		if (script[i].kind == EXP_TSC && i > 0 && script[i - 1].kind != EXP_TSC) {
			run_to_exit(&vm, &timed, &t0, &t1);
			if (timed != TIMED_EXITS)
				fail("%s timed-exits: expected %u OUTs to port 0x%x, got %u", mode,
				     TIMED_EXITS, PORT_TIMED, timed);
		} else {
			/* No timed OUTs are due before this exit. */
			unsigned before = timed;
			run_to_exit(&vm, &timed, &t0, &t1);
			if (timed != before)
				fail("%s: %u unexpected OUTs to port 0x%x", mode, timed - before, PORT_TIMED);
		}
		check_exit(&vm, mode, &script[i]);
	}
	if (long_mode && !quiet) {
		/* t0..t1 spans TIMED_EXITS - 1 round trips seen from here. */
		printf("KVMTEST: io-roundtrip: %u exits, mean %llu TSC cycles (L2 RDTSC), "
		       "mean %.0f ns wall (userspace)\n", TIMED_EXITS,
		       (unsigned long long)(vm.tsc_delta / TIMED_EXITS),
		       (t1 - t0) / (TIMED_EXITS - 1));
	}
	if (long_mode && vm.tsc_delta == 0)
		fail("%s: the guest's TSC did not advance over %u exits", mode, TIMED_EXITS);
	vm_destroy(&vm);
}

struct parallel {
	int kvm, cpu;
	double start, end;
};

static void *parallel_thread(void *arg)
{
	struct parallel *p = arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(p->cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set))
		fail("parallel: pinning to CPU %d: %s", p->cpu, strerror(errno));
	quiet = 1;
	p->start = now_ns();
	for (int i = 0; i < PARALLEL_RUNS; i++)
		run_mode(p->kvm, 1);
	p->end = now_ns();
	printf("KVMTEST: pass: parallel cpu%d %d 64-bit runs\n", p->cpu, PARALLEL_RUNS);
	return NULL;
}

/* Two L1 vCPUs, each running an L2 of its own, at once. */
static void run_parallel(int kvm)
{
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("KVMTEST: parallel: skipped (one CPU online)\n");
		return;
	}
	struct parallel p[2] = { { kvm, 0, 0, 0 }, { kvm, 1, 0, 0 } };
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, parallel_thread, &p[i]))
			fail("parallel: pthread_create failed");
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	if (!(p[0].start < p[1].end && p[1].start < p[0].end))
		fail("parallel: the two threads did not run at the same time (cpu0 %.0f-%.0f ns, cpu1 %.0f-%.0f ns)",
		     p[0].start, p[0].end, p[1].start, p[1].end);
	printf("KVMTEST: pass: parallel overlap (cpu0 %.0f ms, cpu1 %.0f ms, both running %.0f ms)\n",
	       (p[0].end - p[0].start) / 1e6, (p[1].end - p[1].start) / 1e6,
	       ((p[0].end < p[1].end ? p[0].end : p[1].end) - (p[0].start > p[1].start ? p[0].start : p[1].start)) / 1e6);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		fail("open /dev/kvm: %s (is kvm_amd or kvm_intel loaded?)", strerror(errno));
	int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION)
		fail("KVM_GET_API_VERSION is %d, expected %d", api, KVM_API_VERSION);
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) <= 0)
		fail("KVM lacks KVM_CAP_READONLY_MEM");
	run_mode(kvm, 0);
	run_mode(kvm, 1);
	run_parallel(kvm);
	printf("KVMTEST: ok\n");
	return 0;
}
