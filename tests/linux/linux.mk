# The Linux workload (issue 12): Debian 12's own kernel package, a busybox
# initramfs with the KVM modules and /bin/kvmtest, all under build/linux/.
# `make linux` builds them; the linux integration case and `make run-linux`
# boot them under Nestor, `make run-linux-qemu` directly on QEMU.
LINUX_OUT := $(BUILD)/linux
LINUX_KERNEL := $(LINUX_OUT)/vmlinuz
LINUX_INITRD := $(LINUX_OUT)/initramfs.cpio.gz
LINUX_KVMTEST := $(LINUX_OUT)/kvmtest
# The kernel command line of the Linux VM: serial console, quiet (every
# console byte is an exit), no self-tests, fixed layout, no 8042 probing.
LINUX_CMDLINE := console=ttyS0 quiet reboot=t cryptomgr.notests nokaslr i8042.noaux i8042.nomux \
	i8042.nopnp i8042.dumbkbd

.PHONY: linux run-linux run-linux-qemu
linux: $(LINUX_KERNEL) $(LINUX_INITRD)

$(LINUX_KERNEL): tools/linux/fetch-kernel.sh
	tools/linux/fetch-kernel.sh $(LINUX_OUT)
	@touch $@

$(LINUX_KVMTEST): tests/linux/kvmtest.c
	@mkdir -p $(dir $@)
	$(HOST_CC) -static -O2 -Wall -Wextra -Werror -o $@ $<

$(LINUX_INITRD): $(LINUX_KERNEL) $(LINUX_KVMTEST) tests/linux/init tools/linux/mkinitramfs.sh
	tools/linux/mkinitramfs.sh $@ $(LINUX_OUT) tests/linux/init $(LINUX_KVMTEST) bin/kvmtest

# Nestor with one Linux VM of two vCPUs (nested=on), its console on this
# terminal with a shell (input=on: what you type reaches the VM's COM1);
# e.g. `modprobe kvm_amd nested=1; kvmtest`; `exit` powers the VM off,
# Ctrl-A X quits QEMU.
run-linux: all linux
	tools/mkiso.sh $(BUILD)/nestor-linux.iso $(BUILD)/nestor.elf "tsc=stable" \
		$(LINUX_INITRD) "name=rootfs kind=initrd" \
		$(LINUX_KERNEL) "name=linux kind=linux mem=256M vcpus=2 nested=on input=on initrd=rootfs -- vmlinuz $(LINUX_CMDLINE)"
	qemu-system-x86_64 -machine pc -accel tcg,thread=single -smp 2 -cpu max -m 512M -no-reboot \
		-display none -serial mon:stdio -cdrom $(BUILD)/nestor-linux.iso

# The same kernel and initramfs directly on QEMU (for comparison; here the
# shell of /init is interactive: QEMU's UART has input).
run-linux-qemu: linux
	qemu-system-x86_64 -machine pc -accel tcg,thread=single -smp 2 -cpu max -m 512M -no-reboot \
		-display none -serial mon:stdio -kernel $(LINUX_KERNEL) -initrd $(LINUX_INITRD) \
		-append "$(LINUX_CMDLINE)"
