; entry64.asm - first 64-bit code: segments, the boot CPU's stack, then C.

bits 64

section .boot.text
global boot_entry64
extern kmain
extern cpu_stacks
; cpu_stacks[0].main ends at +4096+16384 (hv/host/percpu.h, checked there).
BOOT_STACK_TOP_OFFSET equ 4096 + 16384

boot_entry64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, cpu_stacks + BOOT_STACK_TOP_OFFSET
	xor ebp, ebp                ; ends the backtrace frame chain
	; kmain(magic = ESI, info = EDI): upper halves are already zero.
	mov edi, edi
	mov esi, esi
	xchg rdi, rsi               ; kmain(uint32_t magic, uint64_t info)
	call kmain
.halt:
	cli
	hlt
	jmp .halt
