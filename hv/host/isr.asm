; isr.asm - one stub per vector: push a zero error code where the CPU does
; not push one (SDM 3A 6.15 lists which do), push the vector, save the GPRs
; and call interrupt_dispatch(struct int_frame *).

bits 64
section .text
extern interrupt_dispatch
global isr_stub_table

%macro ISR 1
isr_%1:
%if %1 = 8 || (%1 >= 10 && %1 <= 14) || %1 = 17 || %1 = 21 || %1 = 29 || %1 = 30
%else
	push 0
%endif
	push %1
	jmp isr_common
%endmacro

%assign v 0
%rep 256
ISR v
%assign v v+1
%endrep

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	; Align the stack for the C ABI; the original RSP is kept in rbx.
	mov rbx, rsp
	and rsp, -16
	call interrupt_dispatch
	mov rsp, rbx
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16
	iretq

section .rodata
align 8
isr_stub_table:
%assign v 0
%rep 256
	dq isr_ %+ v
%assign v v+1
%endrep
