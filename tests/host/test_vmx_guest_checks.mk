HOST_TESTS += test_vmx_guest_checks
test_vmx_guest_checks_SRCS := tests/host/test_vmx_guest_checks.c nested/vmx_guest_checks.c nested/vmx_entry_checks.c nested/vmx_caps.c nested/vmcs12.c
