HOST_TESTS += test_vmcs12
test_vmcs12_SRCS := tests/host/test_vmcs12.c nested/vmcs12.c
