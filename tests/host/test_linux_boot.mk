HOST_TESTS += test_linux_boot
test_linux_boot_SRCS := tests/host/test_linux_boot.c hv/load/linux_boot.c hv/lib/format.c
