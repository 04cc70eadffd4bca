; vmx_run.asm - enter a VMX guest and come back (Intel SDM Vol 3C 26, 28).
;
; int vmx_enter(uint64_t *gpr, int launched, uint64_t *cr2)
;
; Returns 0 after a VM exit, 1 on VMfailInvalid, 2 on VMfailValid (the
; VM-instruction error field says why). The current VMCS must be v's, with
; HOST_RIP = vmx_exit_stub; HOST_RSP is written here, right before entry,
; so the stub finds this frame:
;
;   [rsp]      gpr[]          <- HOST_RSP
;   [rsp+8]    cr2 pointer
;   [rsp+16..] rbp rbx r12 r13 r14 r15, return address
;
; The guest's RSP, RIP and RFLAGS live in the VMCS; every other GPR is
; loaded from gpr[] (indexed by x86 register number) and stored back.
; CR2 is not part of the VMCS: *cr2 goes into CR2 before entry and the
; guest's CR2 is read back into *cr2 after the exit.

bits 64
section .text
global vmx_enter
global vmx_exit_stub

VMCS_HOST_RSP equ 0x6c14

vmx_enter:
	push r15
	push r14
	push r13
	push r12
	push rbx
	push rbp
	push rdx                    ; [rsp+8] cr2 pointer
	push rdi                    ; [rsp]   gpr[]
	mov rax, [rdx]
	mov cr2, rax
	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp
	test esi, esi               ; flags survive the movs below
	mov rsi, rdi
	mov rax, [rsi + 8*0]
	mov rcx, [rsi + 8*1]
	mov rdx, [rsi + 8*2]
	mov rbx, [rsi + 8*3]
	mov rbp, [rsi + 8*5]
	mov rdi, [rsi + 8*7]
	mov r8,  [rsi + 8*8]
	mov r9,  [rsi + 8*9]
	mov r10, [rsi + 8*10]
	mov r11, [rsi + 8*11]
	mov r12, [rsi + 8*12]
	mov r13, [rsi + 8*13]
	mov r14, [rsi + 8*14]
	mov r15, [rsi + 8*15]
	mov rsi, [rsi + 8*6]
	jnz .resume
	vmlaunch
	jmp .failed
.resume:
	vmresume
.failed:
	; VMfailInvalid sets CF, VMfailValid ZF; mov/pop keep the flags.
	mov eax, 2
	mov ecx, 1
	cmovc eax, ecx
	pop rdi
	pop rdx
	pop rbp
	pop rbx
	pop r12
	pop r13
	pop r14
	pop r15
	ret

; Host RIP of every VM exit: RSP = HOST_RSP (the frame above), IF=0.
vmx_exit_stub:
	push rdi                    ; guest RDI; gpr[] is now at [rsp+8]
	mov rdi, [rsp + 8]
	mov [rdi + 8*0], rax
	mov [rdi + 8*1], rcx
	mov [rdi + 8*2], rdx
	mov [rdi + 8*3], rbx
	mov [rdi + 8*5], rbp
	mov [rdi + 8*6], rsi
	mov [rdi + 8*8], r8
	mov [rdi + 8*9], r9
	mov [rdi + 8*10], r10
	mov [rdi + 8*11], r11
	mov [rdi + 8*12], r12
	mov [rdi + 8*13], r13
	mov [rdi + 8*14], r14
	mov [rdi + 8*15], r15
	pop rax
	mov [rdi + 8*7], rax
	pop rdi                     ; gpr[]
	pop rdx                     ; cr2 pointer
	mov rax, cr2
	mov [rdx], rax
	xor eax, eax
	pop rbp
	pop rbx
	pop r12
	pop r13
	pop r14
	pop r15
	ret
