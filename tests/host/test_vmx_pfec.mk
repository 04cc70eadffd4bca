HOST_TESTS += test_vmx_pfec
test_vmx_pfec_SRCS := tests/host/test_vmx_pfec.c nested/vmx_pfec.c
