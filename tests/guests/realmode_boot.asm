; realmode_boot - NOT a guest: a BIOS boot disk used only to try
; realmode.bin on bare QEMU. The boot sector reads the payload (appended
; after it, from LBA 1) to 0000:8000 with int 13h and jumps there, which
; is the state Nestor is meant to enter realmode.bin in.
; Build: nasm -f bin -DPAYLOAD='"build/guests/realmode.bin"' -o IMG this.

bits 16
org 0x7c00

	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7c00
	sti
	mov ah, 0x02               ; int 13h: read sectors (CHS)
	mov al, SECTORS
	mov ch, 0                  ; cylinder 0
	mov cl, 2                  ; sector 2 (1-based): LBA 1
	mov dh, 0                  ; head 0; dl = boot drive from the BIOS
	mov bx, 0x8000             ; es:bx = 0000:8000
	int 0x13
	jc .fail
	jmp 0x0000:0x8000
.fail:
	mov al, 0x7f               ; distinct from the guest's 0/1
	out 0xf4, al
.halt:
	hlt
	jmp .halt

	times 510 - ($ - $$) db 0
	dw 0xaa55

payload:
	incbin PAYLOAD
payload_end:
SECTORS equ (payload_end - payload + 511) / 512
	; Pad to 64 KiB so the BIOS sees a plausible disk.
	times 65536 - ($ - $$) db 0
