/* Who serves the IPC name: only root is believed; the listener's
 * credentials are known before its answer; a silent server cannot hang a
 * client. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <qb/qbipcs.h>
#include <qb/qbloop.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plugin/ipc_peer.h"

static qb_loop_t *loop;
static char name[64];

static int32_t poll_add(enum qb_loop_priority p, int32_t fd, int32_t events, void *data,
			qb_ipcs_dispatch_fn_t fn)
{
	return qb_loop_poll_add(loop, p, fd, events, data, fn);
}

static int32_t poll_del(int32_t fd)
{
	return qb_loop_poll_del(loop, fd);
}

static int32_t job_add(enum qb_loop_priority p, void *data, qb_loop_job_dispatch_fn fn)
{
	return qb_loop_job_add(loop, p, data, fn);
}

/* A libqb service that listens, but whose loop never runs: it accepts
 * nothing and never answers. */
static qb_ipcs_service_t *silent_server(const char *service)
{
	static struct qb_ipcs_service_handlers handlers;
	static struct qb_ipcs_poll_handlers poll_handlers = {
		.job_add = job_add, .dispatch_add = poll_add, .dispatch_mod = poll_add,
		.dispatch_del = poll_del,
	};
	qb_ipcs_service_t *s;

	if (!loop)
		loop = qb_loop_create();
	s = qb_ipcs_create(service, 0, QB_IPC_SHM, &handlers);
	if (!s)
		return NULL;
	qb_ipcs_poll_handlers_set(s, &poll_handlers);
	if (qb_ipcs_run(s) != 0) {
		qb_ipcs_destroy(s);
		return NULL;
	}
	return s;
}

static void only_root_is_trusted(void **state)
{
	struct ipc_peer p = { .pid = 1, .uid = 0, .gid = 0 };
	(void)state;
	assert_true(ipc_peer_trusted(&p));
	p.uid = 65534;
	assert_false(ipc_peer_trusted(&p));
	p.uid = 1;
	p.gid = 0;          /* group root is not root */
	assert_false(ipc_peer_trusted(&p));
}

static void holder_is_the_listener(void **state)
{
	qb_ipcs_service_t *s = silent_server(name);
	struct ipc_peer who = { 0 };
	(void)state;
	assert_non_null(s);
	assert_int_equal(ipc_peer_holder(name, &who), 0);
	assert_int_equal(who.pid, getpid());
	assert_int_equal(who.uid, getuid());
	qb_ipcs_destroy(s);
}

static void nobody_holds_a_free_name(void **state)
{
	struct ipc_peer who;
	char free_name[80];
	(void)state;
	snprintf(free_name, sizeof(free_name), "%s-free", name);
	assert_int_equal(ipc_peer_holder(free_name, &who), -ECONNREFUSED);
}

static void silent_server_times_out(void **state)
{
	qb_ipcs_service_t *s = silent_server(name);
	struct ipc_peer who;
	struct timespec t0, t1;
	qb_ipcc_connection_t *c;
	int fd;
	long ms;
	(void)state;
	assert_non_null(s);
	c = ipc_peer_begin(name, 64 * 1024, &fd, &who);
	assert_non_null(c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ipc_peer_finish(c, fd, 200, &who), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 150 && ms < 5000);
	qb_ipcs_destroy(s);
}

/* As root: a server of uid 65534 is seen as such before it says a word. */
static void unprivileged_listener_is_named(void **state)
{
	int ready[2];
	char b;
	pid_t child;
	struct ipc_peer who = { 0 };
	qb_ipcc_connection_t *c;
	int fd, status;
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(ready[0]);
		loop = NULL;
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0 ||
		    !silent_server(name))
			_exit(1);
		(void)!write(ready[1], "r", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &b, 1), 1);
	close(ready[0]);
	c = ipc_peer_begin(name, 64 * 1024, &fd, &who);
	assert_non_null(c);
	assert_int_equal(who.uid, 65534);
	assert_int_equal(who.pid, child);
	assert_false(ipc_peer_trusted(&who));
	ipc_peer_drop(c, fd);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
}

static void describe_names_pid_comm_uid(void **state)
{
	struct ipc_peer me = { .pid = getpid(), .uid = 65534 };
	struct ipc_peer gone = { .pid = 0, .uid = 7 };
	char buf[128], want[32];
	(void)state;
	ipc_peer_describe(&me, buf, sizeof(buf));
	/* the command name differs under valgrind */
	snprintf(want, sizeof(want), "pid %d (", (int)me.pid);
	assert_memory_equal(buf, want, strlen(want));
	assert_true(strlen(buf) > strlen(want) + strlen(", uid 65534)"));
	assert_string_equal(buf + strlen(buf) - strlen(", uid 65534)"), ", uid 65534)");
	ipc_peer_describe(&gone, buf, sizeof(buf));
	assert_string_equal(buf, "pid 0 (uid 7)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(only_root_is_trusted),
		cmocka_unit_test(holder_is_the_listener),
		cmocka_unit_test(nobody_holds_a_free_name),
		cmocka_unit_test(silent_server_times_out),
		cmocka_unit_test(unprivileged_listener_is_named),
		cmocka_unit_test(describe_names_pid_comm_uid),
	};
	int rc;

	snprintf(name, sizeof(name), "handoff-test-%d", (int)getpid());
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (loop)
		qb_loop_destroy(loop);
	return rc;
}
