HOST_BENCHES += bench_emulate
bench_emulate_SRCS := tests/host/bench_emulate.c hv/x86/decode.c hv/x86/alu.c hv/x86/emulate.c
