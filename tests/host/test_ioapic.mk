HOST_TESTS += test_ioapic
test_ioapic_SRCS := tests/host/test_ioapic.c hv/dev/ioapic.c
