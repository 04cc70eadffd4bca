HOST_TESTS += test_lapic
test_lapic_SRCS := tests/host/test_lapic.c hv/dev/lapic.c
