/* The process object of config.json applied to the calling process: the
 * steps shared by a container's init and by `exec`. */
#ifndef JAULA_PROCESS_H
#define JAULA_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/error.h"
#include "runtime/spec.h"

struct jl_procfs;

/* rlimits, personality, scheduler, ioPriority. */
int jl_process_apply_attrs(const struct spec_process *p, const struct spec_personality *pers,
			   struct jl_err **err);

/* oomScoreAdj of process `who` ("self" or a pid) through procfs handle h:
 * never through a /proc the container's mounts could shadow. */
int jl_process_set_oom_score_adj(struct jl_procfs *h, const char *who, int v,
				 struct jl_err **err);

/* Bounding set, supplementary groups, gid, uid, then the capability sets.
 * setgroups is skipped when the user namespace forbids it. */
int jl_process_set_user(const struct spec_process *p, bool userns, struct jl_err **err);

/* Find args[0] the way execvp would, but with the container's PATH (from
 * envp) and inside the container's root.  *out is malloc'ed. */
int jl_process_find_exe(const struct spec_process *p, char *const *envp, char **out,
			struct jl_err **err);

/* NULL-terminated argv and environment for execve (arrays malloc'ed, the
 * strings still the spec's). */
char **jl_process_argv(const struct spec_process *p);
char **jl_process_envp(const struct spec_process *p);
/* envp with HOME added when it has none: uid's home in the /etc/passwd of
 * the root we are in, else "/".  May reallocate envp. */
char **jl_process_add_home(char **envp, uid_t uid);

/* Close every fd above 2 now, except fds 3..3+n-1 that were open when the
 * runtime started (--preserve-fds) and the `keep` ones (close-on-exec). */
void jl_process_close_fds(int n_preserved, const uint8_t *was_open, const int *keep,
			  size_t n_keep);
/* Let the preserved fds survive execve. */
int jl_process_prepare_fds(int n_preserved, const uint8_t *was_open, struct jl_err **err);

/* chdir to process.cwd; fails unless it is inside the process's root. */
int jl_process_enter_cwd(const struct spec_process *p, struct jl_err **err);

/* Wipe the runtime's environment from this process's memory. */
void jl_process_forget_environ(void);

/* Undo what the runtime changed for itself (SIGPIPE ignored, signal mask)
 * so the container's program starts with the defaults. */
/* The signals this process ignores (bit N-1 for signal N), from
 * /proc/self/status; every one when that cannot be read. */
uint64_t jl_process_ignored_signals(void);
/* Back to SIG_DFL: the signals of `ignored` (exec keeps SIG_IGN, and only
 * that), and an empty mask. */
void jl_process_reset_signals(uint64_t ignored);

#endif
