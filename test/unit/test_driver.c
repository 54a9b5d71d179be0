/*
 * The drivers' step sequences on a real qb_loop, with a fake agent and a
 * fake drbdadm that log every call: dump, restore, readiness, probe, and a
 * start that fails part-way and undoes what it did.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plugin/driver.h"

struct fixture {
	char dir[64];
	char agent[128], drbdadm[128], calls[128];
	struct handoff_config cfg;
	qb_loop_t *loop;
	bool finished, ok;
	char error[512];
	struct wire_fact fact;
	bool rolled_back;
	struct driver_times times;
};

static void write_script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

/* AGENT_EXIT_<VERB> and DRBD_DSTATE steer the fakes through files */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char body[1024], conf[2048];
	struct config_errors err = { 0 };

	snprintf(f->dir, sizeof(f->dir), "/tmp/handoff-driver-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->agent, sizeof(f->agent), "%s/agent", f->dir);
	snprintf(f->drbdadm, sizeof(f->drbdadm), "%s/drbdadm", f->dir);
	snprintf(f->calls, sizeof(f->calls), "%s/calls", f->dir);
	snprintf(body, sizeof(body),
		 "echo \"agent $* res=$HANDOFF_RESOURCE mnt=$HANDOFF_MOUNT opt=$HANDOFF_OPT_colour\" >>%s\n"
		 "if [ -f %s/sleep.$1 ]; then sleep $(cat %s/sleep.$1); echo \"agent $1 woke\" >>%s; fi\n"
		 "code=$(cat %s/exit.$1 2>/dev/null || echo 0)\n"
		 "[ \"$code\" = 0 ] || echo \"agent says no to $1\" >&2\n"
		 "[ \"$code\" = 0 ] && [ \"$1\" = dump ] && echo image >\"$2/image\"\n"
		 "exit $code", f->calls, f->dir, f->dir, f->calls, f->dir);
	write_script(f->agent, body);
	snprintf(body, sizeof(body),
		 "echo \"drbdadm $*\" >>%s\n"
		 "case $1 in dstate) cat %s/dstate 2>/dev/null || echo UpToDate/UpToDate ;; "
		 "role) echo Secondary/Secondary ;; esac\n"
		 "code=$(cat %s/drbd.exit.$1 2>/dev/null || echo 0)\n"
		 "[ \"$code\" = 0 ] || cat %s/drbd.err.$1 >&2 2>/dev/null || echo \"drbd says no to $1\" >&2\n"
		 "exit $code", f->calls, f->dir, f->dir, f->dir);
	write_script(f->drbdadm, body);
	snprintf(conf, sizeof(conf),
		 "[cluster]\ndrbdadm = %s\n"
		 "[resource web]\nstorage = drbd\ndrbd_resource = r0\ndevice = /nonexistent/dev\n"
		 "mount_point = %s/mnt\nworkload = exec\nagent = %s\nagent_opt.colour = blue\n"
		 "nodes = node1\n"
		 "[resource db]\nstorage = shared\ndevice = /nonexistent/dev2\n"
		 "mount_point = %s/mnt2\nworkload = exec\nagent = %s\nnodes = node1\n"
		 "[resource vm]\nstorage = drbd\ndrbd_resource = r1\ndevice = %s/fs.img\n"
		 "mount_options = loop\nmount_point = %s/mnt3\nworkload = exec\nagent = %s\n"
		 "nodes = node1 node2\n",
		 f->drbdadm, f->dir, f->agent, f->dir, f->agent, f->dir, f->dir, f->agent);
	config_defaults(&f->cfg);
	assert_int_equal(config_load_string(&f->cfg, "t.conf", conf, &err), 0);
	f->loop = qb_loop_create();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[256];

	qb_loop_destroy(f->loop);
	config_free(&f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void on_done(void *ctx, const struct resource_conf *r, bool ok, const char *error)
{
	struct fixture *f = ctx;
	(void)r;
	f->finished = true;
	f->ok = ok;
	snprintf(f->error, sizeof(f->error), "%s", error ? error : "");
	qb_loop_stop(f->loop);
}

static void on_facts(void *ctx, const struct resource_conf *r, const struct wire_fact *fact)
{
	struct fixture *f = ctx;
	(void)r;
	f->finished = true;
	f->fact = *fact;
	qb_loop_stop(f->loop);
}

static void on_migrated(void *ctx, const struct resource_conf *r, bool ok, bool rolled_back,
			const char *error, const struct driver_times *t)
{
	struct fixture *f = ctx;
	(void)r;
	f->finished = true;
	f->ok = ok;
	f->rolled_back = rolled_back;
	f->times = *t;
	snprintf(f->error, sizeof(f->error), "%s", error ? error : "");
	qb_loop_stop(f->loop);
}

static void wait_done(struct fixture *f)
{
	if (!f->finished)
		qb_loop_run(f->loop);
	assert_true(f->finished);
	assert_int_equal(driver_busy(), 0);
}

static char *calls(struct fixture *f)
{
	static char buf[4096];
	FILE *fp = fopen(f->calls, "r");
	size_t n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
	if (fp)
		fclose(fp);
	buf[n] = '\0';
	return buf;
}

static void set_file(struct fixture *f, const char *name, const char *text)
{
	char path[256];
	FILE *fp;
	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static struct driver_env env_of(struct fixture *f)
{
	struct driver_env e = { .loop = f->loop, .cfg = &f->cfg };
	return e;
}

static void dump_and_restore_run_the_agent(void **state)
{
	struct fixture *f = *state;
	struct driver_env e = env_of(f);
	char want[512];

	assert_int_equal(driver_dump(&e, config_resource(&f->cfg, "web"), "epoch-7", on_done, f), 0);
	wait_done(f);
	assert_true(f->ok);
	snprintf(want, sizeof(want), "agent dump %s/mnt/.handoff/epoch-7 res=web mnt=%s/mnt opt=blue",
		 f->dir, f->dir);
	assert_non_null(strstr(calls(f), want));

	f->finished = false;
	set_file(f, "exit.restore", "1");
	assert_int_equal(driver_restore(&e, config_resource(&f->cfg, "web"), "epoch-7", on_done, f), 0);
	wait_done(f);
	assert_false(f->ok);
	assert_non_null(strstr(f->error, "restore: exit 1: agent says no to restore"));
}

static void readiness(void **state)
{
	struct fixture *f = *state;
	struct driver_env e = env_of(f);

	assert_int_equal(driver_ready(&e, config_resource(&f->cfg, "web"), on_done, f), 0);
	wait_done(f);
	assert_true(f->ok);
	assert_non_null(strstr(calls(f), "drbdadm dstate r0"));
	assert_non_null(strstr(calls(f), "agent meta"));

	f->finished = false;
	set_file(f, "dstate", "Outdated/UpToDate\n");
	assert_int_equal(driver_ready(&e, config_resource(&f->cfg, "web"), on_done, f), 0);
	wait_done(f);
	assert_false(f->ok);
	assert_string_equal(f->error, "readiness: disk is Outdated, not UpToDate");

	/* shared storage: only the agent is asked */
	f->finished = false;
	set_file(f, "exit.meta", "5");
	unlink(f->calls);
	assert_int_equal(driver_ready(&e, config_resource(&f->cfg, "db"), on_done, f), 0);
	wait_done(f);
	assert_false(f->ok);
	assert_null(strstr(calls(f), "drbdadm"));
	assert_non_null(strstr(f->error, "readiness: exit 5"));
}

static void probe_of_an_unmounted_resource(void **state)
{
	struct fixture *f = *state;
	struct driver_env e = env_of(f);

	assert_int_equal(driver_probe(&e, config_resource(&f->cfg, "web"), on_facts, f), 0);
	wait_done(f);
	assert_string_equal(f->fact.name, "web");
	assert_int_equal(f->fact.role, ROLE_SECONDARY);
	assert_int_equal(f->fact.mounted, 0);
	assert_int_equal(f->fact.running, 0);
	/* no filesystem, no workload: the agent is not even asked */
	assert_null(strstr(calls(f), "agent monitor"));
}

static void failed_start_undoes_what_it_did(void **state)
{
	struct fixture *f = *state;
	struct driver_env e = env_of(f);
	const char *c, *primary, *secondary;

	if (geteuid() != 0)
		skip();   /* mount(8) as non-root fails differently */
	assert_int_equal(driver_start(&e, config_resource(&f->cfg, "web"), on_done, f), 0);
	wait_done(f);
	assert_false(f->ok);
	assert_non_null(strstr(f->error, "mount: exit"));
	c = calls(f);
	primary = strstr(c, "drbdadm primary r0");
	secondary = strstr(c, "drbdadm secondary r0");
	assert_non_null(primary);
	assert_non_null(secondary);            /* promoted, so demoted again */
	assert_true(secondary > primary);
	assert_null(strstr(c, "agent start"));  /* never got that far */
}

static void refuses_to_promote_an_outdated_disk(void **state)
{
	struct fixture *f = *state;
	struct driver_env e = env_of(f);

	set_file(f, "dstate", "Inconsistent/UpToDate\n");
	assert_int_equal(driver_start(&e, config_resource(&f->cfg, "web"), on_done, f), 0);
	wait_done(f);
	assert_false(f->ok);
	assert_string_equal(f->error, "check disk: disk is Inconsistent, not UpToDate: refusing to promote");
	assert_null(strstr(calls(f), "drbdadm primary"));
}

/* ---- the halves of a live migration, on a real loop-mounted ext4 ---------- */

static bool vm_mounted(struct fixture *f)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "grep -q ' %s/mnt3 ' /proc/self/mounts", f->dir);
	return system(cmd) == 0;
}

static char *marker(struct fixture *f, const char *name)
{
	static char buf[128];
	char path[256];
	FILE *fp;
	size_t n;
	snprintf(path, sizeof(path), "%s/mnt3/.handoff/dump/%s", f->dir, name);
	fp = fopen(path, "r");
	if (!fp)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return buf;
}

/* the fs mounted, as on a source whose workload runs */
static int setup_mounted(void **state)
{
	struct fixture *f;
	char cmd[512];

	if (geteuid() != 0 || system("command -v mkfs.ext4 >/dev/null") != 0)
		return setup(state);     /* the tests skip themselves */
	setup(state);
	f = *state;
	snprintf(cmd, sizeof(cmd), "truncate -s 16M %s/fs.img && mkfs.ext4 -q -F %s/fs.img && "
		 "mkdir %s/mnt3 && mount -o loop %s/fs.img %s/mnt3", f->dir, f->dir, f->dir, f->dir,
		 f->dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int teardown_mounted(void **state)
{
	struct fixture *f = *state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "umount %s/mnt3 2>/dev/null; true", f->dir);
	assert_int_equal(system(cmd), 0);
	return teardown(state);
}

/* The id of the migration of EPOCH in these tests (the rsm has it from
 * the target's PREPARED). */
static void test_id(uint64_t epoch, uint8_t id[WIRE_ID_LEN])
{
	memset(id, 0xc3, WIRE_ID_LEN);
	id[0] = (uint8_t)epoch;
}

/* A marker as the driver writes it: "epoch E id HEX node N". */
static const char *marker_text(uint64_t epoch, uint32_t node)
{
	static char buf[128];
	uint8_t id[WIRE_ID_LEN];
	char hex[2 * WIRE_ID_LEN + 1];

	test_id(epoch, id);
	wire_id_hex(id, hex);
	snprintf(buf, sizeof(buf), "epoch %llu id %s node %u\n", (unsigned long long)epoch, hex,
		 node);
	return buf;
}

typedef int (*half_fn)(const struct driver_env *, const struct resource_conf *,
		       const struct driver_migration *, driver_migrate_fn, void *);

/* HALF of "vm" on NODE for the dump of EPOCH with the id of the migration
 * of ID_EPOCH (BACK: the node that handed it back, or 0) */
static void run_half(struct fixture *f, half_fn half, uint64_t epoch, uint64_t id_epoch,
		     uint32_t node, uint32_t back)
{
	struct driver_env e = env_of(f);
	struct driver_migration m = { .epoch = epoch, .nodeid = node, .take_back_from = back };

	test_id(id_epoch, m.id);
	f->finished = false;
	unlink(f->calls);
	assert_int_equal(half(&e, config_resource(&f->cfg, "vm"), &m, on_migrated, f), 0);
	wait_done(f);
}

static void migrate(struct fixture *f, bool release, uint64_t epoch, uint32_t node,
		    uint32_t back)
{
	run_half(f, release ? driver_release : driver_acquire, epoch, epoch, node, back);
}

/* This node (2) takes "vm" over after a failover decision of EPOCH. */
static void fail_over(struct fixture *f, uint64_t epoch)
{
	run_half(f, driver_fail_over, epoch, epoch, 2, 0);
}

#define NEED_ROOT() do { if (geteuid() != 0) skip(); } while (0)

static void release_then_acquire(void **state)
{
	struct fixture *f = *state;
	const char *c;
	char cmd[256];

	NEED_ROOT();
	migrate(f, true, 7, 1, 0);
	assert_true(f->ok);
	c = calls(f);
	assert_non_null(strstr(c, "agent dump"));
	assert_true(strstr(c, "agent dump") < strstr(c, "drbdadm secondary r1"));
	assert_false(vm_mounted(f));
	assert_true(f->times.dump_ms + f->times.umount_ms + f->times.demote_ms > 0);

	/* the target: promote, mount, markers, restore */
	migrate(f, false, 7, 2, 0);
	assert_true(f->ok);
	assert_string_equal(marker(f, "complete"), marker_text(7, 1));
	assert_string_equal(marker(f, "consumed"), marker_text(7, 2));
	c = calls(f);
	assert_true(strstr(c, "drbdadm primary r1") < strstr(c, "agent restore"));
	assert_true(vm_mounted(f));

	/* S3: the same dump never twice; the target lets go again (this
	 * machine plays every node: node 2 lets go of the mount first) */
	snprintf(cmd, sizeof(cmd), "umount %s/mnt3", f->dir);
	assert_int_equal(system(cmd), 0);
	migrate(f, false, 7, 3, 0);
	assert_false(f->ok);
	assert_true(f->rolled_back);
	assert_non_null(strstr(f->error, "dump check: "));
	assert_non_null(strstr(f->error, "restored already (by node 2, epoch 7)"));
	assert_null(strstr(calls(f), "agent restore"));
	assert_non_null(strstr(calls(f), "drbdadm secondary r1"));
	assert_false(vm_mounted(f));

	/* a dump of another epoch is refused too */
	migrate(f, false, 8, 3, 0);
	assert_false(f->ok);
	assert_non_null(strstr(f->error, "is of epoch 7, not 8"));

	/* S3: node 2 restored it, so not even its source may take it back
	 * (a failed restore removes its marker: see the test below) */
	migrate(f, false, 7, 1, 2);
	assert_false(f->ok);
	assert_non_null(strstr(f->error, "restored already (by node 2, epoch 7)"));
	assert_null(strstr(calls(f), "agent restore"));
}

static void release_with_failing_dump_keeps_running(void **state)
{
	struct fixture *f = *state;

	NEED_ROOT();
	set_file(f, "exit.dump", "1");
	migrate(f, true, 3, 1, 0);
	assert_false(f->ok);
	assert_true(f->rolled_back);
	assert_non_null(strstr(f->error, "dump: exit 1: agent says no to dump"));
	assert_null(strstr(calls(f), "agent restore"));   /* it never stopped */
	assert_null(strstr(calls(f), "drbdadm"));
	assert_true(vm_mounted(f));
	assert_null(marker(f, "complete"));
}

static void release_with_busy_umount_names_holders_and_restores(void **state)
{
	struct fixture *f = *state;
	char cmd[256];
	const char *c;
	pid_t pid;

	NEED_ROOT();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		snprintf(cmd, sizeof(cmd), "%s/mnt3", f->dir);
		if (chdir(cmd) == 0)
			execlp("sleep", "sleep", "30", (char *)NULL);
		_exit(1);
	}
	usleep(200 * 1000);
	migrate(f, true, 4, 1, 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_false(f->ok);
	assert_true(f->rolled_back);
	snprintf(cmd, sizeof(cmd), "held by pid %d (sleep)", (int)pid);
	assert_non_null(strstr(f->error, "umount: "));
	assert_non_null(strstr(f->error, cmd));
	c = calls(f);
	assert_true(strstr(c, "agent dump") < strstr(c, "agent restore"));
	assert_null(strstr(c, "drbdadm secondary"));
	/* the dump the source took back is spent: no failover may restore it */
	assert_string_equal(marker(f, "consumed"), marker_text(4, 1));
	assert_true(vm_mounted(f));
}

static void release_with_failing_demote_mounts_and_restores(void **state)
{
	struct fixture *f = *state;
	const char *c;

	NEED_ROOT();
	set_file(f, "drbd.exit.secondary", "11");
	migrate(f, true, 5, 1, 0);
	assert_false(f->ok);
	assert_true(f->rolled_back);
	assert_non_null(strstr(f->error, "demote: "));
	c = calls(f);
	assert_true(strstr(c, "drbdadm secondary r1") < strstr(c, "agent restore"));
	assert_true(vm_mounted(f));
	assert_string_equal(marker(f, "consumed"), marker_text(5, 1));
}

static void acquire_with_failing_restore_hands_back(void **state)
{
	struct fixture *f = *state;
	const char *c;

	NEED_ROOT();
	migrate(f, true, 6, 1, 0);
	assert_true(f->ok);
	set_file(f, "exit.restore", "1");
	migrate(f, false, 6, 2, 0);
	assert_false(f->ok);
	assert_true(f->rolled_back);
	assert_non_null(strstr(f->error, "restore: exit 1"));
	c = calls(f);
	assert_true(strstr(c, "agent restore") < strstr(c, "drbdadm secondary r1"));
	assert_false(vm_mounted(f));
	/* nothing ran from the dump: the undo removed node 2's consumed marker,
	 * so the source takes it back (the dump check accepts no marker at all) */
	unlink(f->calls);
	set_file(f, "exit.restore", "0");
	migrate(f, false, 6, 1, 0);
	assert_true(f->ok);
	assert_true(vm_mounted(f));
	assert_string_equal(marker(f, "consumed"), marker_text(6, 1));
}

/* S4 at each step (doc/protocol.md, rule 7): quorum lost while the target's
 * sequence runs: it promotes nothing, even with quorum back by then */
static uint64_t losses;
static void lose_quorum(void *data)
{
	(void)data;
	losses++;
}

static void acquire_stops_when_quorum_was_lost(void **state)
{
	struct fixture *f = *state;
	struct driver_env e = env_of(f);
	struct driver_migration m = { .epoch = 9, .nodeid = 2 };

	NEED_ROOT();
	test_id(9, m.id);
	migrate(f, true, 9, 1, 0);
	assert_true(f->ok);
	losses = 3;     /* losses long ago */
	e.quorum_losses = &losses;
	f->finished = false;
	unlink(f->calls);
	/* the loss arrives while the disk check (the first step) runs */
	assert_int_equal(qb_loop_job_add(f->loop, QB_LOOP_HIGH, NULL, lose_quorum), 0);
	assert_int_equal(driver_acquire(&e, config_resource(&f->cfg, "vm"), &m, on_migrated, f), 0);
	wait_done(f);
	assert_false(f->ok);
	assert_non_null(strstr(f->error, "promote: quorum was lost since this step sequence began"));
	assert_null(strstr(calls(f), "drbdadm primary"));
	assert_false(vm_mounted(f));
	/* losses before a sequence began do not matter */
	f->finished = false;
	assert_int_equal(driver_acquire(&e, config_resource(&f->cfg, "vm"), &m, on_migrated, f), 0);
	wait_done(f);
	assert_true(f->ok);
	assert_true(vm_mounted(f));
}

/* A start whose last step ends after quorum was lost is no success: it
 * undoes itself (S1, S2, S4). */
static void start_that_ends_after_quorum_loss_is_undone(void **state)
{
	struct fixture *f = *state;
	struct driver_env e = env_of(f);
	const char *c;

	NEED_ROOT();
	losses = 0;
	e.quorum_losses = &losses;
	set_file(f, "sleep.start", "1");
	unlink(f->calls);
	assert_int_equal(driver_start(&e, config_resource(&f->cfg, "vm"), on_done, f), 0);
	/* the loss arrives while the agent's start (the last step) runs */
	assert_int_equal(qb_loop_timer_add(f->loop, QB_LOOP_HIGH, 300 * 1000000ULL, NULL,
					   lose_quorum, NULL), 0);
	wait_done(f);
	assert_false(f->ok);
	assert_non_null(strstr(f->error, "start: quorum was lost before it ended (S4)"));
	c = calls(f);
	assert_non_null(strstr(c, "agent start woke"));
	assert_true(strstr(c, "agent start") < strstr(c, "agent stop"));
	assert_non_null(strstr(c, "drbdadm secondary r1"));
}

static void stop_loop(void *loop)
{
	qb_loop_stop(loop);
}

/* A loop job that cancels everything, as a self-fence does. */
static size_t n_cancelled;
static void cancel_everything(void *data)
{
	(void)data;
	n_cancelled = driver_cancel_all("quorum lost");
}

static void cancel_kills_the_running_step_and_undoes_nothing(void **state)
{
	struct fixture *f = *state;
	struct driver_env e = env_of(f);
	qb_loop_timer_handle t;

	set_file(f, "sleep.restore", "1");
	n_cancelled = 0;
	assert_int_equal(driver_restore(&e, config_resource(&f->cfg, "web"), "epoch-3", on_done, f), 0);
	assert_int_equal(driver_busy(), 1);
	assert_int_equal(qb_loop_timer_add(f->loop, QB_LOOP_HIGH, 300 * 1000000ULL, NULL,
					   cancel_everything, NULL), 0);
	wait_done(f);
	assert_int_equal(n_cancelled, 1);
	assert_false(f->ok);
	assert_string_equal(f->error, "cancelled: quorum lost");
	/* its process group is gone: the agent never wakes up */
	assert_int_equal(qb_loop_timer_add(f->loop, QB_LOOP_LOW, 1500 * 1000000ULL, f->loop,
					   stop_loop, &t), 0);
	qb_loop_run(f->loop);
	assert_null(strstr(calls(f), "agent restore woke"));
	assert_null(strstr(calls(f), "agent stop"));
	assert_int_equal(driver_busy(), 0);
	/* nothing left to cancel */
	assert_int_equal(driver_cancel_all("quorum lost"), 0);
}

/* The self-fence's stop kills what holds the filesystem and unmounts;
 * a plain stop does not (it names the holders and fails). */
static void fence_stop_kills_the_holders(void **state)
{
	struct fixture *f = *state;
	struct driver_env e = env_of(f);
	char dir[128];
	int status;
	pid_t pid;

	NEED_ROOT();
	snprintf(dir, sizeof(dir), "%s/mnt3", f->dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (chdir(dir) == 0)
			execlp("sleep", "sleep", "30", (char *)NULL);
		_exit(1);
	}
	usleep(200 * 1000);
	assert_int_equal(driver_stop(&e, config_resource(&f->cfg, "vm"), on_done, f), 0);
	wait_done(f);
	assert_false(f->ok);
	assert_non_null(strstr(f->error, "umount: "));
	assert_true(vm_mounted(f));
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);

	f->finished = false;
	assert_int_equal(driver_fence_stop(&e, config_resource(&f->cfg, "vm"), on_done, f), 0);
	wait_done(f);
	assert_true(f->ok);
	assert_false(vm_mounted(f));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_non_null(strstr(calls(f), "drbdadm secondary r1"));
}

/* rule 12 (doc/protocol.md): a failover's promote that DRBD refuses because
 * a connected peer is still Primary is tried again until self_fence_timeout */
static struct fixture *peer_fixture;
static void peer_lets_go(void *data)
{
	char path[256];
	(void)data;
	snprintf(path, sizeof(path), "%s/drbd.exit.primary", peer_fixture->dir);
	unlink(path);
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* DRBD refuses the promote: a connected peer is Primary */
static void peer_stays_primary(struct fixture *f)
{
	set_file(f, "drbd.exit.primary", "11");
	set_file(f, "drbd.err.primary", "State change failed: (-1) Multiple primaries not allowed by config\n");
}

static void failover_waits_for_a_peer_letting_go(void **state)
{
	struct fixture *f = *state;
	qb_loop_timer_handle t;

	NEED_ROOT();
	migrate(f, true, 12, 1, 0);
	assert_true(f->ok);
	peer_stays_primary(f);
	f->cfg.self_fence_timeout_ms = 5000;
	peer_fixture = f;
	assert_int_equal(qb_loop_timer_add(f->loop, QB_LOOP_HIGH, 1200 * 1000000ULL, NULL,
					   peer_lets_go, &t), 0);
	fail_over(f, 12);
	assert_true(f->ok);
	assert_true(count_of(calls(f), "drbdadm primary r1") >= 2);
	assert_non_null(strstr(calls(f), "agent restore"));
	assert_true(vm_mounted(f));
}

static void failover_gives_up_on_a_peer_that_stays_primary(void **state)
{
	struct fixture *f = *state;

	NEED_ROOT();
	migrate(f, true, 13, 1, 0);
	assert_true(f->ok);
	peer_stays_primary(f);
	f->cfg.self_fence_timeout_ms = 1200;
	fail_over(f, 13);
	assert_false(f->ok);
	assert_non_null(strstr(f->error, "Multiple primaries"));
	assert_true(count_of(calls(f), "drbdadm primary r1") >= 2);
	assert_null(strstr(calls(f), "agent restore"));
	assert_false(vm_mounted(f));
}

/* A failover waiting to retry its promote is cancelled too: its retry
 * timer goes, nothing more runs (S1). */
static void cancel_drops_a_pending_retry(void **state)
{
	struct fixture *f = *state;
	struct driver_env e = env_of(f);
	struct driver_migration m = { .epoch = 14, .nodeid = 2 };
	qb_loop_timer_handle t;
	size_t promotes;

	NEED_ROOT();
	migrate(f, true, 14, 1, 0);
	assert_true(f->ok);
	peer_stays_primary(f);
	f->cfg.self_fence_timeout_ms = 30000;
	f->finished = false;
	unlink(f->calls);
	n_cancelled = 0;
	assert_int_equal(driver_fail_over(&e, config_resource(&f->cfg, "vm"), &m, on_migrated, f), 0);
	assert_int_equal(qb_loop_timer_add(f->loop, QB_LOOP_HIGH, 1200 * 1000000ULL, NULL,
					   cancel_everything, NULL), 0);
	wait_done(f);
	assert_int_equal(n_cancelled, 1);
	assert_false(f->ok);
	assert_false(f->rolled_back);
	assert_non_null(strstr(f->error, "cancelled: quorum lost"));
	promotes = count_of(calls(f), "drbdadm primary r1");
	assert_true(promotes >= 1);
	/* the loop runs on: no retry fires */
	assert_int_equal(qb_loop_timer_add(f->loop, QB_LOOP_LOW, 1200 * 1000000ULL, f->loop,
					   stop_loop, &t), 0);
	qb_loop_run(f->loop);
	assert_int_equal(count_of(calls(f), "drbdadm primary r1"), promotes);
	assert_int_equal(driver_busy(), 0);
}

/* still_wanted: yes for the first promote, no from then on (a merge
 * gave the resource elsewhere while the promote waited to be retried) */
static int wanted_calls;
static bool wanted_once(void *ctx)
{
	(void)ctx;
	return wanted_calls++ == 0;
}

/*
 * The model's STALE_FAILOVER: a failover retried its promote for up to
 * self_fence_timeout and asked whether it was still this node's only
 * before it began, so once the other node let go it promoted and started
 * the workload beside a table that said otherwise.  Now it asks before
 * each step that takes the resource: no second promote, nothing mounted.
 */
static void a_failover_no_longer_wanted_stops_retrying(void **state)
{
	struct fixture *f = *state;
	struct driver_env e = env_of(f);
	struct driver_migration m = { .epoch = 15, .nodeid = 2, .still_wanted = wanted_once };

	NEED_ROOT();
	migrate(f, true, 15, 1, 0);
	assert_true(f->ok);
	peer_stays_primary(f);
	f->cfg.self_fence_timeout_ms = 5000;
	f->finished = false;
	unlink(f->calls);
	wanted_calls = 0;
	assert_int_equal(driver_fail_over(&e, config_resource(&f->cfg, "vm"), &m, on_migrated, f), 0);
	wait_done(f);
	assert_false(f->ok);
	assert_non_null(strstr(f->error, "the table no longer gives it to this node"));
	assert_int_equal(count_of(calls(f), "drbdadm primary r1"), 1);
	assert_int_equal(wanted_calls, 2);
	assert_null(strstr(calls(f), "agent restore"));
	assert_false(vm_mounted(f));
	assert_int_equal(driver_busy(), 0);
}

static void resync_ends(void *data)
{
	(void)data;
	set_file(peer_fixture, "dstate", "UpToDate/UpToDate\n");
}

/* rule 12: a disk that a connected UpToDate peer is resyncing is waited for */
static void acquire_waits_for_a_resync(void **state)
{
	struct fixture *f = *state;
	qb_loop_timer_handle t;

	NEED_ROOT();
	migrate(f, true, 14, 1, 0);
	assert_true(f->ok);
	set_file(f, "dstate", "Inconsistent/UpToDate\n");
	peer_fixture = f;
	assert_int_equal(qb_loop_timer_add(f->loop, QB_LOOP_HIGH, 1200 * 1000000ULL, NULL,
					   resync_ends, &t), 0);
	migrate(f, false, 14, 2, 0);
	assert_true(f->ok);
	assert_true(count_of(calls(f), "drbdadm dstate r1") >= 2);
	assert_true(strstr(calls(f), "drbdadm primary r1") > strstr(calls(f), "drbdadm dstate r1"));
	assert_non_null(strstr(calls(f), "agent restore"));
	assert_true(vm_mounted(f));
}

static void failover_gives_up_on_a_resync_that_does_not_end(void **state)
{
	struct fixture *f = *state;
	struct resource_conf *vm = (struct resource_conf *)config_resource(&f->cfg, "vm");

	NEED_ROOT();
	migrate(f, true, 15, 1, 0);
	assert_true(f->ok);
	set_file(f, "dstate", "Inconsistent/UpToDate\n");
	vm->timeout_ms[OP_PROMOTE] = 1200;
	fail_over(f, 15);
	assert_false(f->ok);
	assert_non_null(strstr(f->error, "the resync did not end within timeout_promote"));
	assert_true(count_of(calls(f), "drbdadm dstate r1") >= 2);
	assert_null(strstr(calls(f), "drbdadm primary r1"));
	assert_false(vm_mounted(f));
}

/* without a connected UpToDate peer nothing will bring the disk up to date */
static void acquire_does_not_wait_without_an_uptodate_peer(void **state)
{
	struct fixture *f = *state;

	NEED_ROOT();
	migrate(f, true, 16, 1, 0);
	assert_true(f->ok);
	set_file(f, "dstate", "Inconsistent/DUnknown\n");
	migrate(f, false, 16, 2, 0);
	assert_false(f->ok);
	assert_string_equal(f->error, "check disk: disk is Inconsistent, not UpToDate: "
			    "refusing to promote");
	assert_int_equal(count_of(calls(f), "drbdadm dstate r1"), 1);
	assert_null(strstr(calls(f), "drbdadm primary r1"));
}

/* ---- S3: a dump is restored only for the migration the table names -------- */

static bool dump_dir_exists(struct fixture *f)
{
	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "%s/mnt3/.handoff/dump", f->dir);
	return stat(path, &st) == 0;
}

/* acquire (or, with FAILOVER, fail over) vm on node 2 for the dump of
 * EPOCH with the id of the migration of ID_EPOCH */
static void acquire_as(struct fixture *f, bool failover, uint64_t epoch, uint64_t id_epoch)
{
	run_half(f, failover ? driver_fail_over : driver_acquire, epoch, id_epoch, 2, 0);
}

static void acquire_refuses_another_migrations_dump(void **state)
{
	struct fixture *f = *state;
	char path[512];

	NEED_ROOT();
	migrate(f, true, 20, 1, 0);
	assert_true(f->ok);
	/* the right epoch, another id: an earlier life of the cluster wrote it */
	acquire_as(f, false, 20, 99);
	assert_false(f->ok);
	assert_true(f->rolled_back);
	assert_non_null(strstr(f->error, "dump check: "));
	assert_non_null(strstr(f->error, "of epoch 20 but of another migration"));
	assert_null(strstr(calls(f), "agent restore"));
	assert_null(marker(f, "consumed"));
	assert_false(vm_mounted(f));

	/* a complete marker with no id at all (an older handoff's) names no
	 * migration either */
	snprintf(path, sizeof(path), "mount -o loop %s/fs.img %s/mnt3 && "
		 "echo 'epoch 20 node 1' >%s/mnt3/.handoff/dump/complete && umount %s/mnt3",
		 f->dir, f->dir, f->dir, f->dir);
	assert_int_equal(system(path), 0);
	acquire_as(f, false, 20, 20);
	assert_false(f->ok);
	assert_non_null(strstr(f->error, "another migration"));
	assert_null(strstr(calls(f), "agent restore"));

	/* a table that names no dump restores none */
	acquire_as(f, false, 0, 0);
	assert_false(f->ok);
	assert_non_null(strstr(f->error, "the table names no dump"));
}

static void failover_starts_cold_and_removes_a_dump_of_another_migration(void **state)
{
	struct fixture *f = *state;

	NEED_ROOT();
	migrate(f, true, 21, 1, 0);
	assert_true(f->ok);
	acquire_as(f, true, 21, 77);
	assert_true(f->ok);
	assert_true(f->times.cold_start);
	assert_non_null(strstr(f->times.why_cold, "another migration"));
	assert_null(strstr(calls(f), "agent restore"));
	assert_non_null(strstr(calls(f), "agent start"));
	/* the dump it did not use is gone: no later failover may take it */
	assert_false(dump_dir_exists(f));
	assert_true(vm_mounted(f));
}

static void start_removes_a_stale_dump(void **state)
{
	struct fixture *f = *state;
	struct driver_env e = env_of(f);
	char cmd[512];

	NEED_ROOT();
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/mnt3/.handoff/dump && echo image "
		 ">%s/mnt3/.handoff/dump/image && echo 'epoch 3 id %032d node 1' "
		 ">%s/mnt3/.handoff/dump/complete", f->dir, f->dir, 7, f->dir);
	assert_int_equal(system(cmd), 0);
	assert_true(dump_dir_exists(f));
	assert_int_equal(driver_start(&e, config_resource(&f->cfg, "vm"), on_done, f), 0);
	wait_done(f);
	assert_true(f->ok);
	assert_non_null(strstr(calls(f), "agent start"));
	assert_false(dump_dir_exists(f));
}

/* A workload that made the dump directory a link to somewhere off its
 * filesystem: the release refuses it before the agent dumps, names the
 * link, and the workload runs on (the old rm -rf, mkdir -p and markers
 * followed it, as root). */
static void release_refuses_a_symlinked_dump_dir(void **state)
{
	struct fixture *f = *state;
	char cmd[1024];

	NEED_ROOT();
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/outside/dump && echo keep >%s/outside/dump/precious "
		 "&& ln -s %s/outside %s/mnt3/.handoff", f->dir, f->dir, f->dir, f->dir);
	assert_int_equal(system(cmd), 0);
	migrate(f, true, 30, 1, 0);
	assert_false(f->ok);
	assert_true(f->rolled_back);
	assert_non_null(strstr(f->error, "dump directory: exit 1: "));
	assert_non_null(strstr(f->error, "/mnt3/.handoff is a symbolic link, not a directory: "
			       "refusing to follow it"));
	assert_null(strstr(calls(f), "agent dump"));
	assert_true(vm_mounted(f));
	snprintf(cmd, sizeof(cmd), "grep -qx keep %s/outside/dump/precious && "
		 "test ! -e %s/outside/dump/complete", f->dir, f->dir);
	assert_int_equal(system(cmd), 0);
	/* a failover finds no dump there to restore and starts cold; the
	 * removal refuses the link too, so nothing runs */
	fail_over(f, 30);
	assert_false(f->ok);
	assert_non_null(strstr(f->error, "dump removal: exit 1: "));
	assert_non_null(strstr(f->error, "is a symbolic link"));
	assert_null(strstr(calls(f), "agent start"));
	assert_int_equal(system(cmd), 0);
}

/* A start on a filesystem whose root others may write: its agent would
 * find its own files under dump_dir by path, which the workload could
 * swap for a link, so it is refused, saying why, and undone. */
static void start_refuses_a_root_others_may_write(void **state)
{
	struct fixture *f = *state;
	struct driver_env e = env_of(f);
	char path[256];

	NEED_ROOT();
	snprintf(path, sizeof(path), "%s/mnt3", f->dir);
	assert_int_equal(chmod(path, 0777), 0);
	assert_int_equal(driver_start(&e, config_resource(&f->cfg, "vm"), on_done, f), 0);
	wait_done(f);
	assert_false(f->ok);
	assert_non_null(strstr(f->error, "dump removal: exit 1: "));
	assert_non_null(strstr(f->error, "(the filesystem's root) is owned by uid 0, mode 0777: "
			       "only root may write there"));
	assert_null(strstr(calls(f), "agent start"));
	assert_non_null(strstr(calls(f), "drbdadm secondary r1"));   /* undone */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(acquire_refuses_another_migrations_dump,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(failover_starts_cold_and_removes_a_dump_of_another_migration,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(start_removes_a_stale_dump, setup_mounted,
						teardown_mounted),
		cmocka_unit_test_setup_teardown(dump_and_restore_run_the_agent, setup, teardown),
		cmocka_unit_test_setup_teardown(readiness, setup, teardown),
		cmocka_unit_test_setup_teardown(probe_of_an_unmounted_resource, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_start_undoes_what_it_did, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_to_promote_an_outdated_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(release_then_acquire, setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(release_with_failing_dump_keeps_running,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(release_with_busy_umount_names_holders_and_restores,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(release_with_failing_demote_mounts_and_restores,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(acquire_with_failing_restore_hands_back,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(acquire_stops_when_quorum_was_lost,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(start_that_ends_after_quorum_loss_is_undone,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(cancel_kills_the_running_step_and_undoes_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(fence_stop_kills_the_holders,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(failover_waits_for_a_peer_letting_go,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(acquire_waits_for_a_resync,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(failover_gives_up_on_a_resync_that_does_not_end,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(acquire_does_not_wait_without_an_uptodate_peer,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(cancel_drops_a_pending_retry,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(a_failover_no_longer_wanted_stops_retrying,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(failover_gives_up_on_a_peer_that_stays_primary,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(release_refuses_a_symlinked_dump_dir,
						setup_mounted, teardown_mounted),
		cmocka_unit_test_setup_teardown(start_refuses_a_root_others_may_write,
						setup_mounted, teardown_mounted),
	};
	return cmocka_run_group_tests_name("driver", tests, NULL, NULL);
}
