#ifndef C_PROCESS_CONTROL_H
#define C_PROCESS_CONTROL_H

/// Asks the kernel to send `signal` to this process when its parent thread exits
/// (`prctl(PR_SET_PDEATHSIG)`). Returns 0, or -1 with errno set; -1 with ENOSYS where
/// the call does not exist.
int process_control_set_parent_death_signal(int signal);

#endif
