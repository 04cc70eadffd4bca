HOST_TESTS += test_cr
test_cr_SRCS := tests/host/test_cr.c hv/x86/cr.c
