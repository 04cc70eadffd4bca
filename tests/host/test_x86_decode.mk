HOST_TESTS += test_x86_decode
test_x86_decode_SRCS := tests/host/test_x86_decode.c hv/x86/decode.c
