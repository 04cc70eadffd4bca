HOST_TESTS += test_vmx_reflect
test_vmx_reflect_SRCS := tests/host/test_vmx_reflect.c nested/vmx_reflect.c nested/vmx_pfec.c
