; entry.asm - multiboot (version 1, spec 0.6.96) header, 32-bit entry and
; exception stubs shared by every ELF test guest.
;
; The loader (GRUB, QEMU -kernel, or Nestor's own guest loader) enters
; _start in 32-bit protected mode with paging off, EAX = 0x2BADB002 and
; EBX = the physical address of the multiboot information. The spec says
; the loader's GDT may be gone by then, so we load our own before touching
; a segment register, and we zero .bss ourselves rather than trust every
; loader to honour p_memsz.

MB_MAGIC        equ 0x1BADB002
MB_FLAG_ALIGN   equ 1 << 0          ; page-align modules (we take none)
MB_FLAG_MEMINFO equ 1 << 1          ; mem_lower/mem_upper and the memory map
MB_FLAGS        equ MB_FLAG_ALIGN | MB_FLAG_MEMINFO

CODE_SEL equ 0x08
DATA_SEL equ 0x10

STACK_SIZE equ 16384

bits 32

; The header must sit in the first 8 KiB of the file, 4-byte aligned: the
; linker script puts .multiboot first.
section .multiboot
align 4
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)

section .text
global _start
extern guest_start
extern __bss_start, __bss_end
_start:
	cli
	cld
	mov esi, eax                 ; keep magic and info across the .bss clear
	mov edi, ebx
	lgdt [gdt_desc]
	jmp CODE_SEL:.reload
.reload:
	mov ax, DATA_SEL
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov ebx, edi                 ; info pointer
	mov edx, esi                 ; magic
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb
	mov esp, stack_top
	xor ebp, ebp                 ; end of the frame chain for debuggers
	push ebx
	push edx
	call guest_start             ; never returns
.halt:
	hlt
	jmp .halt

; ---------------------------------------------------------------------------
; Exception stubs for vectors 0-31. Each pushes a dummy error code when the
; CPU does not push one (so every frame has the same shape), then the
; vector, and joins the common path, which hands C a pointer to the frame.
; Layout (low to high): edi esi ebp esp_unused ebx edx ecx eax vector error
; eip cs eflags - see struct guest_frame in guest.h.

extern guest_exception
%macro ISR_NOERR 1
isr_%1:
	push dword 0
	push dword %1
	jmp isr_common
%endmacro
%macro ISR_ERR 1
isr_%1:
	push dword %1
	jmp isr_common
%endmacro

; Vectors that push an error code (Intel SDM vol. 3A, 6.13): 8, 10-14, 17,
; 21 (#CP), 29 (#VC), 30 (#SX).
%assign v 0
%rep 32
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
	ISR_ERR v
%else
	ISR_NOERR v
%endif
%assign v v + 1
%endrep

isr_common:
	pushad
	cld                          ; C expects DF=0; the fault may come with DF=1
	push esp                     ; struct guest_frame *
	call guest_exception         ; may rewrite frame->eip (see guest_catch)
	add esp, 4
	popad
	add esp, 8                   ; vector and error code
	iretd

section .rodata
global guest_isr_table
guest_isr_table:
%assign v 0
%rep 32
	dd isr_ %+ v
%assign v v + 1
%endrep

; ---------------------------------------------------------------------------
; int guest_catch(void (*fn)(void *), void *arg)
;
; Calls fn(arg). If fn raises an exception, the handler (guest_exception)
; resumes at catch_landing instead of the faulting instruction; we unwind to
; the saved stack and return the vector. Returns -1 when fn returns
; normally. A setjmp/longjmp pair in miniature: it needs no instruction
; length decoding, so any faulting instruction (rdmsr, ud2, a load through
; a bad pointer) can be probed. Catches nest: the previous frame is saved.

section .text
global guest_catch, guest_catch_landing
extern guest_catch_esp, guest_catch_vector
guest_catch:
	push ebp
	push ebx
	push esi
	push edi
	push dword [guest_catch_esp] ; the enclosing catch, if any
	mov [guest_catch_esp], esp
	; ret at [esp+20], fn at [esp+24], arg at [esp+28]
	push dword [esp + 28]
	call [esp + 28]              ; fn moved to +28 after the push
	add esp, 4
	mov eax, -1
catch_unwind:
	pop dword [guest_catch_esp]
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret
guest_catch_landing:
	mov esp, [guest_catch_esp]
	mov eax, [guest_catch_vector]
	jmp catch_unwind

section .data
align 8
gdt:
	dq 0                         ; null
	dq 0x00cf9a000000ffff        ; 0x08: 32-bit code, base 0, 4 GiB
	dq 0x00cf92000000ffff        ; 0x10: data, base 0, 4 GiB
gdt_end:
gdt_desc:
	dw gdt_end - gdt - 1
	dd gdt

section .bss
align 16
stack_bottom:
	resb STACK_SIZE
stack_top:
