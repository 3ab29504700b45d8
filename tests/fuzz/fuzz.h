/* What every jaula fuzz target checks besides "no crash, no leak, no UB"
 * (ASan, LSan and UBSan catch those): a failure comes with an error object,
 * success without one, and the message is one non-empty line, because the
 * CLI prints it as is and containerd's shim reads the log line by line. */
#ifndef JAULA_FUZZ_H
#define JAULA_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() with a line saying why: libFuzzer then saves the input. */
#define FUZZ_ASSERT(cond)                                                                \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "fuzz: %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                         \
		}                                                                        \
	} while (0)

static inline void fuzz_check_result(int r, struct jl_err **e)
{
	if (r < 0) {
		FUZZ_ASSERT(*e && (*e)->msg && *(*e)->msg);
		if (strchr((*e)->msg, '\n')) { /* shown on one line, for the report */
			fputs("fuzz: error of more than one line: ", stderr);
			for (const char *p = (*e)->msg; *p; p++)
				*p == '\n' ? fputs("\\n", stderr) : fputc(*p, stderr);
			fputc('\n', stderr);
		}
		FUZZ_ASSERT(!strchr((*e)->msg, '\n'));
	} else {
		FUZZ_ASSERT(!*e);
	}
	jl_err_free(e);
}

/* A private directory for parsers that read a file by name from a
 * directory fd (state.json, seccomp.bpf): made on first use, removed at exit
 * together with `files` (NULL-terminated), the names the target writes. */
int fuzz_tmp_dir(const char *const *files);
/* Replace dirfd/name with exactly these bytes. */
void fuzz_write_file(int dirfd, const char *name, const uint8_t *data, size_t size);

#endif
