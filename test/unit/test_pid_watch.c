/* pid_watch_open() on real processes: a detached workload is watched and
 * its pidfd turns readable when it dies; what is not a workload is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plugin/pid_watch.h"

/* A child that sleeps, in a session of its own when DETACHED (as an agent
 * starts a workload) or in ours (as an agent's own steps run). */
static pid_t child(bool detached)
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* gone with the test, even one that failed half-way */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		if (detached)
			setsid();
		close(p[0]);
		close(1);
		close(2);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);   /* setsid done */
	close(p[0]);
	return pid;
}

/* valgrind (3.19) does not know pidfd_open: then nothing may be watched,
 * the reason says so, and handoffd polls.  (cmocka's skip() would be a
 * TAP "not ok # SKIP", a failure to automake.) */
static bool have_pidfd(void)
{
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	char why[160] = "";

	if (fd >= 0) {
		close(fd);
		return true;
	}
	assert_int_equal(pid_watch_open(getppid(), why, sizeof(why)), -1);
	assert_non_null(strstr(why, "pidfd_open"));
	return false;
}

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms);
}

static void detached_is_watched(void **state)
{
	char why[160] = "";
	pid_t pid;
	int fd;

	(void)state;
	if (!have_pidfd())
		return;
	pid = child(true);
	fd = pid_watch_open(pid, why, sizeof(why));
	if (fd < 0)
		fail_msg("refused: %s", why);
	assert_int_equal(readable(fd, 0), 0);      /* alive: nothing yet */
	kill(pid, SIGKILL);
	assert_int_equal(readable(fd, 2000), 1);   /* died: POLLIN */
	close(fd);
	waitpid(pid, NULL, 0);
}

static void refused(void **state)
{
	char why[160];
	pid_t same, gone;

	(void)state;
	if (!have_pidfd())
		return;
	same = child(false);
	gone = child(true);
	/* in handoffd's (our) session: an agent's step, not a workload */
	why[0] = '\0';
	assert_int_equal(pid_watch_open(same, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "session"));
	/* ourselves, init, kthreadd, out of range */
	assert_int_equal(pid_watch_open(getpid(), why, sizeof(why)), -1);
	assert_int_equal(pid_watch_open(1, why, sizeof(why)), -1);
	assert_int_equal(pid_watch_open(2, why, sizeof(why)), -1);
	assert_int_equal(pid_watch_open(0, why, sizeof(why)), -1);
	assert_int_equal(pid_watch_open(-5, why, sizeof(why)), -1);
	assert_int_equal(pid_watch_open(4194305, why, sizeof(why)), -1);
	/* a zombie has ended: -1 or -2, never a watch */
	kill(gone, SIGKILL);
	{
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		waitid(P_PID, (id_t)gone, &si, WEXITED | WNOWAIT);
	}
	assert_true(pid_watch_open(gone, why, sizeof(why)) < 0);
	waitpid(gone, NULL, 0);
	/* reaped: no such process */
	assert_int_equal(pid_watch_open(gone, why, sizeof(why)), -1);
	kill(same, SIGKILL);
	waitpid(same, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(detached_is_watched),
		cmocka_unit_test(refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
