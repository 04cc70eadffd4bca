; gdt.asm - the boot GDT used for the jump into long mode.
; The per-CPU GDT with a TSS replaces it in hv/host/gdt.c.

section .boot.data progbits alloc noexec write align=16
global boot_gdt_ptr32
boot_gdt:
	dq 0
	dq 0x00209a0000000000       ; 0x08: 64-bit code, DPL 0 (L=1, P=1, S=1, type 0xA)
	dq 0x0000920000000000       ; 0x10: data, DPL 0
boot_gdt_end:
boot_gdt_ptr32:
	dw boot_gdt_end - boot_gdt - 1
	dd boot_gdt
