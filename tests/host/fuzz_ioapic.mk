FUZZ_TARGETS += fuzz_ioapic
fuzz_ioapic_SRCS := tests/host/fuzz_ioapic.c hv/dev/ioapic.c
