FUZZ_TARGETS += fuzz_elf_load
fuzz_elf_load_SRCS := tests/host/fuzz_elf_load.c hv/load/elf_load.c hv/load/mb1_header.c hv/lib/format.c
