HOST_TESTS += test_vmx_ept12
test_vmx_ept12_SRCS := tests/host/test_vmx_ept12.c nested/vmx_ept12.c nested/vmx_entry_checks.c \
	nested/vmcs12.c mm/walk.c mm/guest_fmt.c ept/ept_fmt.c npt/npt_fmt.c
