HOST_TESTS += test_madt
test_madt_SRCS := tests/host/test_madt.c hv/host/acpi_madt.c hv/lib/format.c
