HOST_TESTS += test_elf_load
test_elf_load_SRCS := tests/host/test_elf_load.c hv/elf_load.c hv/mb1_header.c hv/lib/format.c
