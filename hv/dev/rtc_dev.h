/*
 * rtc_dev.h - the CMOS RTC as a device of a VM (hv/dev/rtc_dev.c).
 */
#ifndef NESTOR_DEV_RTC_DEV_H
#define NESTOR_DEV_RTC_DEV_H

#include <stdbool.h>
#include <stddef.h>

struct vm;
struct rtc_dev;

/* Register the RTC (ports 0x70-0x71, IRQ line 8) with vm. */
struct rtc_dev *rtc_create(struct vm *vm, char *err, size_t errlen);
/* Port 0x70 bit 7: NMIs masked (for the NMI sources to come). */
bool rtc_nmi_masked(const struct rtc_dev *d);

#endif
