HOST_TESTS += test_vmx_operand
test_vmx_operand_SRCS := tests/host/test_vmx_operand.c nested/vmx_operand.c
