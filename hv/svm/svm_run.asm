; svm_run.asm - enter an SVM guest and come back (AMD APM Vol 2 15.5).
;
; void svm_vmrun(uint64_t vmcb_pa, uint64_t *gpr, uint64_t host_vmcb_pa)
;
; VMRUN swaps only RAX, RSP, RIP and the segment/control state in the VMCB;
; every other GPR is the caller's job, so guest values are loaded from
; gpr[] (indexed by x86 register number) before VMRUN and stored back after
; #VMEXIT. VMLOAD/VMSAVE move the guest's FS, GS, TR, LDTR and syscall MSRs;
; the host's copy (taken once per CPU with VMSAVE) is restored last.
; Called with IF=0 and GIF=1 (see svm_run in svm.c). IF becomes 1 only by
; the STI right before VMRUN: its interrupt shadow (APM Vol 2 15.21.5 /
; SDM 3A 6.8.3) keeps an interrupt from landing between them, so no host
; handler ever runs with the guest's GS base and TR that VMLOAD put in
; place (this_cpu() reads GS). After #VMEXIT, GIF=0 holds interrupts until
; the caller's STGI, by when the host's VMLOAD has run.

bits 64
section .text
global svm_vmrun

svm_vmrun:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdx                    ; [rsp+16] host VMCB
	push rsi                    ; [rsp+8]  gpr[]
	push rdi                    ; [rsp]    guest VMCB
	mov rax, rdi
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
	vmload
	sti
	vmrun
	vmsave
	; RAX is the host's again (the VMCB address); guest RAX is in the VMCB.
	mov rax, [rsp + 8]
	mov [rax + 8*1], rcx
	mov [rax + 8*2], rdx
	mov [rax + 8*3], rbx
	mov [rax + 8*5], rbp
	mov [rax + 8*6], rsi
	mov [rax + 8*7], rdi
	mov [rax + 8*8], r8
	mov [rax + 8*9], r9
	mov [rax + 8*10], r10
	mov [rax + 8*11], r11
	mov [rax + 8*12], r12
	mov [rax + 8*13], r13
	mov [rax + 8*14], r14
	mov [rax + 8*15], r15
	mov rax, [rsp + 16]
	vmload
	add rsp, 24
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
