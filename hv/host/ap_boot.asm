; ap_boot.asm - how an application processor gets from its start-up IPI to
; C (Intel SDM Vol 3A 8.4.4 MP initialization, 9.9 mode switching).
;
; ap_tramp_start..ap_tramp_end is copied by hv/host/smp.c to a free page
; below 1 MiB, whose page number is the SIPI vector: the AP starts there
; in real mode with CS = vector << 8, IP = 0 (SDM 3A 8.4.4.1). The copy is
; position-independent in real mode (everything CS-relative); the two
; absolute addresses it needs (its GDT, its 32-bit code) are patched into
; ap_tramp_gdtr and ap_tramp_far32 by smp.c.
;
;   real mode --lgdt, CR0.PE--> 32-bit flat --PAE, early_pml4, EFER.LME|NXE,
;   CR0.PG--> compatibility mode --far jump--> ap_entry64 (in .text)
;
; The boot's early identity tables (entry32.asm: 4 GiB of 2 MiB pages, no
; NX bits) map the low copy executable; ap_entry64 then switches to
; Nestor's own tables (host_paging.c, where low memory is NX).
; ap_entry64 finds its CPU index by its initial APIC ID (CPUID.1:EBX[31:24],
; SDM 3A 8.4.5) in smp_apic_ids[], takes that CPU's stack and calls
; ap_main(index). An AP not in the table (it came up too late and was
; given up) halts.

bits 16
section .rodata
global ap_tramp_start, ap_tramp_end, ap_tramp_gdtr, ap_tramp_far32, ap_tramp_gdt

CR0_PE equ 1
CR0_PG_WP_NE_ET_PE equ (1 << 31) | (1 << 16) | (1 << 5) | (1 << 4) | 1
CR4_PAE equ 1 << 5
MSR_EFER equ 0xC0000080
EFER_LME_NXE equ (1 << 8) | (1 << 11)

align 16
ap_tramp_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	o32 lgdt [ap_tramp_gdtr - ap_tramp_start]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	o32 jmp far [ap_tramp_far32 - ap_tramp_start]

bits 32
ap_tramp_pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, CR4_PAE
	mov cr4, eax
	mov eax, early_pml4
	mov cr3, eax
	mov ecx, MSR_EFER
	mov eax, EFER_LME_NXE
	xor edx, edx
	wrmsr
	mov eax, CR0_PG_WP_NE_ET_PE
	mov cr0, eax
	jmp 0x18:ap_entry64

align 8
ap_tramp_gdt:
	dq 0
	dq 0x00cf9a000000ffff       ; 0x08: 32-bit code, flat
	dq 0x00cf92000000ffff       ; 0x10: data, flat
	dq 0x00209a0000000000       ; 0x18: 64-bit code
ap_tramp_gdtr:
	dw 4 * 8 - 1
	dd 0                        ; patched: physical address of ap_tramp_gdt's copy
ap_tramp_far32:
	dd 0                        ; patched: physical address of ap_tramp_pm32's copy
	dw 0x08
ap_tramp_end:

global ap_tramp_pm32_offset
ap_tramp_pm32_offset: dd ap_tramp_pm32 - ap_tramp_start

bits 64
section .text
extern early_pml4, ap_main, cpu_stacks, smp_apic_ids, smp_boot_cr3
global ap_entry64

MAX_CPUS equ 8
CPU_STACKS_SIZE equ 4096 * 7 + 16384   ; sizeof(struct cpu_stacks), checked in smp.c
STACK_TOP equ 4096 + 16384              ; end of cpu_stacks[i].main

ap_entry64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rax, [rel smp_boot_cr3]
	mov cr3, rax
	mov eax, 1
	cpuid
	shr ebx, 24
	xor ecx, ecx
.find:
	cmp ecx, MAX_CPUS
	je .halt
	lea rax, [rel smp_apic_ids]
	cmp [rax + rcx * 4], ebx
	je .found
	inc ecx
	jmp .find
.found:
	mov edi, ecx
	imul rax, rcx, CPU_STACKS_SIZE
	lea rsp, [rel cpu_stacks]
	add rsp, rax
	add rsp, STACK_TOP
	xor ebp, ebp                ; ends the backtrace frame chain
	call ap_main
.halt:
	cli
	hlt
	jmp .halt
