HOST_TESTS += test_x86_emulate
test_x86_emulate_SRCS := tests/host/test_x86_emulate.c hv/x86/decode.c hv/x86/alu.c hv/x86/emulate.c
# The ALU test runs ADD/SUB/... on the host CPU with pushf/popf in inline asm,
# which would clobber a red zone.
test_x86_emulate_CFLAGS := -mno-red-zone
