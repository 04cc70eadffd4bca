HOST_TESTS += test_fw_tables
test_fw_tables_SRCS := tests/host/test_fw_tables.c hv/load/fw_tables.c hv/lib/format.c
