; entry32.asm - the multiboot2 header and the 32-bit entry GRUB calls.
;
; GRUB enters here in 32-bit protected mode with paging off, on BIOS and
; UEFI alike (Multiboot2 spec 3.3 "I386 machine state"): EAX = magic,
; EBX = physical address of the boot information. Everything else is
; undefined, and UEFI GRUB leaves EFER.NXE and several CR4 bits set, so
; every control register is written explicitly below.
;
; Steps: check the CPU can do long mode, build early identity page tables
; for the first 4 GiB (2 MiB pages), enable PAE + LME + paging, load a
; 64-bit GDT and far-jump to boot_entry64 (entry64.asm).

bits 32

MB2_MAGIC        equ 0xe85250d6
MB2_ARCH_I386    equ 0
MB2_BOOT_MAGIC   equ 0x36d76289

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header_start:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header_start
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))
	; End tag: no other header tags. An ELF image needs no address tag, and
	; EFI tags 7+9 would make GRUB keep boot services (see PLATFORM.md).
	dw 0, 0
	dd 8
mb2_header_end:

; Early page tables, zeroed by boot_entry32 itself rather than trusting
; that the loader cleared .bss.
section .boot.bss nobits alloc write align=4096
global early_pml4
early_pml4:  resb 4096
early_pdpt:  resb 4096
early_pd:    resb 4096 * 4          ; 4 x 512 x 2 MiB = the first 4 GiB
early_stack: resb 4096
early_stack_top:

section .boot.text progbits alloc exec nowrite align=16
global boot_entry32
extern boot_entry64
extern boot_gdt_ptr32

boot_entry32:
	cli
	cld
	mov esp, early_stack_top
	mov esi, eax                ; multiboot2 magic, checked in C
	mov edi, ebx                ; boot information address

	; Long mode needs CPUID leaf 0x80000001 EDX bit 29 (Intel SDM Vol 2A
	; CPUID; AMD APM Vol 3 E.4.2).
	pushfd
	pop eax
	mov ecx, eax
	xor eax, 1 << 21            ; can we flip EFLAGS.ID? then CPUID exists
	push eax
	popfd
	pushfd
	pop eax
	push ecx
	popfd
	cmp eax, ecx
	je .no_long_mode
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode

	; Zero the early tables (6 pages).
	mov edx, edi
	mov edi, early_pml4
	mov ecx, (4096 * 6) / 4
	xor eax, eax
	rep stosd
	mov edi, edx

	; PML4[0] -> PDPT; PDPT[0..3] -> PD pages; each PD maps 1 GiB with
	; 2 MiB pages (present | writable | PS). NX is not used this early.
	mov dword [early_pml4], early_pdpt + 0x3
	mov eax, early_pd + 0x3
	mov dword [early_pdpt + 0], eax
	add eax, 4096
	mov dword [early_pdpt + 8], eax
	add eax, 4096
	mov dword [early_pdpt + 16], eax
	add eax, 4096
	mov dword [early_pdpt + 24], eax
	xor ecx, ecx
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83                ; present | writable | PS
	mov [early_pd + ecx * 8], eax
	mov eax, ecx
	shr eax, 11                 ; bits 63:32 of the 2 MiB frame address
	mov [early_pd + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jne .fill_pd

	; CR4: PAE only; later code enables what it uses (Intel SDM Vol 3A 2.5).
	mov eax, 1 << 5
	mov cr4, eax
	mov eax, early_pml4
	mov cr3, eax
	; EFER (MSR 0xC0000080): LME and NXE, nothing else (UEFI GRUB may
	; leave other bits; NXE is wanted for the final W^X tables).
	mov ecx, 0xC0000080
	rdmsr
	mov eax, (1 << 8) | (1 << 11)
	xor edx, edx
	wrmsr
	; CR0: PG | WP | NE | ET | PE; caches on (CD=NW=0).
	mov eax, (1 << 31) | (1 << 16) | (1 << 5) | (1 << 4) | 1
	mov cr0, eax

	lgdt [boot_gdt_ptr32]
	jmp 0x08:boot_entry64

.no_long_mode:
	; No long mode: say so on COM1 and the VGA text screen, then stop.
	mov ebx, no_lm_msg
.putc:
	mov al, [ebx]
	test al, al
	jz .halt
	mov dx, 0x3fd
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov al, [ebx]
	mov dx, 0x3f8
	out dx, al
	mov ecx, ebx
	sub ecx, no_lm_msg
	mov ah, 0x4f
	mov [0xb8000 + ecx * 2], ax
	inc ebx
	jmp .putc
.halt:
	hlt
	jmp .halt

no_lm_msg: db "Nestor: this CPU has no 64-bit long mode; Nestor needs an x86-64 CPU with VT-x or AMD-V.", 13, 10, 0
