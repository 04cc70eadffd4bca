HOST_TESTS += test_vmx_caps
test_vmx_caps_SRCS := tests/host/test_vmx_caps.c nested/vmx_caps.c nested/vmcs12.c
