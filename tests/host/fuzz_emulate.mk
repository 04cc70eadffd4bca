FUZZ_TARGETS += fuzz_emulate
fuzz_emulate_SRCS := tests/host/fuzz_emulate.c hv/x86/decode.c hv/x86/alu.c hv/x86/emulate.c
