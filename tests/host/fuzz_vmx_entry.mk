FUZZ_TARGETS += fuzz_vmx_entry
fuzz_vmx_entry_SRCS := tests/host/fuzz_vmx_entry.c nested/vmx_guest_checks.c nested/vmx_entry_checks.c nested/vmx_caps.c nested/vmcs12.c
