HOST_TESTS += test_cmdline
test_cmdline_SRCS := tests/host/test_cmdline.c hv/lib/cmdline.c hv/lib/format.c
