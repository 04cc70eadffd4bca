HOST_TESTS += test_format
test_format_SRCS := tests/host/test_format.c hv/lib/format.c
# The cases deliberately use flag combinations gcc warns about (e.g. "%+ d",
# "%-05d", "%08.5d") to check they behave as C specifies.
test_format_CFLAGS := -Wno-format -Wno-format-zero-length
