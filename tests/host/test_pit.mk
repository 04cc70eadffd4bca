HOST_TESTS += test_pit
test_pit_SRCS := tests/host/test_pit.c hv/dev/pit.c
