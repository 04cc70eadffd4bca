; long64.asm - a kind=elf64 test guest: Nestor enters it in 64-bit mode at
; its ELF entry with the first 4 GiB identity-mapped (hv/load/loader.c). It
; checks what a 64-bit guest relies on: EFER.LMA reads 1, LSTAR and
; KERNEL_GS_BASE round-trip (through SWAPGS), CR4.VMXE and CR4.OSXSAVE
; are refused with #GP while an allowed CR4 bit works, a CR0.NE clear/set
; round-trips, CR3 reloads, CR8 is the local APIC's TPR[7:4] both ways
; (SDM 3A 11.8.6.1) and refuses bits 63:4 with #GP.
; Prints "long: pass: ..." lines and "long: ok" (exit 0) or "long: FAIL" (1).
bits 64
section .text
global _start
%macro say 1
	lea rsi, [rel %1]
	call puts
%endmacro
_start:
	lea rsp, [rel stack_top]
	lgdt [rel gdtr]
	lea rax, [rel idt]
	lea rbx, [rel gp_handler]
	; IDT entry 13: 64-bit interrupt gate, selector 0x08
	mov rcx, rbx
	and ecx, 0xffff
	mov rdx, 0x08
	shl rdx, 16
	or rcx, rdx
	mov rdx, 0x8e00
	shl rdx, 32
	or rcx, rdx
	mov rdx, rbx
	shr rdx, 16
	and rdx, 0xffff
	shl rdx, 48
	or rcx, rdx
	mov [rax + 13*16], rcx
	mov rdx, rbx
	shr rdx, 32
	mov [rax + 13*16 + 8], rdx
	lidt [rel idtr]
	; reload CS via far return
	push 0x08
	lea rax, [rel .cs]
	push rax
	retfq
.cs:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	say s_start
	; EFER.LMA must read as 1
	mov ecx, 0xc0000080
	rdmsr
	bt eax, 10
	jnc fail
	say s_lma
	; LSTAR write/read
	mov ecx, 0xc0000082
	mov eax, 0x12345678
	mov edx, 0xffffffff
	wrmsr
	xor eax, eax
	xor edx, edx
	rdmsr
	cmp eax, 0x12345678
	jne fail
	cmp edx, 0xffffffff
	jne fail
	say s_lstar
	; CR4.VMXE and CR4.OSXSAVE are bits Nestor does not let a guest set
	; (GUEST_CR4_HIDDEN): they read 0 and setting either raises #GP.
	mov rax, cr4
	bt rax, 13
	jc fail
	mov qword [rel gp_count], 0
	or rax, 1 << 13
	mov cr4, rax            ; 3 bytes: 0f 22 e0
	cmp qword [rel gp_count], 1
	jne fail
	mov rax, cr4
	bt rax, 13
	jc fail
	say s_vmxe
	mov qword [rel gp_count], 0
	or rax, 1 << 18
	mov cr4, rax
	cmp qword [rel gp_count], 1
	jne fail
	mov rax, cr4
	bt rax, 18
	jc fail
	say s_osxsave
	; an allowed bit still works: CR4.PCE (8) set and cleared
	mov rax, cr4
	bts rax, 8
	mov cr4, rax
	mov rbx, cr4
	bt rbx, 8
	jnc fail
	btr rax, 8
	mov cr4, rax
	say s_pce
	; clear CR0.NE (a masked bit: the backend emulates the write)
	mov rax, cr0
	btr rax, 5
	mov cr0, rax
	mov rbx, cr0
	bt rbx, 5
	jc fail
	bts rax, 5
	mov cr0, rax
	mov rbx, cr0
	bt rbx, 5
	jnc fail
	say s_ne
	; CR3 reload still works
	mov rax, cr3
	mov cr3, rax
	; CR8 = TPR[7:4]: a CR8 write shows in the xAPIC TPR (with TPR[3:0]
	; cleared), a TPR write in CR8; bits 63:4 of a CR8 write raise #GP
	mov rdx, 0xfee00080
	mov eax, 5
	mov cr8, rax
	mov rbx, cr8
	cmp rbx, 5
	jne fail
	mov eax, [rdx]
	cmp eax, 0x50
	jne fail
	mov dword [rdx], 0x73
	mov rbx, cr8
	cmp rbx, 7
	jne fail
	mov qword [rel gp_count], 0
	mov qword [rel gp_skip], 4
	mov eax, 0x17
	mov cr8, rax            ; 4 bytes: 44 0f 22 c0
	mov qword [rel gp_skip], 3
	cmp qword [rel gp_count], 1
	jne fail
	mov rbx, cr8
	cmp rbx, 7
	jne fail
	xor eax, eax
	mov cr8, rax
	mov eax, [rdx]
	test eax, eax
	jnz fail
	say s_cr8
	; swapgs round trip with KERNEL_GS_BASE
	mov ecx, 0xc0000102
	mov eax, 0xabc000
	xor edx, edx
	wrmsr
	swapgs
	mov ecx, 0xc0000101
	rdmsr
	cmp eax, 0xabc000
	jne fail
	swapgs
	say s_ok
	mov al, 0
	out 0xf4, al
halt:	hlt
	jmp halt
fail:
	say s_fail
	mov al, 1
	out 0xf4, al
	jmp halt

gp_handler:
	inc qword [rel gp_count]
	add rsp, 8              ; error code
	push rax
	mov rax, [rel gp_skip]  ; the faulting instruction's length
	add [rsp + 8], rax
	pop rax
	iretq

puts:
	mov dx, 0x3f8
.l:	lodsb
	test al, al
	jz .d
	out dx, al
	jmp .l
.d:	ret

section .data
align 16
gdt:	dq 0
	dq 0x00209a0000000000
	dq 0x0000920000000000
gdtr:	dw 23
	dq gdt
align 16
idtr:	dw 256*16-1
	dq idt
gp_count: dq 0
gp_skip: dq 3
s_start: db "long: start", 10, 0
s_lma:	db "long: pass: EFER.LMA=1", 10, 0
s_lstar: db "long: pass: LSTAR reads back", 10, 0
s_vmxe:	db "long: pass: CR4.VMXE hidden, setting it raises #GP", 10, 0
s_osxsave: db "long: pass: CR4.OSXSAVE refused with #GP (XSAVE state is not switched)", 10, 0
s_pce:	db "long: pass: CR4.PCE can be set and cleared", 10, 0
s_ne:	db "long: pass: CR0.NE write emulated through the shadow", 10, 0
s_cr8:	db "long: pass: CR8 is the APIC TPR[7:4] both ways, bits 63:4 raise #GP", 10, 0
s_ok:	db "long: ok", 10, 0
s_fail:	db "long: FAIL", 10, 0
section .bss
align 16
idt:	resb 4096
	resb 8192
stack_top:
