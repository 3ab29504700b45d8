/* The kernel's struct sigaction, for calling rt_sigaction(2) directly.
 *
 * glibc's sigaction() refuses its two internal signals (32 and 33) with
 * EINVAL, yet a caller may hand them to us ignored; only the raw syscall
 * can reset them.  This layout is the one of x86-64, arm64 and the other
 * generic-ABI architectures. */
#pragma once
#include <stdint.h>

struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask; /* one bit per signal: sizeof(mask) is rt_sigaction's sigsetsize */
};
