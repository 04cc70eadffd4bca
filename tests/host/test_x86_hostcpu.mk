HOST_TESTS += test_x86_hostcpu
test_x86_hostcpu_SRCS := tests/host/test_x86_hostcpu.c hv/x86/decode.c hv/x86/alu.c hv/x86/emulate.c
# The trampoline pushes on the stack from inline asm.
test_x86_hostcpu_CFLAGS := -mno-red-zone
