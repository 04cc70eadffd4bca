HOST_TESTS += test_vmx_exit_emul
test_vmx_exit_emul_SRCS := tests/host/test_vmx_exit_emul.c nested/vmx_exit_emul.c nested/vmcs12.c
