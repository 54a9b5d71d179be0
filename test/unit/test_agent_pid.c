/* The workload's pid from an agent's monitor, /proc/PID/stat, and the
 * trust check before handoffd watches a pid (agent_pid.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/agent_pid.h"

static int pid_of(const char *s, pid_t *pid)
{
	size_t n = strlen(s);
	char *p = malloc(n ? n : 1), err[128];
	int rc;

	assert_non_null(p);
	memcpy(p, s, n);
	err[0] = '\0';
	rc = agent_pid_parse(p, n, pid, err, sizeof(err));
	if (rc < 0)
		assert_true(err[0] != '\0');
	free(p);
	return rc;
}

static void pid_lines(void **state)
{
	pid_t pid = 0;

	(void)state;
	assert_int_equal(pid_of("", &pid), 0);
	assert_int_equal(pid_of("running\n", &pid), 0);
	assert_int_equal(pid_of("pid=4242", &pid), 1);
	assert_int_equal(pid, 4242);
	assert_int_equal(pid_of("running since 10:00\npid=77\r\nmore\n", &pid), 1);
	assert_int_equal(pid, 77);
	assert_int_equal(pid_of("pid=4194304\n", &pid), 1);
	assert_int_equal(pid_of("pid=99\npid=99\n", &pid), 1);   /* said twice, alike */
	assert_int_equal(pid, 99);
	/* lines that only look alike are not ours */
	assert_int_equal(pid_of(" pid=5\nPID=5\nmypid=5\n", &pid), 0);
}

static void pid_refused(void **state)
{
	static const char *const bad[] = {
		"pid=", "pid=0", "pid=1", "pid=-5", "pid=+5", "pid=007", "pid=4194305",
		"pid=99999999999999999999999", "pid=12 ", "pid= 12", "pid=12x", "pid=0x10",
		"pid=1\x00" "2", "pid=5\npid=6\n",
	};
	pid_t pid;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (pid_of(bad[i], &pid) != -1)
			fail_msg("accepted: \"%s\"", bad[i]);
	/* the embedded NUL: the length counts, not the C string */
	{
		char err[64];
		assert_int_equal(agent_pid_parse("pid=1\0002\n", 9, &pid, err, sizeof(err)), -1);
	}
}

static int stat_of(const char *s, struct agent_pid_stat *st)
{
	size_t n = strlen(s);
	char *p = malloc(n ? n : 1), err[128];
	int rc;

	assert_non_null(p);
	memcpy(p, s, n);
	rc = agent_pid_stat_parse(p, n, st, err, sizeof(err));
	free(p);
	return rc;
}

static void stat_lines(void **state)
{
	struct agent_pid_stat st;
	char err[128];

	(void)state;
	/* a command name with spaces and parentheses */
	assert_int_equal(stat_of("4242 (run (counter) x) S 1 4242 4242 0 -1 4194560 120 0 0 "
				 "0 0 0 0 0 20 0 1 0 1234\n", &st), 0);
	assert_int_equal(st.pid, 4242);
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.session, 4242);
	assert_int_equal(st.flags, 4194560);
	assert_true(agent_pid_trusted(&st, 4242, 100, 100, err, sizeof(err)));
	/* the wrong process, init, handoffd, handoffd's session */
	assert_false(agent_pid_trusted(&st, 4243, 100, 100, err, sizeof(err)));
	assert_false(agent_pid_trusted(&st, 4242, 4242, 100, err, sizeof(err)));
	assert_false(agent_pid_trusted(&st, 4242, 100, 4242, err, sizeof(err)));
	assert_non_null(strstr(err, "session"));
	st.pid = 1;
	assert_false(agent_pid_trusted(&st, 1, 100, 100, err, sizeof(err)));
	/* a kernel thread (PF_KTHREAD), a zombie */
	assert_int_equal(stat_of("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0", &st), 0);
	assert_false(agent_pid_trusted(&st, 2, 100, 100, err, sizeof(err)));
	assert_non_null(strstr(err, "kernel thread"));
	assert_int_equal(stat_of("300 (sh) Z 1 300 300 0 -1 4194564 0", &st), 0);
	assert_false(agent_pid_trusted(&st, 300, 100, 100, err, sizeof(err)));
	/* this very process, read for real: in our own session, so refused */
	{
		char path[32], buf[1024];
		FILE *f;
		size_t n;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)getpid());
		f = fopen(path, "r");
		assert_non_null(f);
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		assert_int_equal(agent_pid_stat_parse(buf, n, &st, err, sizeof(err)), 0);
		assert_int_equal(st.pid, getpid());
		assert_int_equal(st.session, getsid(0));
		assert_false(agent_pid_trusted(&st, getpid(), 1, getsid(0), err, sizeof(err)));
	}
}

static void stat_refused(void **state)
{
	static const char *const bad[] = {
		"", "4242", "4242 (x", "x (y) S 1 2 3 0 -1 0", "4242 (x) SS 1 2 3 0 -1 0",
		"4242 (x) S -1 2 3 0 -1 0", "4242 (x) S 1 2 3", "4242 (x) S 1 2 3 0 -1",
		"4242 (x) S 1 2 3 0 -1 flags", "4242 (x) S 1 2 3 0 -1 99999999999",
	};
	struct agent_pid_stat st;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (stat_of(bad[i], &st) != -1)
			fail_msg("accepted: \"%s\"", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pid_lines),
		cmocka_unit_test(pid_refused),
		cmocka_unit_test(stat_lines),
		cmocka_unit_test(stat_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
