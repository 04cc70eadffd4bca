/*
 * guest_abi.h - what a guest of Nestor can rely on. Shared by the
 * hypervisor and the test guests (tests/guests/), so both see one truth.
 *
 * Detection: CPUID leaf 0x40000000 returns EAX = highest hypervisor leaf
 * and EBX:ECX:EDX = "NestorNestor" (the convention KVM/Xen/Hyper-V use for
 * leaves 0x40000000-0x400000FF). CPUID.1:ECX bit 31 (hypervisor present)
 * is set.
 *
 * Hypercall: VMCALL on Intel, VMMCALL on AMD (a guest picks by the CPUID
 * vendor string). RAX = function, RBX/RCX/RDX = arguments; RAX returns 0
 * or a negative NESTOR_E* value. Other registers are preserved. The
 * instruction is 3 bytes (0F 01 C1 / 0F 01 D9); RIP advances past it.
 *
 *   HC_PRINT (1)  RBX = guest-physical address, RCX = length (<= 4096):
 *                 print the bytes as a line on Nestor's console.
 *   HC_EXIT  (2)  RBX = status: stop this VM with that exit status.
 *   HC_YIELD (3)  give the physical CPU to the next runnable vCPU.
 *   HC_RDTSC_INSNS (4) informational: returns 0; reserved for benchmarks.
 *   HC_PRINT_STATS (5) print this VM's exit counts on Nestor's console.
 *
 * Devices of an isolated VM: a 16550 UART at the COM1 ports 0x3f8-0x3ff
 * (each line appears on Nestor's console as "[NAME] line"), the QEMU
 * debug-exit port 0xf4 (a write of V ends the VM with status V), and QEMU's
 * fw_cfg (selector 0x510, data 0x511) with the keys below.
 */
#ifndef NESTOR_GUEST_ABI_H
#define NESTOR_GUEST_ABI_H

#define NESTOR_CPUID_BASE 0x40000000u
#define NESTOR_CPUID_MAX 0x40000001u
#define NESTOR_CPUID_SIG_EBX 0x7473654eu /* "Nest" */
#define NESTOR_CPUID_SIG_ECX 0x654e726fu /* "orNe" */
#define NESTOR_CPUID_SIG_EDX 0x726f7473u /* "stor" */
/* Leaf 0x40000001: EAX = ABI version, EBX = VM id, ECX = vCPU index. */
#define NESTOR_ABI_VERSION 1

#define HC_PRINT 1
#define HC_EXIT 2
#define HC_YIELD 3
#define HC_RDTSC_INSNS 4
#define HC_PRINT_STATS 5

#define NESTOR_EOK 0
#define NESTOR_EINVAL (-22)
#define NESTOR_ENOSYS (-38)
#define NESTOR_EFAULT (-14)

#define GUEST_DEBUG_EXIT_PORT 0xf4
#define GUEST_COM1_PORT 0x3f8
#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
/* fw_cfg keys (QEMU docs/specs/fw_cfg.rst): signature "QEMU", id,
 * number of CPUs (16-bit), RAM size (64-bit, little-endian). */
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID 0x01
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_MAX_CPUS 0x0f

#endif
