#ifndef C_PROCESS_CONTROL_H
#define C_PROCESS_CONTROL_H

#include <sys/types.h>

/// Asks the kernel to send `signal` to this process when its parent thread exits
/// (`prctl(PR_SET_PDEATHSIG)`). Returns 0, or -1 with errno set; -1 with ENOSYS where
/// the call does not exist.
int process_control_set_parent_death_signal(int signal);

/// Makes a pipe whose ends are close-on-exec from the start (`pipe2(O_CLOEXEC)`, atomic
/// against a spawn on another thread) and asks for a pipe buffer of `buffer_size` bytes
/// (`F_SETPIPE_SZ`; a refusal keeps the default). Returns 0, or -1 with errno set.
int process_control_pipe(int ends[2], int buffer_size);

/// Starts `path` with `argv` and `envp`, its standard input, output and error on the
/// given descriptors and no other descriptor open, all signals unblocked and at their
/// default action, in a process group of its own (a terminal's Ctrl-C reaches the
/// parent, which decides). Returns 0 and sets `*pid`, or an errno value.
int process_control_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                          int stdin_fd, int stdout_fd, int stderr_fd);

/// Whether process `pid`, a child of this process, has exited, without reaping it
/// (`waitid` with `WNOWAIT`). Returns 1 if it has, 0 if it runs, -1 with errno set.
int process_control_has_exited(pid_t pid);


/// Atomically exchanges the directory entries `from` and `to` (both must exist):
/// renameat2(RENAME_EXCHANGE). Returns 0, or -1 with errno (ENOSYS or EINVAL where the
/// kernel or the file system cannot).
int process_control_exchange_paths(const char *from, const char *to);
#endif
