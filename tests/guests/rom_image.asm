; rom_image.asm - build/guests/rom.img, the ROM image the rom and
; rom_unsupported guests use (a GRUB module with kind=rom name=romimg):
; 8 KiB where byte i is (i*7+3) & 0xff, except for 32-bit code at 0x100:
;     mov eax, 0x12345678
;     ret
; so a guest can CALL into ROM (instruction fetch from ROM). Built with
; nasm -f bin; tests/guests/rom.c generates the same bytes to compare.
bits 32

ROM_SIZE equ 8192
CODE_AT  equ 0x100

%assign i 0
%rep CODE_AT
	db (i * 7 + 3) & 0xff
%assign i i + 1
%endrep
rom_code:
	mov eax, 0x12345678             ; b8 78 56 34 12
	ret                             ; c3
%assign i CODE_AT + ($ - rom_code)
%rep ROM_SIZE - i
	db (i * 7 + 3) & 0xff
%assign i i + 1
%endrep
