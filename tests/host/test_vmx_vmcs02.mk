HOST_TESTS += test_vmx_vmcs02
test_vmx_vmcs02_SRCS := tests/host/test_vmx_vmcs02.c nested/vmx_vmcs02.c nested/vmx_pfec.c nested/vmcs12.c
