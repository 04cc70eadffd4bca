HOST_TESTS += test_quick_mov
test_quick_mov_SRCS := tests/host/test_quick_mov.c hv/x86/quick_mov.c hv/x86/decode.c
