; realmode - a real-mode guest as a flat binary (nasm -f bin), loaded at
; guest-physical 0x8000 and entered in real mode at CS:IP = 0000:8000.
; It proves Nestor can run 16-bit code (VT-x "unrestricted guest", or SVM
; with paging off): prints through COM1 with plain `out dx, al`, checks
; CR0.PE = 0 with smsw (which works at any privilege, unlike mov from cr0
; in virtual-8086 mode, so an emulation that fakes real mode is caught),
; and exits through port 0xf4 with 0 (1 if not in real mode).
;
; All code references are relative and data is reached through DS = 0,
; so any CS:IP whose linear address is 0x8000 works; the entry CS:IP is
; printed so a wrong entry shows up in the log.

bits 16
org 0x8000

COM1      equ 0x3f8
COM1_LCR  equ COM1 + 3
COM1_LSR  equ COM1 + 5
LCR_8N1   equ 0x03
LSR_THRE  equ 0x20
LSR_TEMT  equ 0x40
EXIT_PORT equ 0xf4

start:
	cli
	cld
	mov bp, cs                 ; entry CS, before anything changes it
	call .here                 ; entry IP: our own address within CS
.here:
	pop di
	sub di, .here - start
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x8000             ; the stack grows down below the image

	; Program COM1 only if nobody did (word length not 8 bits; the reset
	; value means 5, and Bochs then sends only 5 bits per byte). Leave it
	; alone otherwise: it may be Nestor's own console. As lib/console.c.
	mov dx, COM1_LCR
	in al, dx
	and al, 3
	cmp al, LCR_8N1
	je .uart_ready
	mov dx, COM1 + 1           ; IER = 0: we poll
	xor al, al
	out dx, al
	mov dx, COM1_LCR           ; DLAB on
	mov al, 0x80
	out dx, al
	mov dx, COM1               ; divisor 1: 115200 baud
	mov al, 1
	out dx, al
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1_LCR           ; 8N1, DLAB off
	mov al, LCR_8N1
	out dx, al
.uart_ready:

	mov si, msg_start
	call puts
	mov si, msg_hello
	call puts

	mov si, msg_cs             ; "realmode: entry CS:IP="
	call puts
	mov ax, bp
	call puthex16
	mov al, ':'
	call putc
	mov ax, di
	call puthex16
	mov al, 10
	call putc

	smsw ax
	test al, 1                 ; CR0.PE
	jnz .protected
	mov si, msg_pass
	call puts
	mov si, msg_ok
	call puts
	xor al, al
	jmp exit
.protected:
	mov si, msg_fail
	call puts
	mov al, 1

; al = status
exit:
	mov bl, al
	mov dx, COM1_LSR
	mov cx, 0xffff
.drain:
	in al, dx
	test al, LSR_TEMT
	jnz .gone
	loop .drain
.gone:
	mov al, bl
	out EXIT_PORT, al
.halt:
	cli
	hlt
	jmp .halt

; Print the NUL-terminated string at ds:si.
puts:
	lodsb
	test al, al
	jz .done
	call putc
	jmp puts
.done:
	ret

; Print al; waits (bounded) for the transmitter like the C guests do.
putc:
	push ax
	push cx
	push dx
	mov ah, al
	mov dx, COM1_LSR
	mov cx, 0xffff
.wait:
	in al, dx
	test al, LSR_THRE
	jnz .ready
	loop .wait
.ready:
	mov al, ah
	mov dx, COM1
	out dx, al
	pop dx
	pop cx
	pop ax
	ret

; Print ax as "0x" and 4 hex digits.
puthex16:
	push ax
	push bx
	push cx
	mov bx, ax
	mov al, '0'
	call putc
	mov al, 'x'
	call putc
	mov cx, 4
.digit:
	rol bx, 4
	mov al, bl
	and al, 0x0f
	add al, '0'
	cmp al, '9'
	jbe .print
	add al, 'a' - '9' - 1
.print:
	call putc
	loop .digit
	pop cx
	pop bx
	pop ax
	ret

msg_start: db "realmode: start", 10, 0
msg_hello: db "realmode: hello", 10, 0
msg_cs:    db "realmode: entry CS:IP=", 0
msg_pass:  db "realmode: pass: CR0.PE=0 (real mode)", 10, 0
msg_ok:    db "realmode: ok", 10, 0
msg_fail:  db "realmode: FAIL: CR0.PE=1 (not in real mode)", 10, 0
