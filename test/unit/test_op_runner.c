/* op_runner: child processes on a real qb_loop, with timeouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <qb/qblog.h>
#include <qb/qbloop.h>
#include <qb/qbutil.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plugin/agent_codes.h"
#include "plugin/op_runner.h"

static qb_loop_t *loop;

/* ---- running the loop until something holds ------------------------------ */

static bool (*until_cond)(void);
static bool until_timer_armed;
static qb_loop_timer_handle until_timer;
static uint64_t until_deadline;
static bool until_met;

static uint64_t now_ms(void)
{
	return qb_util_nano_current_get() / QB_TIME_NS_IN_MSEC;
}

static void until_check(void *data)
{
	(void)data;
	until_timer_armed = false;
	if (until_cond()) {
		until_met = true;
		qb_loop_stop(loop);
		return;
	}
	if (now_ms() >= until_deadline) {
		qb_loop_stop(loop);
		return;
	}
	if (qb_loop_timer_add(loop, QB_LOOP_LOW, 5 * QB_TIME_NS_IN_MSEC, NULL, until_check,
			      &until_timer) == 0)
		until_timer_armed = true;
}

/* Runs the loop until COND holds or MS pass; returns whether it held. */
static bool run_until(bool (*cond)(void), unsigned ms)
{
	if (cond())
		return true;
	until_cond = cond;
	until_met = false;
	until_deadline = now_ms() + ms;
	assert_int_equal(qb_loop_timer_add(loop, QB_LOOP_LOW, 5 * QB_TIME_NS_IN_MSEC, NULL,
					   until_check, &until_timer), 0);
	until_timer_armed = true;
	qb_loop_run(loop);
	if (until_timer_armed) {
		qb_loop_timer_del(loop, until_timer);
		until_timer_armed = false;
	}
	return until_met || cond();
}

static bool idle(void)
{
	return op_running() == 0;
}

/* ---- collecting results ---------------------------------------------------- */

struct outcome {
	int calls;
	struct op_result r;     /* deep copy of the first call */
	uint64_t at_ms;
};

static size_t outstanding;

static void on_done(void *ctx, const struct op_result *r)
{
	struct outcome *o = ctx;

	if (o->calls++ == 0) {
		o->r = *r;
		o->r.path = strdup(r->path);
		o->r.out = malloc(r->out_len + 1);
		memcpy(o->r.out, r->out, r->out_len + 1);
		o->r.err = malloc(r->err_len + 1);
		memcpy(o->r.err, r->err, r->err_len + 1);
		o->at_ms = now_ms();
	}
	outstanding--;
}

static void outcome_free(struct outcome *o)
{
	if (o->calls) {
		free((char *)o->r.path);
		free(o->r.out);
		free(o->r.err);
	}
	memset(o, 0, sizeof(*o));
}

static bool all_done(void)
{
	return outstanding == 0 && op_running() == 0;
}

static bool all_done_but_one(void)
{
	return outstanding == 1 && op_running() == 1;
}

static void start_sh(const char *script, uint32_t timeout_ms, struct outcome *o,
		     struct op_job **job)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };

	memset(o, 0, sizeof(*o));
	assert_int_equal(op_start(loop, argv, NULL, timeout_ms, on_done, o, job), 0);
	outstanding++;
}

static void run_sh(const char *script, uint32_t timeout_ms, struct outcome *o)
{
	start_sh(script, timeout_ms, o, NULL);
	assert_true(run_until(all_done, 10000));
	assert_int_equal(o->calls, 1);
}

static char *describe(const struct op_result *r)
{
	static char buf[512];
	op_result_describe(r, buf, sizeof(buf));
	return buf;
}

/* Gone, or a zombie waiting for whoever adopted it. */
static bool pid_dead(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p || !(p = strrchr(buf, ')')))
		return true;
	return p[2] == 'Z' || p[2] == 'X';
}

static pid_t watched_pid;
static bool watched_dead(void)
{
	return pid_dead(watched_pid);
}

static bool wait_dead(pid_t pid, unsigned ms)
{
	watched_pid = pid;
	return run_until(watched_dead, ms);
}

static size_t count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;   /* not d's own */
}

/* ---- log capture ----------------------------------------------------------- */

static char logbuf[16384];
static size_t loglen;

static void capture_log(int32_t t, struct qb_log_callsite *cs, struct timespec *ts,
			const char *msg)
{
	(void)t; (void)ts;
	loglen += (size_t)snprintf(logbuf + loglen, sizeof(logbuf) - loglen, "%d %s\n",
				   cs->priority, msg);
	if (loglen >= sizeof(logbuf))
		loglen = sizeof(logbuf) - 1;
}

/* ---- fixtures -------------------------------------------------------------- */

static size_t fds_before;

static int setup(void **state)
{
	(void)state;
	loop = qb_loop_create();
	outstanding = 0;
	loglen = 0;
	logbuf[0] = '\0';
	fds_before = count_fds();
	return loop ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	op_runner_use_pidfd(true);
	qb_loop_destroy(loop);
	loop = NULL;
	return 0;
}

/* Every test ends with nothing in flight, no child left, no fd leaked. */
static void assert_clean(void)
{
	assert_true(run_until(idle, 3000));
	assert_int_equal(op_running(), 0);
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(count_fds(), fds_before);
}

/* ---- tests ----------------------------------------------------------------- */

static void exit_codes(void **state)
{
	struct outcome a, b, c;

	(void)state;
	start_sh("exit 0", 5000, &a, NULL);
	start_sh("exit 3", 5000, &b, NULL);
	start_sh("exit 255", 5000, &c, NULL);
	assert_int_equal(op_running(), 3);
	assert_int_equal(a.calls + b.calls + c.calls, 0);   /* never from op_start() */
	assert_true(run_until(all_done, 5000));
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.r.exit_status, 0);
	assert_int_equal(a.r.term_signal, 0);
	assert_false(a.r.timed_out);
	assert_int_equal(a.r.spawn_errno, 0);
	assert_string_equal(describe(&a.r), "exit 0");
	assert_int_equal(b.r.exit_status, 3);
	assert_string_equal(describe(&b.r), "exit 3");
	assert_int_equal(c.r.exit_status, 255);
	assert_string_equal(a.r.path, "/bin/sh");
	assert_true(a.r.elapsed_ms < 3000);
	outcome_free(&a); outcome_free(&b); outcome_free(&c);
	assert_clean();
}

static void stdout_and_stderr(void **state)
{
	struct outcome o;

	(void)state;
	run_sh("printf 'hello\\nworld\\n'; echo oops >&2; printf 'last words\\n\\n' >&2; exit 2",
	       5000, &o);
	assert_string_equal(o.r.out, "hello\nworld\n");
	assert_int_equal(o.r.out_len, 12);
	assert_false(o.r.out_truncated);
	assert_string_equal(o.r.err, "oops\nlast words\n\n");
	assert_int_equal(o.r.exit_status, 2);
	assert_string_equal(describe(&o.r), "exit 2: last words");
	outcome_free(&o);

	run_sh("true", 5000, &o);
	assert_non_null(o.r.out);
	assert_string_equal(o.r.out, "");
	assert_int_equal(o.r.out_len, 0);
	assert_int_equal(o.r.err_len, 0);
	outcome_free(&o);
	assert_clean();
}

static void clean_environment(void **state)
{
	const char *argv[] = { "/usr/bin/env", NULL };
	const char *env[] = { "HANDOFF_RESOURCE=web", "HANDOFF_OPT_LOG_FILE=/a b", NULL };
	const char *env_path[] = { "PATH=/opt/x", NULL };
	const char *bad[] = { "NOEQUALS", NULL };
	struct outcome o, p;

	(void)state;
	setenv("OP_RUNNER_LEAK", "1", 1);
	memset(&o, 0, sizeof(o));
	assert_int_equal(op_start(loop, argv, env, 5000, on_done, &o, NULL), 0);
	outstanding++;
	memset(&p, 0, sizeof(p));
	assert_int_equal(op_start(loop, argv, env_path, 5000, on_done, &p, NULL), 0);
	outstanding++;
	assert_true(run_until(all_done, 5000));
	unsetenv("OP_RUNNER_LEAK");
	assert_int_equal(o.r.exit_status, 0);
	assert_string_equal(o.r.out, "HANDOFF_RESOURCE=web\nHANDOFF_OPT_LOG_FILE=/a b\n"
			    "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n");
	assert_string_equal(p.r.out, "PATH=/opt/x\n");
	outcome_free(&o);
	outcome_free(&p);

	/* arguments op_start() refuses, with no callback */
	{
		const char *rel[] = { "bin/true", NULL };
		const char *none[] = { NULL };
		struct outcome q;
		memset(&q, 0, sizeof(q));
		assert_int_equal(op_start(loop, rel, NULL, 0, on_done, &q, NULL), -EINVAL);
		assert_int_equal(op_start(loop, none, NULL, 0, on_done, &q, NULL), -EINVAL);
		assert_int_equal(op_start(loop, NULL, NULL, 0, on_done, &q, NULL), -EINVAL);
		assert_int_equal(op_start(loop, argv, bad, 0, on_done, &q, NULL), -EINVAL);
		assert_int_equal(op_start(loop, argv, NULL, 0, NULL, &q, NULL), -EINVAL);
		assert_int_equal(op_start(NULL, argv, NULL, 0, on_done, &q, NULL), -EINVAL);
		assert_int_equal(op_running(), 0);
		assert_int_equal(q.calls, 0);
	}
	assert_clean();
}

/* stdin /dev/null, no inherited fd, own process group, no ignored or
 * blocked signal, whatever the parent had. */
static void child_setup(void **state)
{
	struct outcome o;
	sigset_t usr2, old;
	int leak;

	(void)state;
	leak = dup(1);          /* not close-on-exec */
	assert_true(leak > 2);
	signal(SIGUSR1, SIG_IGN);
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, &old);
	run_sh("echo stdin=$(readlink /proc/$$/fd/0); "
	       "ls /proc/$$/fd; "
	       "read pid comm state ppid pgrp rest </proc/$$/stat; "
	       "[ \"$pid\" = \"$pgrp\" ] && echo leader; "
	       "exec grep -E '^Sig(Blk|Ign):' /proc/self/status", 5000, &o);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGUSR1, SIG_DFL);
	close(leak);
	assert_string_equal(o.r.out, "stdin=/dev/null\n0\n1\n2\nleader\n"
			    "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
	outcome_free(&o);
	assert_clean();
}

static void output_cap(void **state)
{
	struct outcome big, exact, one_more;
	size_t mark = strlen(OP_TRUNCATED_MARK);

	(void)state;
	start_sh("head -c 300000 /dev/zero | tr '\\0' a; "
		 "head -c 100000 /dev/zero | tr '\\0' b >&2; echo 'the end' >&2; exit 1",
		 10000, &big, NULL);
	start_sh("head -c 65536 /dev/zero | tr '\\0' c", 10000, &exact, NULL);
	start_sh("head -c 65537 /dev/zero | tr '\\0' d", 10000, &one_more, NULL);
	assert_true(run_until(all_done, 10000));

	assert_int_equal(big.r.exit_status, 1);     /* never blocked on a full pipe */
	assert_true(big.r.out_truncated);
	assert_int_equal(big.r.out_len, OP_OUTPUT_CAP + mark);
	assert_int_equal(strlen(big.r.out), big.r.out_len);
	assert_int_equal(big.r.out[0], 'a');
	assert_int_equal(big.r.out[OP_OUTPUT_CAP - 1], 'a');
	assert_string_equal(big.r.out + OP_OUTPUT_CAP, OP_TRUNCATED_MARK);
	assert_true(big.r.err_truncated);
	assert_int_equal(big.r.err_len, OP_OUTPUT_CAP + mark);
	assert_string_equal(big.r.err + OP_OUTPUT_CAP, OP_TRUNCATED_MARK);
	/* the last line kept, not the mark */
	assert_int_equal(strncmp(describe(&big.r), "exit 1: bbbb", 12), 0);

	assert_false(exact.r.out_truncated);
	assert_int_equal(exact.r.out_len, OP_OUTPUT_CAP);
	assert_int_equal(exact.r.out[OP_OUTPUT_CAP], '\0');
	assert_true(one_more.r.out_truncated);
	assert_int_equal(one_more.r.out_len, OP_OUTPUT_CAP + mark);
	outcome_free(&big); outcome_free(&exact); outcome_free(&one_more);
	assert_clean();
}

static void timeout_kills_group(void **state)
{
	struct outcome o;
	pid_t grandchild;

	(void)state;
	run_sh("sleep 30 & echo $!; echo going to sleep >&2; sleep 30", 300, &o);
	assert_true(o.r.timed_out);
	assert_int_equal(o.r.term_signal, SIGTERM);
	assert_int_equal(o.r.exit_status, -1);
	assert_true(o.r.elapsed_ms >= 290 && o.r.elapsed_ms < 2000);
	assert_string_equal(describe(&o.r), "timed out after 300 ms: going to sleep");
	grandchild = (pid_t)atoi(o.r.out);
	assert_true(grandchild > 1);
	assert_true(wait_dead(grandchild, 1000));
	outcome_free(&o);
	assert_clean();
}

/* SIGTERM ignored by the child and its grandchild: SIGKILL after
 * min(5 s, timeout) gets both. */
static void timeout_escalates(void **state)
{
	struct outcome o;
	pid_t grandchild;

	(void)state;
	run_sh("trap '' TERM; sleep 30 & echo $!; sleep 30", 200, &o);
	assert_true(o.r.timed_out);
	assert_int_equal(o.r.term_signal, SIGKILL);
	assert_true(o.r.elapsed_ms >= 390 && o.r.elapsed_ms < 2000);
	assert_string_equal(describe(&o.r), "timed out after 200 ms");
	grandchild = (pid_t)atoi(o.r.out);
	assert_true(grandchild > 1);
	assert_true(wait_dead(grandchild, 1000));
	outcome_free(&o);
	assert_clean();
}

static void spawn_failure(void **state)
{
	const char *missing[] = { "/nonexistent/handoff-op", "start", NULL };
	const char *not_exec[] = { "/etc/passwd", NULL };
	struct outcome a, b, c;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(op_start(loop, missing, NULL, 5000, on_done, &a, NULL), 0);
	outstanding++;
	assert_int_equal(op_start(loop, not_exec, NULL, 5000, on_done, &b, NULL), 0);
	outstanding++;
	start_sh("exit 127", 5000, &c, NULL);   /* the program's own 127 */
	assert_int_equal(a.calls, 0);
	assert_true(run_until(all_done, 5000));
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.r.spawn_errno, ENOENT);
	assert_int_equal(a.r.exit_status, -1);
	assert_string_equal(describe(&a.r),
			    "cannot execute /nonexistent/handoff-op: No such file or directory");
	assert_int_equal(b.r.spawn_errno, EACCES);
	assert_string_equal(describe(&b.r), "cannot execute /etc/passwd: Permission denied");
	assert_int_equal(c.r.spawn_errno, 0);
	assert_int_equal(c.r.exit_status, 127);
	outcome_free(&a); outcome_free(&b); outcome_free(&c);
	assert_clean();
}

/* No fd left for the pipes: no child at all, still reported from the loop. */
static void no_fds(void **state)
{
	struct outcome o;
	struct rlimit old, low;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	{
		/* the limit is on fd numbers: leave the three lowest free ones,
		 * room for one pipe, not for two */
		int f[3];
		for (int i = 0; i < 3; i++)
			f[i] = dup(0);
		low.rlim_cur = (rlim_t)f[2] + 1;
		for (int i = 0; i < 3; i++)
			close(f[i]);
	}
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	{
		/* valgrind keeps its own fd limit: then there is nothing to see */
		int p[2], q[2];
		bool works = pipe(p) == 0 && pipe(q) < 0 && errno == EMFILE;
		close(p[0]);
		close(p[1]);
		if (!works) {
			close(q[0]);
			close(q[1]);
			assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
			skip();
		}
	}
	start_sh("exit 0", 5000, &o, NULL);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(o.calls, 0);
	assert_true(run_until(all_done, 5000));
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.r.spawn_errno, EMFILE);
	assert_int_equal(o.r.exit_status, -1);
	assert_string_equal(describe(&o.r), "cannot execute /bin/sh: Too many open files");
	outcome_free(&o);
	assert_clean();
}

/* An agent that leaves a process holding its stdout: the op ends about
 * OP_DRAIN_MS after the agent exited, and the process is left alone. */
static void background_holder(void **state)
{
	struct outcome held, redirected;
	pid_t bg1, bg2;

	(void)state;
	start_sh("sleep 5 & echo $!; echo started", 10000, &held, NULL);
	start_sh("sleep 5 >/dev/null 2>&1 & echo $!", 10000, &redirected, NULL);
	assert_true(run_until(all_done, 5000));
	bg1 = (pid_t)atoi(held.r.out);
	bg2 = (pid_t)atoi(redirected.r.out);
	assert_true(bg1 > 1 && bg2 > 1);
	assert_int_equal(held.r.exit_status, 0);
	assert_non_null(strstr(held.r.out, "\nstarted\n"));
	assert_true(held.r.elapsed_ms >= OP_DRAIN_MS - 10);
	assert_true(held.r.elapsed_ms < OP_DRAIN_MS + 1500);
	assert_true(redirected.r.elapsed_ms < 500);
	/* a normal exit does not touch the process group */
	assert_false(pid_dead(bg1));
	assert_false(pid_dead(bg2));
	kill(bg1, SIGKILL);
	kill(bg2, SIGKILL);
	outcome_free(&held);
	outcome_free(&redirected);
	assert_clean();
}

static void killed_by_signal(void **state)
{
	struct outcome segv, killed, term;

	(void)state;
	start_sh("ulimit -c 0; echo dying >&2; kill -SEGV $$", 5000, &segv, NULL);
	start_sh("kill -KILL $$", 5000, &killed, NULL);
	start_sh("kill -TERM $$", 5000, &term, NULL);
	assert_true(run_until(all_done, 5000));
	assert_int_equal(segv.r.term_signal, SIGSEGV);
	assert_int_equal(segv.r.exit_status, -1);
	assert_false(segv.r.timed_out);
	assert_string_equal(describe(&segv.r), "killed by SIGSEGV: dying");
	assert_int_equal(killed.r.term_signal, SIGKILL);
	assert_string_equal(describe(&killed.r), "killed by SIGKILL");
	assert_string_equal(describe(&term.r), "killed by SIGTERM");
	outcome_free(&segv); outcome_free(&killed); outcome_free(&term);
	assert_clean();
}

#define MANY 50

static void many_concurrent(void **state)
{
	const char *argv[] = { "/bin/true", NULL };
	const char *argv_false[] = { "/bin/false", NULL };
	static struct outcome o[MANY];

	(void)state;
	for (int i = 0; i < MANY; i++) {
		memset(&o[i], 0, sizeof(o[i]));
		assert_int_equal(op_start(loop, i % 5 ? argv : argv_false, NULL, 10000, on_done,
					  &o[i], NULL), 0);
		outstanding++;
	}
	assert_int_equal(op_running(), MANY);
	assert_true(run_until(all_done, 10000));
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(o[i].calls, 1);
		assert_int_equal(o[i].r.exit_status, i % 5 ? 0 : 1);
		outcome_free(&o[i]);
	}
	assert_clean();
}

static char pidfile[64];
static bool pidfile_written(void)
{
	struct stat st;
	return stat(pidfile, &st) == 0 && st.st_size > 0;
}

static void cancel(void **state)
{
	struct outcome o, early;
	struct op_job *job = NULL, *early_job = NULL;
	char script[256];
	pid_t grandchild;
	FILE *f;

	(void)state;
	snprintf(pidfile, sizeof(pidfile), "/tmp/test_op_runner.%d", (int)getpid());
	unlink(pidfile);
	snprintf(script, sizeof(script), "sleep 30 & echo $! >%s.tmp; mv %s.tmp %s; sleep 30",
		 pidfile, pidfile, pidfile);
	start_sh(script, 0, &o, &job);
	assert_non_null(job);
	assert_true(run_until(pidfile_written, 5000));
	f = fopen(pidfile, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &grandchild), 1);
	fclose(f);
	unlink(pidfile);

	op_cancel(job);
	outstanding--;  /* it will never call */
	start_sh("sleep 30", 0, &early, &early_job);
	op_cancel(early_job);   /* before the child even ran */
	outstanding--;
	op_cancel(NULL);
	assert_true(run_until(idle, 2000));
	assert_int_equal(o.calls, 0);
	assert_int_equal(early.calls, 0);
	assert_true(wait_dead(grandchild, 1000));
	assert_clean();
}

/* Starting the next op from a callback, and cancelling oneself there. */
static struct op_job *chain_job;
static int chain_left;
static int chain_calls;

static void on_chain(void *ctx, const struct op_result *r)
{
	const char *argv[] = { "/bin/sh", "-c", "exit 4", NULL };

	(void)ctx;
	assert_int_equal(r->exit_status, 4);
	chain_calls++;
	op_cancel(chain_job);   /* a no-op from its own callback */
	chain_job = NULL;
	if (--chain_left > 0)
		assert_int_equal(op_start(loop, argv, NULL, 5000, on_chain, NULL, &chain_job), 0);
}

static bool chain_done(void)
{
	return chain_left == 0 && op_running() == 0;
}

static void callback_reentry(void **state)
{
	const char *argv[] = { "/bin/sh", "-c", "exit 4", NULL };

	(void)state;
	chain_left = 3;
	chain_calls = 0;
	assert_int_equal(op_start(loop, argv, NULL, 5000, on_chain, NULL, &chain_job), 0);
	assert_true(run_until(chain_done, 5000));
	assert_int_equal(chain_calls, 3);
	assert_clean();
}

/* Kernels without pidfd_open: exits seen through SIGCHLD on the loop. */
static void sigchld_fallback(void **state)
{
	static struct outcome o[20];
	struct outcome t, c;
	struct op_job *job;
	struct sigaction sa;

	(void)state;
	op_runner_use_pidfd(false);
	for (int i = 0; i < 20; i++)
		start_sh(i % 2 ? "exit 5" : "echo hi", 5000, &o[i], NULL);
	start_sh("sleep 30", 200, &t, NULL);
	start_sh("sleep 30", 0, &c, &job);
	sigaction(SIGCHLD, NULL, &sa);
	assert_true(sa.sa_handler != SIG_DFL);    /* the loop's handler */
	op_cancel(job);
	outstanding--;
	assert_true(run_until(all_done, 5000));
	for (int i = 0; i < 20; i++) {
		assert_int_equal(o[i].calls, 1);
		assert_int_equal(o[i].r.exit_status, i % 2 ? 5 : 0);
		if (!(i % 2))
			assert_string_equal(o[i].r.out, "hi\n");
		outcome_free(&o[i]);
	}
	assert_true(t.r.timed_out);
	assert_true(t.r.elapsed_ms < 2000);
	assert_int_equal(c.calls, 0);
	outcome_free(&t);
	assert_clean();
	/* given back when the last job is gone */
	sigaction(SIGCHLD, NULL, &sa);
	assert_true(sa.sa_handler == SIG_DFL);
}

/* With the SIGCHLD fallback taken by one loop, a job on another loop
 * checks its child's exit on a timer. */
static void second_loop_polls(void **state)
{
	struct outcome a, b;
	qb_loop_t *first = loop, *second = qb_loop_create();

	(void)state;
	assert_non_null(second);
	fds_before = count_fds();
	op_runner_use_pidfd(false);
	start_sh("exit 6", 5000, &a, NULL);     /* takes SIGCHLD on the first loop */
	loop = second;
	start_sh("sleep 0.3; echo polled; exit 7", 5000, &b, NULL);
	assert_true(run_until(all_done_but_one, 5000));
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.r.exit_status, 7);
	assert_string_equal(b.r.out, "polled\n");
	loop = first;
	assert_true(run_until(all_done, 5000));
	assert_int_equal(a.r.exit_status, 6);
	outcome_free(&a);
	outcome_free(&b);
	assert_clean();
	/* last: libqb closes its one signal pipe with any loop */
	qb_loop_destroy(second);
}

static void logging(void **state)
{
	struct outcome o;
	char want[128];

	(void)state;
	run_sh("echo first problem >&2; echo second problem >&2; exit 1", 5000, &o);
	snprintf(want, sizeof(want), "%d /bin/sh: second problem\n", LOG_WARNING);
	assert_non_null(strstr(logbuf, want));
	snprintf(want, sizeof(want), "%d /bin/sh: first problem\n", LOG_WARNING);
	assert_non_null(strstr(logbuf, want));
	snprintf(want, sizeof(want), "%d op /bin/sh: exit 1: second problem after ", LOG_DEBUG);
	assert_non_null(strstr(logbuf, want));
	outcome_free(&o);

	/* success: no warning for whatever it said on stderr */
	loglen = 0;
	logbuf[0] = '\0';
	run_sh("echo chatter >&2", 5000, &o);
	assert_null(strstr(logbuf, "/bin/sh: chatter"));
	outcome_free(&o);
	assert_clean();
}

static void descriptions(void **state)
{
	struct op_result r;
	char small[8], err[128];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.path = "/usr/lib/handoff/agent";
	r.out = (char *)"";
	r.err = (char *)"";
	r.exit_status = 0;
	assert_string_equal(describe(&r), "exit 0");

	snprintf(err, sizeof(err), "first\n\n  the reason \t\n\n");
	r.err = err;
	r.err_len = strlen(err);
	r.exit_status = 3;
	assert_string_equal(describe(&r), "exit 3: the reason");

	snprintf(err, sizeof(err), "no newline at the end");
	r.err_len = strlen(err);
	assert_string_equal(describe(&r), "exit 3: no newline at the end");

	snprintf(err, sizeof(err), "tab\there\x1b[31m red");
	r.err_len = strlen(err);
	assert_string_equal(describe(&r), "exit 3: tab?here?[31m red");

	snprintf(err, sizeof(err), "partial line%s", OP_TRUNCATED_MARK);
	r.err_len = strlen(err);
	r.err_truncated = true;
	assert_string_equal(describe(&r), "exit 3: partial line");
	r.err_truncated = false;

	r.err = (char *)"";
	r.err_len = 0;
	r.exit_status = -1;
	r.timed_out = true;
	r.timeout_ms = 30000;
	r.term_signal = SIGTERM;
	assert_string_equal(describe(&r), "timed out after 30000 ms");

	r.timed_out = false;
	r.term_signal = SIGSEGV;
	assert_string_equal(describe(&r), "killed by SIGSEGV");
	r.term_signal = 200;
	assert_string_equal(describe(&r), "killed by signal 200");

	r.term_signal = 0;
	r.spawn_errno = ENOENT;
	assert_string_equal(describe(&r),
			    "cannot execute /usr/lib/handoff/agent: No such file or directory");

	op_result_describe(&r, small, sizeof(small));
	assert_string_equal(small, "cannot ");
}

/* The numbers are the contract with agents (doc/exec-agent.md). */
/* op_start_fn: a function in a forked child, reported like a program */
static int fn_counter = 5;
static int fn_says(void *arg)
{
	const char *what = arg;
	if (!strcmp(what, "sleep"))
		pause();
	fn_counter++;           /* the child's copy: the parent's stays 5 */
	dprintf(1, "counter %d\n", fn_counter);
	dprintf(2, "fn says %s\n", what);
	return !strcmp(what, "no") ? 3 : 0;
}

static void function_child(void **state)
{
	struct outcome o;
	char arg[8] = "no";

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(op_start_fn(loop, "dump check", fn_says, arg, 5000, on_done, &o, NULL), 0);
	outstanding++;
	snprintf(arg, sizeof(arg), "changed");  /* the child has its copy already */
	assert_true(run_until(all_done, 10000));
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.r.exit_status, 3);
	assert_string_equal(o.r.out, "counter 6\n");
	assert_string_equal(describe(&o.r), "exit 3: fn says no");
	assert_string_equal(o.r.path, "dump check");
	assert_int_equal(fn_counter, 5);
	outcome_free(&o);
	/* a function that hangs (as on a hung DRBD) times out like a program */
	snprintf(arg, sizeof(arg), "sleep");
	assert_int_equal(op_start_fn(loop, "dump check", fn_says, arg, 300, on_done, &o, NULL), 0);
	outstanding++;
	assert_true(run_until(all_done, 10000));
	assert_true(o.r.timed_out);
	assert_string_equal(describe(&o.r), "timed out after 300 ms");
	outcome_free(&o);
	assert_int_equal(op_start_fn(loop, "x", NULL, arg, 300, on_done, &o, NULL), -EINVAL);
	assert_clean();
}

static void agent_codes(void **state)
{
	(void)state;
	assert_int_equal(AGENT_OK, 0);
	assert_int_equal(AGENT_ERR_GENERIC, 1);
	assert_int_equal(AGENT_ERR_ARGS, 2);
	assert_int_equal(AGENT_ERR_UNIMPLEMENTED, 3);
	assert_int_equal(AGENT_ERR_PERM, 4);
	assert_int_equal(AGENT_ERR_INSTALLED, 5);
	assert_int_equal(AGENT_ERR_CONFIGURED, 6);
	assert_int_equal(AGENT_NOT_RUNNING, 7);
	assert_string_equal(agent_exit_str(0), "ok");
	assert_string_equal(agent_exit_str(3), "unimplemented");
	assert_string_equal(agent_exit_str(6), "not configured");
	assert_string_equal(agent_exit_str(7), "not running");
	assert_string_equal(agent_exit_str(8), "reserved");
	assert_string_equal(agent_exit_str(-1), "unknown exit code");
	assert_string_equal(agent_exit_str(127), "unknown exit code");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(descriptions),
		cmocka_unit_test(agent_codes),
		cmocka_unit_test_setup_teardown(exit_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(stdout_and_stderr, setup, teardown),
		cmocka_unit_test_setup_teardown(clean_environment, setup, teardown),
		cmocka_unit_test_setup_teardown(child_setup, setup, teardown),
		cmocka_unit_test_setup_teardown(output_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(timeout_kills_group, setup, teardown),
		cmocka_unit_test_setup_teardown(timeout_escalates, setup, teardown),
		cmocka_unit_test_setup_teardown(spawn_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(no_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(background_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(killed_by_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(many_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(callback_reentry, setup, teardown),
		cmocka_unit_test_setup_teardown(sigchld_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(second_loop_polls, setup, teardown),
		cmocka_unit_test_setup_teardown(logging, setup, teardown),
		cmocka_unit_test_setup_teardown(function_child, setup, teardown),
	};
	int32_t t;

	qb_log_init("test_op_runner", LOG_USER, LOG_DEBUG);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_FALSE);
	t = qb_log_custom_open(capture_log, NULL, NULL, NULL);
	qb_log_filter_ctl(t, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_DEBUG);
	qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_TRUE);
	if (getenv("OP_RUNNER_TEST_LOG")) {
		qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*",
				  LOG_DEBUG);
		qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
	}
	int rc = cmocka_run_group_tests_name("op_runner", tests, NULL, NULL);
	qb_log_fini();
	return rc;
}
