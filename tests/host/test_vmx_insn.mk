HOST_TESTS += test_vmx_insn
test_vmx_insn_SRCS := tests/host/test_vmx_insn.c nested/vmx_insn.c nested/vmx_entry_checks.c nested/vmx_caps.c nested/vmcs12.c
