/*
 * op_runner.h - run one driver operation as a child process on the
 * qb_loop, with a timeout, without ever blocking the loop.
 *
 * The child gets its own process group, stdin from /dev/null, stdout and
 * stderr to pipes that the loop reads, no other fd, default signal
 * dispositions, an empty signal mask and a clean environment:
 * PATH=/usr/sbin:/usr/bin:/sbin:/bin plus the caller's "K=V" strings (a
 * "PATH=..." among them replaces the default; pass LC_ALL=C for output
 * that is parsed).
 *
 * The done callback runs exactly once per op_start() that returned 0,
 * unless the job is cancelled first, always from the loop (never from
 * inside op_start()), and only when the child has exited and both pipes
 * reached EOF.  A process that the child leaves behind holding the pipes
 * (a workload started in the background without redirecting its stdio)
 * delays the callback by at most OP_DRAIN_MS after the child exited;
 * then the pipes are closed under it.
 *
 * A normal exit does not touch the process group: a workload that an
 * agent started in the background may live on in it.  A timeout sends
 * SIGTERM to the whole group, then SIGKILL after min(5 s, timeout).  A
 * child that does not die even then (stuck in the kernel, state D) is
 * reported as timed out OP_ABANDON_MS after the SIGKILL and reaped later
 * in the background.
 *
 * Nobody else in the process may reap children with waitpid(-1, ...).
 * Single-threaded: call everything from the loop's thread, use one loop,
 * and let op_running() reach 0 (op_cancel() what is left, then run the
 * loop a little) before destroying it.
 */
#ifndef HANDOFF_OP_RUNNER_H
#define HANDOFF_OP_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <qb/qbloop.h>

#define OP_OUTPUT_CAP    65536u  /* bytes kept of stdout and of stderr each */
#define OP_DRAIN_MS      1000u   /* pipe EOF wait after the child exited */
#define OP_KILL_GRACE_MS 5000u   /* SIGTERM -> SIGKILL, at most; less if the timeout is shorter */
#define OP_ABANDON_MS    5000u   /* SIGKILL -> give up waiting and report */
#define OP_TRUNCATED_MARK "\n[truncated]\n"

struct op_result {
	const char *path;      /* argv[0] */
	int exit_status;       /* exit code when it exited normally, else -1 */
	int term_signal;       /* the signal that ended it, else 0 */
	bool timed_out;        /* we killed it (or gave up on it) at the timeout */
	int spawn_errno;       /* fork, exec or child setup failed: errno (then
	                        * exit_status is -1, so an exit 127 of the program
	                        * itself stays distinguishable), else 0 */
	uint32_t timeout_ms;   /* as given to op_start() */
	char *out;             /* stdout, always NUL-terminated (maybe ""); the first
	                        * OP_OUTPUT_CAP bytes, then OP_TRUNCATED_MARK if cut */
	size_t out_len;        /* bytes in out, the mark included; out may hold NULs */
	bool out_truncated;
	char *err;             /* stderr, the same way */
	size_t err_len;
	bool err_truncated;
	uint64_t elapsed_ms;   /* op_start() to the report */
};

/* R and everything it points to are valid only during the call. */
typedef void (*op_done_fn)(void *ctx, const struct op_result *r);

struct op_job;

/*
 * Start ARGV (argv[0] an absolute path, NULL-terminated) with the extra
 * environment ENV (NULL-terminated "K=V" strings, or NULL).  TIMEOUT_MS 0
 * means no timeout: a watcher that runs as long as handoffd does, and dies
 * with it (PR_SET_PDEATHSIG).  Neither array needs to outlive the call.
 * OUT (may be NULL) receives the handle for op_cancel(); it stays valid
 * until the callback returns or op_cancel() is called.
 * Returns 0, or -EINVAL (bad arguments) or -ENOMEM, and then no callback
 * comes.  A failing fork or exec is not an error here: it is reported to
 * the callback with spawn_errno set.
 */
int op_start(qb_loop_t *loop, const char *const argv[], const char *const env[],
	     uint32_t timeout_ms, op_done_fn done, void *ctx, struct op_job **out);

/*
 * The same for a function instead of a program: FN(ARG) runs in a forked
 * child (a copy of this process, so ARG and what it points to need only be
 * valid during this call), with the same process group, stdio pipes,
 * timeout and report; its return value (0-255) is the exit status, and
 * what it writes to fd 1 and 2 is the output.  For work that may block on
 * a filesystem (a hung DRBD) but needs no program.  The child must not use
 * qb_log or the loop.  LABEL stands for argv[0] in logs and in the result.
 */
typedef int (*op_fn)(void *arg);
int op_start_fn(qb_loop_t *loop, const char *label, op_fn fn, void *arg, uint32_t timeout_ms,
		op_done_fn done, void *ctx, struct op_job **out);

/*
 * A long-running child (drbdsetup events2): right after op_start(), send
 * its stdout to FN as it arrives, in pieces of any size, instead of
 * keeping it for the result (whose out is then "").  FN runs from the
 * loop and must not op_cancel() the job: defer that.
 */
typedef void (*op_sink_fn)(void *ctx, const char *data, size_t n);
void op_set_sink(struct op_job *job, op_sink_fn fn, void *ctx);

/* SIGKILL the process group and forget the job: no callback.  The child
 * is reaped in the background.  A no-op on NULL and from inside the
 * job's own callback. */
void op_cancel(struct op_job *job);

/* Jobs in flight: not yet reported, or cancelled and not yet reaped. */
size_t op_running(void);

/*
 * One line for logs and handoffctl: "exit 0", "exit 3: <last non-empty
 * stderr line>", "timed out after 30000 ms[: <line>]", "killed by
 * SIGSEGV[: <line>]", "cannot execute /x: No such file or directory".
 */
void op_result_describe(const struct op_result *r, char *buf, size_t len);

/* For tests: false makes new jobs detect the child's exit with the
 * SIGCHLD fallback instead of a pidfd (kernels before 5.3). */
void op_runner_use_pidfd(bool use);

#endif
