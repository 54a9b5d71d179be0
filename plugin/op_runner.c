/*
 * op_runner.c - driver operations as child processes on the qb_loop.
 *
 * A job watches up to four fds: stdout, stderr, a close-on-exec status
 * pipe that carries errno when the child cannot exec (EOF alone means the
 * exec worked), and a pidfd that becomes readable when the child exits.
 * Without pidfd_open (kernel < 5.3) a SIGCHLD handler on the loop checks
 * every such job with waitid(WNOHANG); if pidfd_open fails otherwise (out
 * of fds) the job checks on a short timer.
 *
 * The child is seen exiting with waitid(WNOWAIT) and reaped only when the
 * job is freed: the zombie keeps its pid, which is also the process
 * group's id, from being reused, so a killpg() at the end of a timed-out
 * op can never hit a stranger.
 */
#include "op_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <qb/qblog.h>
#include <qb/qbutil.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_PATH       "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define EXIT_POLL_MS       100u   /* exit checks when no pidfd and no SIGCHLD */
#define READS_PER_DISPATCH 16     /* then let other fds have their turn */
#define STDERR_LOG_LINES   20     /* the last lines of a failed op's stderr */

enum { S_OUT, S_ERR, S_STATUS, S__N };
enum exit_mode { EXIT_PIDFD, EXIT_SIGCHLD, EXIT_POLL };
enum { T_TIMEOUT, T_KILL, T_ABANDON, T_DRAIN, T_NOW, T_POLL, T__N };

struct stream {
	int fd;                 /* read end; -1 at EOF or once closed */
	char *buf;
	size_t len, cap;
	uint64_t dropped;       /* bytes past OP_OUTPUT_CAP */
};

struct op_job {
	struct op_job *prev, *next;
	qb_loop_t *loop;
	char *path;
	pid_t pid;              /* > 0 while there is a child to reap */
	enum exit_mode mode;
	bool sigchld_counted;
	int pidfd;
	struct stream s[S__N];
	int spawn_errno;
	bool exited;            /* seen with WNOWAIT; the zombie stays */
	int exit_code, exit_value;  /* CLD_* and the status or signal */
	bool timed_out, killed, abandoned;
	bool reported;          /* callback done or cancelled: reaping is left */
	bool in_callback;
	qb_loop_timer_handle timer[T__N];
	bool armed[T__N];
	uint32_t timeout_ms;
	uint64_t start_ns;
	op_done_fn done;
	void *ctx;
	op_sink_fn sink;        /* stdout goes here as it comes, not into s[S_OUT] */
	void *sink_ctx;
};

static struct op_job *jobs;
static size_t n_jobs;
static bool want_pidfd = true;
static int pidfd_state = -1;            /* -1 unknown, 0 ENOSYS, 1 works */
static qb_loop_t *sigchld_loop;
static qb_loop_signal_handle sigchld_handle;
static size_t n_sigchld_jobs;
static char scratch[65536];

static void on_exited(struct op_job *j);
static void progress(struct op_job *j);
static void on_drain(void *data);

void op_runner_use_pidfd(bool use)
{
	want_pidfd = use;
}

size_t op_running(void)
{
	return n_jobs;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* ---- timers ------------------------------------------------------------ */

static void arm(struct op_job *j, int t, uint32_t ms, qb_loop_timer_dispatch_fn fn)
{
	int32_t rc;

	if (j->armed[t])
		return;
	rc = qb_loop_timer_add(j->loop, QB_LOOP_MED, (uint64_t)ms * QB_TIME_NS_IN_MSEC,
			       j, fn, &j->timer[t]);
	if (rc < 0)
		qb_log(LOG_ERR, "op %s: cannot add a timer: %s", j->path, strerror(-rc));
	else
		j->armed[t] = true;
}

static void disarm(struct op_job *j, int t)
{
	if (!j->armed[t])
		return;
	qb_loop_timer_del(j->loop, j->timer[t]);
	j->armed[t] = false;
}

/* ---- output --------------------------------------------------------------- */

static void stream_take(struct stream *s, const char *data, size_t n)
{
	size_t take = 0;

	if (s->len < OP_OUTPUT_CAP)
		take = n < OP_OUTPUT_CAP - s->len ? n : OP_OUTPUT_CAP - s->len;
	if (take) {
		/* room for the mark and the NUL, always */
		size_t need = s->len + take + sizeof(OP_TRUNCATED_MARK);
		if (need > s->cap) {
			size_t cap = s->cap ? s->cap : 256;
			char *nb;
			while (cap < need)
				cap *= 2;
			if (cap > OP_OUTPUT_CAP + sizeof(OP_TRUNCATED_MARK))
				cap = OP_OUTPUT_CAP + sizeof(OP_TRUNCATED_MARK);
			nb = realloc(s->buf, cap);
			if (!nb) {
				s->dropped += n;
				return;
			}
			s->buf = nb;
			s->cap = cap;
		}
		memcpy(s->buf + s->len, data, take);
		s->len += take;
	}
	s->dropped += n - take;
}

static void stream_close(struct op_job *j, struct stream *s)
{
	if (s->fd < 0)
		return;
	qb_loop_poll_del(j->loop, s->fd);
	close(s->fd);
	s->fd = -1;
}

/* Read what is there; true when the stream reached EOF (and is closed). */
static bool stream_read(struct op_job *j, struct stream *s)
{
	for (int i = 0; i < READS_PER_DISPATCH && s->fd >= 0; i++) {
		ssize_t n = read(s->fd, scratch, sizeof(scratch));
		if (n > 0) {
			if (j->sink && s == &j->s[S_OUT])
				j->sink(j->sink_ctx, scratch, (size_t)n);
			else
				stream_take(s, scratch, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return false;
		if (n < 0)
			qb_log(LOG_WARNING, "op %s: reading its output: %s", j->path, strerror(errno));
		stream_close(j, s);
		return true;
	}
	return s->fd < 0;
}

static bool streams_open(const struct op_job *j)
{
	for (int i = 0; i < S__N; i++)
		if (j->s[i].fd >= 0)
			return true;
	return false;
}

static void streams_finish(struct op_job *j)
{
	for (int i = 0; i < S__N; i++) {
		struct stream *s = &j->s[i];
		if (s->fd >= 0)
			stream_read(j, s);  /* whatever is buffered, then close */
		stream_close(j, s);
	}
}

static int32_t on_pipe(int32_t fd, int32_t revents, void *data)
{
	struct op_job *j = data;

	(void)revents;
	for (int i = 0; i < S__N; i++) {
		if (j->s[i].fd != fd)
			continue;
		if (!stream_read(j, &j->s[i]))
			return 0;
		progress(j);    /* may free j */
		return -1;
	}
	return -1;      /* not ours any more */
}

/* ---- exit detection ------------------------------------------------------- */

/* Did the child exit?  Records how, leaves the zombie. */
static bool check_exit(struct op_job *j)
{
	siginfo_t si;

	if (j->exited || j->pid <= 0)
		return false;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)j->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
		if (errno == EINTR)
			return false;
		/* someone else reaped it (waitpid(-1) elsewhere): status lost */
		qb_log(LOG_ERR, "op %s: pid %d vanished: %s", j->path, (int)j->pid, strerror(errno));
		j->pid = 0;
		j->exit_code = 0;
		j->exited = true;
		return true;
	}
	if (si.si_pid != j->pid)
		return false;
	j->exit_code = si.si_code;
	j->exit_value = si.si_status;
	j->exited = true;
	return true;
}

static int32_t on_pidfd(int32_t fd, int32_t revents, void *data)
{
	struct op_job *j = data;

	(void)fd; (void)revents;
	if (!check_exit(j))
		return 0;
	on_exited(j);   /* removes the pidfd, may free j */
	return -1;
}

static int32_t on_sigchld(int32_t sig, void *data)
{
	(void)sig; (void)data;
again:
	/* a callback may start or cancel jobs: start over after each exit */
	for (struct op_job *j = jobs; j; j = j->next)
		if (j->mode == EXIT_SIGCHLD && check_exit(j)) {
			on_exited(j);
			goto again;
		}
	return 0;
}

static void on_poll_timer(void *data)
{
	struct op_job *j = data;

	j->armed[T_POLL] = false;
	if (check_exit(j))
		on_exited(j);
	else
		arm(j, T_POLL, EXIT_POLL_MS, on_poll_timer);
}

static bool pidfd_supported(void)
{
#ifdef SYS_pidfd_open
	if (pidfd_state < 0) {
		int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
		if (fd >= 0) {
			close(fd);
			pidfd_state = 1;
		} else {
			/* ENOSYS: kernel < 5.3; EPERM: a seccomp filter that
			 * does not know it.  EMFILE and the like pass. */
			pidfd_state = errno != ENOSYS && errno != EPERM;
		}
		if (!pidfd_state)
			qb_log(LOG_INFO, "no pidfd_open (%s): child exits via SIGCHLD",
			       strerror(errno));
	}
	return pidfd_state == 1;
#else
	return false;
#endif
}

/* Before the fork, so that no exit can go unnoticed. */
static enum exit_mode choose_mode(qb_loop_t *loop)
{
	if (want_pidfd && pidfd_supported())
		return EXIT_PIDFD;
	if (!sigchld_loop) {
		if (qb_loop_signal_add(loop, QB_LOOP_HIGH, SIGCHLD, NULL, on_sigchld,
				       &sigchld_handle) < 0)
			return EXIT_POLL;
		sigchld_loop = loop;
	}
	return sigchld_loop == loop ? EXIT_SIGCHLD : EXIT_POLL;
}

static void watch_exit(struct op_job *j)
{
	if (j->mode == EXIT_SIGCHLD) {
		j->sigchld_counted = true;
		n_sigchld_jobs++;
		return;
	}
#ifdef SYS_pidfd_open
	if (j->mode == EXIT_PIDFD) {
		j->pidfd = (int)syscall(SYS_pidfd_open, j->pid, 0);
		if (j->pidfd >= 0) {
			if (qb_loop_poll_add(j->loop, QB_LOOP_MED, j->pidfd, POLLIN, j, on_pidfd) == 0)
				return;
			close(j->pidfd);
			j->pidfd = -1;
		}
		qb_log(LOG_WARNING, "op %s: no pidfd (%s): checking its exit every %u ms",
		       j->path, strerror(errno), EXIT_POLL_MS);
	}
#endif
	j->mode = EXIT_POLL;
	arm(j, T_POLL, EXIT_POLL_MS, on_poll_timer);
}

static void unwatch_exit(struct op_job *j)
{
	if (j->pidfd >= 0) {
		qb_loop_poll_del(j->loop, j->pidfd);
		close(j->pidfd);
		j->pidfd = -1;
	}
	disarm(j, T_POLL);
	if (j->sigchld_counted) {
		j->sigchld_counted = false;
		if (--n_sigchld_jobs == 0 && sigchld_loop) {
			qb_loop_signal_del(sigchld_loop, sigchld_handle);
			sigchld_loop = NULL;
		}
	}
}

/* ---- the end of a job ----------------------------------------------------- */

static void job_free(struct op_job *j)
{
	unwatch_exit(j);
	if (j->pid > 0 && j->exited) {
		while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
			;   /* a zombie already: does not block */
	}
	j->pid = 0;
	for (int t = 0; t < T__N; t++)
		disarm(j, t);
	for (int i = 0; i < S__N; i++) {
		stream_close(j, &j->s[i]);
		free(j->s[i].buf);
	}
	if (j->prev)
		j->prev->next = j->next;
	else
		jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	n_jobs--;
	free(j->path);
	free(j);
}

static void finish_text(struct stream *s, char **text, size_t *len, bool *truncated)
{
	*truncated = s->dropped > 0;
	if (!s->buf) {
		*text = (char *)"";
		*len = 0;
		if (*truncated)
			qb_log(LOG_WARNING, "output lost: out of memory");
		return;
	}
	if (*truncated) {
		memcpy(s->buf + s->len, OP_TRUNCATED_MARK, sizeof(OP_TRUNCATED_MARK) - 1);
		s->len += sizeof(OP_TRUNCATED_MARK) - 1;
	}
	s->buf[s->len] = '\0';
	*text = s->buf;
	*len = s->len;
}

static void log_stderr(const struct op_result *r)
{
	const char *p = r->err, *end = r->err + r->err_len;
	size_t lines = 0, skip;

	if (r->err_truncated && r->err_len >= sizeof(OP_TRUNCATED_MARK) - 1)
		end -= sizeof(OP_TRUNCATED_MARK) - 1;
	for (const char *q = p; q < end; q++)
		lines += *q == '\n';
	if (end > p && end[-1] != '\n')
		lines++;
	skip = lines > STDERR_LOG_LINES ? lines - STDERR_LOG_LINES : 0;
	if (skip)
		qb_log(LOG_WARNING, "%s: (%zu earlier stderr lines left out)", r->path, skip);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		if (skip)
			skip--;
		else if (eol > p)
			qb_log(LOG_WARNING, "%s: %.*s", r->path, (int)(eol - p), p);
		p = eol + 1;
	}
}

static void report(struct op_job *j)
{
	struct op_result r;
	char what[512];

	for (int t = 0; t < T__N; t++)
		if (t != T_POLL)
			disarm(j, t);
	streams_finish(j);
	/* a timed-out op leaves nothing behind in its group; the unreaped
	 * zombie (or the live child) still holds the group's id */
	if (j->timed_out && j->pid > 0)
		killpg(j->pid, SIGKILL);

	memset(&r, 0, sizeof(r));
	r.path = j->path;
	r.exit_status = -1;
	r.timeout_ms = j->timeout_ms;
	r.timed_out = j->timed_out;
	if (j->s[S_STATUS].len >= sizeof(int))
		memcpy(&j->spawn_errno, j->s[S_STATUS].buf, sizeof(int));
	r.spawn_errno = j->spawn_errno;
	if (!r.spawn_errno && j->exited) {
		if (j->exit_code == CLD_EXITED)
			r.exit_status = j->exit_value;
		else if (j->exit_code == CLD_KILLED || j->exit_code == CLD_DUMPED)
			r.term_signal = j->exit_value;
	}
	finish_text(&j->s[S_OUT], &r.out, &r.out_len, &r.out_truncated);
	finish_text(&j->s[S_ERR], &r.err, &r.err_len, &r.err_truncated);
	r.elapsed_ms = (qb_util_nano_current_get() - j->start_ns) / QB_TIME_NS_IN_MSEC;

	op_result_describe(&r, what, sizeof(what));
	qb_log(LOG_DEBUG, "op %s: %s after %llu ms", j->path, what,
	       (unsigned long long)r.elapsed_ms);
	if (r.spawn_errno)
		qb_log(LOG_WARNING, "op %s", what);
	else if ((r.exit_status != 0 || r.timed_out) && r.err_len)
		log_stderr(&r);

	j->reported = true;
	j->in_callback = true;
	j->done(j->ctx, &r);
	j->in_callback = false;
	if (j->exited || j->pid <= 0)
		job_free(j);
	/* else abandoned: freed when the child finally exits */
}

static void progress(struct op_job *j)
{
	if (j->reported || !j->exited)
		return;
	if (!streams_open(j)) {
		report(j);
		return;
	}
	/* something the child left behind holds the pipes */
	arm(j, T_DRAIN, OP_DRAIN_MS, on_drain);
}

static void on_drain(void *data)
{
	struct op_job *j = data;

	j->armed[T_DRAIN] = false;
	qb_log(LOG_DEBUG, "op %s: pid %d exited but its output is still open %u ms later "
	       "(a background process holding stdout/stderr?): closing it",
	       j->path, (int)j->pid, OP_DRAIN_MS);
	report(j);
}

static void on_exited(struct op_job *j)
{
	unwatch_exit(j);
	disarm(j, T_TIMEOUT);
	disarm(j, T_ABANDON);
	if (j->reported) {      /* cancelled or abandoned: only reaping was left */
		job_free(j);
		return;
	}
	progress(j);
}

/* ---- timeout -------------------------------------------------------------- */

static void on_abandon(void *data)
{
	struct op_job *j = data;

	j->armed[T_ABANDON] = false;
	if (j->exited)
		return;
	j->abandoned = true;
	qb_log(LOG_ERR, "op %s: pid %d still alive %u ms after SIGKILL (stuck in the kernel?); "
	       "reporting it as timed out, reaping it when it dies",
	       j->path, (int)j->pid, OP_ABANDON_MS);
	report(j);
}

static void on_kill(void *data)
{
	struct op_job *j = data;

	j->armed[T_KILL] = false;
	qb_log(LOG_WARNING, "op %s: SIGKILL to process group %d", j->path, (int)j->pid);
	killpg(j->pid, SIGKILL);
	j->killed = true;
	if (!j->exited)
		arm(j, T_ABANDON, OP_ABANDON_MS, on_abandon);
}

static void on_timeout(void *data)
{
	struct op_job *j = data;
	uint32_t grace = min_u32(OP_KILL_GRACE_MS, j->timeout_ms);

	j->armed[T_TIMEOUT] = false;
	j->timed_out = true;
	qb_log(LOG_WARNING, "op %s: timed out after %u ms, SIGTERM to process group %d, "
	       "SIGKILL in %u ms", j->path, j->timeout_ms, (int)j->pid, grace);
	killpg(j->pid, SIGTERM);
	arm(j, T_KILL, grace, on_kill);
}

static void on_now(void *data)
{
	struct op_job *j = data;

	j->armed[T_NOW] = false;
	report(j);
}

/* ---- spawning ------------------------------------------------------------- */

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0) {
			close(p[i]);
			p[i] = -1;
		}
}

/* Async-signal-safe from here to execve: we may be a fork of a threaded
 * process. */
static int child_fd_up(int fd, int status_fd)
{
	int e;

	if (fd >= 3)
		return fd;
	fd = fcntl(fd, F_DUPFD, 3);
	if (fd >= 0)
		return fd;
	e = errno;
	if (write(status_fd, &e, sizeof(e)) < 0) { /* nobody to tell */ }
	_exit(127);
}

static void __attribute__((noreturn))
child_fail(int status_fd)
{
	int e = errno;

	if (write(status_fd, &e, sizeof(e)) < 0) { /* nobody to tell */ }
	_exit(127);
}

/* The child's side of a spawn, up to its execve or its function: its own
 * process group, default signals, stdin /dev/null, stdout and stderr to
 * the pipes, the status pipe on fd 3 and no other fd.  TIED (an op
 * without a timeout, a watcher that runs as long as handoffd does): it
 * gets SIGKILL when handoffd dies, which it would otherwise outlive for
 * ever (drbdsetup events2 writes only when DRBD changes). */
static void child_setup(int out_w, int err_w, int st_w, int max_fd, bool tied)
{
	struct sigaction dfl;
	sigset_t none;
	int null_fd;

	setpgid(0, 0);
	if (tied)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* every signal back to default while still all blocked: a handler
	 * inherited from the loop must not run in here */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (sigaction(sig, &dfl, NULL) < 0) {
			/* libc keeps a few real-time signals for itself, and an
			 * ignored one would pass exec: ask the kernel directly.
			 * All zero is SIG_DFL, no flags, empty mask, whatever
			 * the architecture's layout of its struct sigaction. */
			static const unsigned long zero[8];
			syscall(SYS_rt_sigaction, sig, zero, NULL, (size_t)(NSIG - 1) / 8);
		}
	}

	st_w = child_fd_up(st_w, st_w);
	null_fd = open("/dev/null", O_RDONLY);
	if (null_fd < 0)
		child_fail(st_w);
	null_fd = child_fd_up(null_fd, st_w);
	out_w = child_fd_up(out_w, st_w);
	err_w = child_fd_up(err_w, st_w);
	if (dup2(null_fd, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
		child_fail(st_w);
	if (st_w != 3) {
		if (dup2(st_w, 3) < 0)
			child_fail(st_w);
		st_w = 3;
	}
	if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
		child_fail(3);
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 4u, ~0u, 0u) < 0)
#endif
		for (int fd = 4; fd < max_fd; fd++)
			close(fd);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void __attribute__((noreturn))
child_exec(char *const argv[], char *const envp[], int out_w, int err_w, int st_w,
	   int max_fd, bool tied)
{
	child_setup(out_w, err_w, st_w, max_fd, tied);
	execve(argv[0], argv, envp);
	child_fail(3);
}

/*
 * vfork: the child only makes system calls until its execve, and copying
 * the page tables of a daemon that holds a thousand resources for every
 * probe was most of what a sync cost it.  All signals are blocked around
 * it, and the child resets every handler before unblocking them.
 */
static pid_t __attribute__((noinline))
start_child(char *const argv[], char *const envp[], int out_w, int err_w, int st_w, int max_fd,
	    bool tied)
{
	pid_t pid = vfork();

	if (pid == 0)
		child_exec(argv, envp, out_w, err_w, st_w, max_fd, tied);
	return pid;
}

static int max_fd_guess(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > (1u << 20))
		return 1 << 20;
	return (int)rl.rlim_cur;
}

/*
 * A plain fork for a function (op_start_fn): it runs in a copy of the
 * process, which vfork cannot give.  The parent is single-threaded (see
 * op_runner.h), so the child may call what the function needs; it leaves
 * with _exit, running none of the parent's atexit handlers.
 */
static pid_t start_fn_child(op_fn fn, void *arg, int out_w, int err_w, int st_w, int max_fd,
			    bool tied)
{
	pid_t pid = fork();

	if (pid == 0) {
		child_setup(out_w, err_w, st_w, max_fd, tied);
		_exit(fn(arg) & 0xff);
	}
	return pid;
}

/* Returns 0, or an errno when there is no child.  FN: run FN(ARG) in the
 * child instead of executing ARGV. */
static int spawn(struct op_job *j, const char *const argv[], char *const envp[], op_fn fn,
		 void *arg)
{
	int p[S__N][2], e, max_fd = max_fd_guess();
	sigset_t all, old;
	pid_t pid;

	for (int i = 0; i < S__N; i++)
		p[i][0] = p[i][1] = -1;
	for (int i = 0; i < S__N; i++) {
		if (pipe2(p[i], O_CLOEXEC) < 0 ||
		    fcntl(p[i][0], F_SETFL, O_NONBLOCK) < 0) {
			e = errno;
			for (int k = 0; k <= i; k++)
				close_pair(p[k]);
			return e;
		}
	}
	j->mode = choose_mode(j->loop);

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if (fn)
		pid = start_fn_child(fn, arg, p[S_OUT][1], p[S_ERR][1], p[S_STATUS][1], max_fd,
				     j->timeout_ms == 0);
	else
		pid = start_child((char *const *)argv, envp, p[S_OUT][1], p[S_ERR][1],
				  p[S_STATUS][1], max_fd, j->timeout_ms == 0);
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (int i = 0; i < S__N; i++) {
		close(p[i][1]);
		if (pid < 0)
			close(p[i][0]);
	}
	if (pid < 0) {
		if (j->mode == EXIT_SIGCHLD && n_sigchld_jobs == 0 && sigchld_loop) {
			qb_loop_signal_del(sigchld_loop, sigchld_handle);
			sigchld_loop = NULL;
		}
		j->mode = EXIT_POLL;
		return e;
	}
	setpgid(pid, pid);      /* the child does it too: whoever is first */
	j->pid = pid;
	watch_exit(j);
	for (int i = 0; i < S__N; i++) {
		int32_t rc = qb_loop_poll_add(j->loop, QB_LOOP_MED, p[i][0], POLLIN, j, on_pipe);
		if (rc < 0) {
			qb_log(LOG_ERR, "op %s: cannot watch its output: %s", j->path, strerror(-rc));
			close(p[i][0]);
			continue;
		}
		j->s[i].fd = p[i][0];
	}
	return 0;
}

/* op_start and op_start_fn: LABEL names the job (argv[0], or the
 * function's label), FN (or NULL for ARGV) runs in the child. */
static int start_job(qb_loop_t *loop, const char *label, const char *const argv[],
		     const char *const env[], op_fn fn, void *arg, uint32_t timeout_ms,
		     op_done_fn done, void *ctx, struct op_job **out)
{
	struct op_job *j;
	char **envp;
	size_t n_env = 0, k = 0;
	bool have_path = false;
	int e;

	if (out)
		*out = NULL;
	if (!loop || !label || !done)
		return -EINVAL;
	for (; env && env[n_env]; n_env++) {
		const char *eq = strchr(env[n_env], '=');
		if (!eq || eq == env[n_env])
			return -EINVAL;
		if (!strncmp(env[n_env], "PATH=", 5))
			have_path = true;
	}
	envp = calloc(n_env + 2, sizeof(*envp));
	j = calloc(1, sizeof(*j));
	if (j)
		j->path = strdup(label);
	if (!envp || !j || !j->path) {
		free(envp);
		if (j)
			free(j->path);
		free(j);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_env; i++)
		envp[k++] = (char *)env[i];
	if (!have_path)
		envp[k++] = (char *)DEFAULT_PATH;

	j->loop = loop;
	j->pidfd = -1;
	for (int i = 0; i < S__N; i++)
		j->s[i].fd = -1;
	j->timeout_ms = timeout_ms;
	j->done = done;
	j->ctx = ctx;
	j->start_ns = qb_util_nano_current_get();
	j->next = jobs;
	if (jobs)
		jobs->prev = j;
	jobs = j;
	n_jobs++;

	e = spawn(j, argv, envp, fn, arg);
	free(envp);
	if (e) {
		/* reported from the loop, like every other outcome */
		j->spawn_errno = e;
		j->exited = true;
		arm(j, T_NOW, 0, on_now);
		if (!j->armed[T_NOW]) {
			job_free(j);
			return -ENOMEM;
		}
	} else {
		qb_log(LOG_DEBUG, "op %s: pid %d started, timeout %u ms", j->path, (int)j->pid,
		       timeout_ms);
		if (timeout_ms)
			arm(j, T_TIMEOUT, timeout_ms, on_timeout);
	}
	if (out)
		*out = j;
	return 0;
}

int op_start(qb_loop_t *loop, const char *const argv[], const char *const env[],
	     uint32_t timeout_ms, op_done_fn done, void *ctx, struct op_job **out)
{
	if (!argv || !argv[0] || argv[0][0] != '/') {
		if (out)
			*out = NULL;
		return -EINVAL;
	}
	return start_job(loop, argv[0], argv, env, NULL, NULL, timeout_ms, done, ctx, out);
}

int op_start_fn(qb_loop_t *loop, const char *label, op_fn fn, void *arg, uint32_t timeout_ms,
		op_done_fn done, void *ctx, struct op_job **out)
{
	if (!fn) {
		if (out)
			*out = NULL;
		return -EINVAL;
	}
	return start_job(loop, label, NULL, NULL, fn, arg, timeout_ms, done, ctx, out);
}

void op_set_sink(struct op_job *j, op_sink_fn fn, void *ctx)
{
	j->sink = fn;
	j->sink_ctx = ctx;
}

void op_cancel(struct op_job *j)
{
	if (!j || j->in_callback || j->reported)
		return;
	j->reported = true;     /* no callback any more */
	qb_log(LOG_DEBUG, "op %s: cancelled, SIGKILL to process group %d", j->path, (int)j->pid);
	for (int t = 0; t < T__N; t++)
		if (t != T_POLL)
			disarm(j, t);
	for (int i = 0; i < S__N; i++)
		stream_close(j, &j->s[i]);
	if (j->pid > 0)
		killpg(j->pid, SIGKILL);
	if (j->exited || j->pid <= 0)
		job_free(j);
	/* else freed by on_exited() */
}

/* ---- describing a result -------------------------------------------------- */

/* The last non-empty line of stderr, trimmed, control characters as '?'. */
static void last_line(const struct op_result *r, char *buf, size_t len)
{
	const char *start = r->err, *end = r->err + r->err_len, *p;
	size_t n = 0;

	buf[0] = '\0';
	if (!r->err || !len)
		return;
	if (r->err_truncated && (size_t)(end - start) >= sizeof(OP_TRUNCATED_MARK) - 1)
		end -= sizeof(OP_TRUNCATED_MARK) - 1;
	while (end > start && (unsigned char)end[-1] <= ' ')
		end--;
	for (p = end; p > start && p[-1] != '\n'; p--)
		;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	for (; p < end && n + 1 < len; p++)
		buf[n++] = ((unsigned char)*p < ' ' || *p == 0x7f) ? '?' : *p;
	buf[n] = '\0';
}

void op_result_describe(const struct op_result *r, char *buf, size_t len)
{
	char line[256];
	const char *sep;

	if (!buf || !len)
		return;
	last_line(r, line, sizeof(line));
	sep = line[0] ? ": " : "";
	if (r->spawn_errno) {
		snprintf(buf, len, "cannot execute %s: %s", r->path ? r->path : "(null)",
			 strerror(r->spawn_errno));
	} else if (r->timed_out) {
		snprintf(buf, len, "timed out after %u ms%s%s", r->timeout_ms, sep, line);
	} else if (r->term_signal) {
		const char *abbrev = sigabbrev_np(r->term_signal);
		if (abbrev)
			snprintf(buf, len, "killed by SIG%s%s%s", abbrev, sep, line);
		else
			snprintf(buf, len, "killed by signal %d%s%s", r->term_signal, sep, line);
	} else {
		snprintf(buf, len, "exit %d%s%s", r->exit_status, sep, line);
	}
}
