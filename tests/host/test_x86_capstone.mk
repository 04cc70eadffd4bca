HOST_TESTS += test_x86_capstone
test_x86_capstone_SRCS := tests/host/test_x86_capstone.c hv/x86/decode.c
test_x86_capstone_LDLIBS := -lcapstone
