/* vmx.c - see vmx.h. */
#include "lib/guest.h"
#include "lib/vmx.h"

uint8_t vmx_region[4096] __attribute__((aligned(4096)));
uint8_t vmx_vmcs_a[4096] __attribute__((aligned(4096)));
uint8_t vmx_vmcs_b[4096] __attribute__((aligned(4096)));
struct vmx_gprs vmx_l2_gprs;

uint32_t vmx_revision(void) { return (uint32_t)rdmsr(MSR_VMX_BASIC_G) & 0x7fffffff; }

int vmwrite64(uint32_t field, uint64_t val)
{
	int r = vmwrite32(field, (uint32_t)val);
	return r ? r : vmwrite32(field | 1, (uint32_t)(val >> 32));
}

int vmx_on(void)
{
	paging_enable_identity();
	__asm__ volatile("mov %%cr0, %%eax; or $0x20, %%eax; mov %%eax, %%cr0" ::: "eax", "memory");
	write_cr4_g(read_cr4_g() | (1u << 13));
	*(uint32_t *)vmx_region = vmx_revision();
	return vmxon_at((uint32_t)(uintptr_t)vmx_region);
}

int vmx_vmcs_load(uint8_t *page)
{
	memset(page, 0, 4096);
	*(uint32_t *)page = vmx_revision();
	uint64_t pa = (uint32_t)(uintptr_t)page;
	int r = vmclear_at(pa);
	return r ? r : vmptrld_at(pa);
}

uint32_t vmx_ctl_must1(uint32_t msr) { return (uint32_t)rdmsr(msr); }
uint32_t vmx_ctl_may1(uint32_t msr) { return (uint32_t)(rdmsr(msr) >> 32); }

struct dtr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

static uint16_t sel(int i)
{
	uint16_t s = 0;
	switch (i) {
	case 0: __asm__("mov %%es, %0" : "=r"(s)); break;
	case 1: __asm__("mov %%cs, %0" : "=r"(s)); break;
	case 2: __asm__("mov %%ss, %0" : "=r"(s)); break;
	case 3: __asm__("mov %%ds, %0" : "=r"(s)); break;
	case 4: __asm__("mov %%fs, %0" : "=r"(s)); break;
	case 5: __asm__("mov %%gs, %0" : "=r"(s)); break;
	}
	return s;
}

void vmx_fill_flat32(void (*entry)(void), void *stack_top)
{
	struct dtr g, i;
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(g), "=m"(i));
	uint32_t cr0 = read_cr0(), cr3, cr4 = read_cr4_g();
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	/* Controls: what the TRUE MSRs require (SDM 3D A.3-A.5). */
	vmwrite32(VMCS_PIN_BASED_CTLS, vmx_ctl_must1(0x48d));
	vmwrite32(VMCS_PROC_BASED_CTLS, vmx_ctl_must1(0x48e));
	vmwrite32(VMCS_EXIT_CTLS, vmx_ctl_must1(0x48f));
	vmwrite32(VMCS_ENTRY_CTLS, vmx_ctl_must1(0x490));
	vmwrite32(VMCS_EXCEPTION_BITMAP, 0);
	vmwrite32(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite64(VMCS_VMCS_LINK_POINTER, ~0ull);
	/* Host state: L1 as it is (a 32-bit host). TR: any non-null
	 * selector (L1 never uses its TSS). */
	vmwrite32(VMCS_HOST_CR0, cr0);
	vmwrite32(VMCS_HOST_CR3, cr3);
	vmwrite32(VMCS_HOST_CR4, cr4);
	vmwrite32(VMCS_HOST_ES_SEL, sel(0));
	vmwrite32(VMCS_HOST_CS_SEL, sel(1));
	vmwrite32(VMCS_HOST_SS_SEL, sel(2));
	vmwrite32(VMCS_HOST_DS_SEL, sel(3));
	vmwrite32(VMCS_HOST_FS_SEL, sel(4));
	vmwrite32(VMCS_HOST_GS_SEL, sel(5));
	vmwrite32(VMCS_HOST_TR_SEL, 0x28);
	vmwrite32(VMCS_HOST_GDTR_BASE, g.base);
	vmwrite32(VMCS_HOST_IDTR_BASE, i.base);
	/* Guest state: flat 32-bit protected mode, L1's paging. */
	vmwrite32(VMCS_GUEST_CR0, cr0);
	vmwrite32(VMCS_GUEST_CR3, cr3);
	vmwrite32(VMCS_GUEST_CR4, cr4);
	vmwrite32(VMCS_GUEST_DR7, 0x400);
	for (int s = 0; s < 6; s++) {
		vmwrite32(VMCS_GUEST_ES_SEL + 2 * s, sel(s));
		vmwrite32(VMCS_GUEST_ES_BASE + 2 * s, 0);
		vmwrite32(VMCS_GUEST_ES_LIMIT + 2 * s, 0xffffffff);
		vmwrite32(VMCS_GUEST_ES_AR + 2 * s, s == 1 ? 0xc09b : sel(s) ? 0xc093 : 0x10000);
	}
	vmwrite32(VMCS_GUEST_LDTR_SEL, 0);
	vmwrite32(VMCS_GUEST_LDTR_AR, 0x10000);
	vmwrite32(VMCS_GUEST_TR_SEL, 0x28);
	vmwrite32(VMCS_GUEST_TR_BASE, 0);
	vmwrite32(VMCS_GUEST_TR_LIMIT, 0x67);
	vmwrite32(VMCS_GUEST_TR_AR, 0x8b);
	vmwrite32(VMCS_GUEST_GDTR_BASE, g.base);
	vmwrite32(VMCS_GUEST_GDTR_LIMIT, g.limit);
	vmwrite32(VMCS_GUEST_IDTR_BASE, i.base);
	vmwrite32(VMCS_GUEST_IDTR_LIMIT, i.limit);
	vmwrite32(VMCS_GUEST_RFLAGS, 2);
	vmwrite32(VMCS_GUEST_RIP, (uint32_t)(uintptr_t)entry);
	vmwrite32(VMCS_GUEST_RSP, (uint32_t)(uintptr_t)stack_top);
	vmwrite32(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmwrite32(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite64(VMCS_GUEST_IA32_EFER, 0);
}

/* vmx_enter(launch): L1's callee-saved registers on the stack, HOST_RSP
 * = that stack, HOST_RIP = 1:, L2's registers from vmx_l2_gprs, then
 * VMLAUNCH/VMRESUME. A VMfail falls through (flags -> outcome); an exit
 * lands at 1: with L2's registers, which go back to vmx_l2_gprs. */
__asm__(".text\n.globl vmx_enter\nvmx_enter:\n"
	"push %ebp\npush %ebx\npush %esi\npush %edi\n"
	"mov 20(%esp), %edx\n"
	"mov $0x6c14, %eax\nvmwrite %esp, %eax\n"
	"mov $0x6c16, %eax\nmov $1f, %ecx\nvmwrite %ecx, %eax\n"
	"push %edx\n"
	"mov vmx_l2_gprs+4, %ebx\nmov vmx_l2_gprs+8, %ecx\nmov vmx_l2_gprs+12, %edx\n"
	"mov vmx_l2_gprs+16, %esi\nmov vmx_l2_gprs+20, %edi\nmov vmx_l2_gprs+24, %ebp\n"
	"mov vmx_l2_gprs, %eax\n"
	"cmpl $0, (%esp)\n"
	"je 2f\n"
	"add $4, %esp\n"
	"vmlaunch\njmp 3f\n"
	"2: add $4, %esp\n"
	"vmresume\n"
	"3: pushf\npop %eax\n"
	"test $1, %eax\njnz 4f\n"
	"test $0x40, %eax\njnz 5f\n"
	"xor %eax, %eax\njmp 6f\n"
	"4: mov $1, %eax\njmp 6f\n"
	"5: mov $2, %eax\njmp 6f\n"
	"1: mov %eax, vmx_l2_gprs\nmov %ebx, vmx_l2_gprs+4\nmov %ecx, vmx_l2_gprs+8\n"
	"mov %edx, vmx_l2_gprs+12\nmov %esi, vmx_l2_gprs+16\nmov %edi, vmx_l2_gprs+20\n"
	"mov %ebp, vmx_l2_gprs+24\n"
	"mov $3, %eax\n"
	"6: pop %edi\npop %esi\npop %ebx\npop %ebp\nret\n");
