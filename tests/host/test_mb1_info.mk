HOST_TESTS += test_mb1_info
test_mb1_info_SRCS := tests/host/test_mb1_info.c hv/load/mb1_info.c hv/lib/format.c
