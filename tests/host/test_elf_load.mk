HOST_TESTS += test_elf_load
test_elf_load_SRCS := tests/host/test_elf_load.c hv/load/elf_load.c hv/load/mb1_header.c hv/lib/format.c
