FUZZ_TARGETS += fuzz_vmx_nested
fuzz_vmx_nested_SRCS := tests/host/fuzz_vmx_nested.c nested/vmx_vmcs02.c nested/vmx_exit_emul.c nested/vmx_pfec.c nested/vmcs12.c
