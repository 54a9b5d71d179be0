/*
 * The local state file (plugin/local_state.h): a round trip, an atomic
 * rewrite, and every kind of broken or hostile file refused whole with a
 * reason, never half-used and never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin/local_state.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/handoff-state-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	/* the state directory itself is created by the first save */
	snprintf(f->path, sizeof(f->path), "%s/lib/%s", f->dir, LOCAL_STATE_FILE);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void write_file(struct fixture *f, const char *text, size_t len)
{
	char dir[128];
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s/lib", f->dir);
	mkdir(dir, 0700);
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	fclose(fp);
}

static void expect_refused(struct fixture *f, const char *text, const char *reason)
{
	struct local_state st;
	char why[256] = "";

	memset(&st, 0x5a, sizeof(st));
	write_file(f, text, strlen(text));
	if (local_state_load(f->path, &st, why, sizeof(why)) != -1)
		fail_msg("accepted a file that should fail with '%s'", reason);
	if (!strstr(why, reason))
		fail_msg("reason '%s' lacks '%s'", why, reason);
	assert_null(st.res);
	assert_null(st.hist);
	assert_null(st.fail);
	assert_null(st.maint);
	assert_int_equal(st.n_res + st.n_nodes + st.n_hist + st.n_fail + st.n_maint, 0);
}



static const struct local_entry SAMPLE[2] = {
	{ .name = "web", .epoch = 12, .dump_epoch = 11,
	  .dump_id = { 0x01, 0x23, [14] = 0xfe, [15] = 0xdc } },
	{ .name = "db.main-2", .epoch = UINT64_MAX, .dump_epoch = 0 },
};

static const struct rsm_history HIST[3] = {
	{ .seq = 7, .kind = HIST_MIGRATION, .resource = "web", .epoch = 12, .source = 1,
	  .target = 2, .ok = true, .result = "migrated", .ms = { 1, 2, 3, 4, 5, 6, UINT32_MAX } },
	/* a result with spaces, a percent sign and a byte past ASCII; no resource */
	{ .seq = 9, .kind = HIST_FENCE_CONFIRM, .source = 3, .target = 2, .ok = true,
	  .result = "node 2 confirmed down: 100% \xc3\xa9" },
	/* a resource named "-" is not the empty name */
	{ .seq = UINT64_MAX, .kind = HIST_FAILOVER, .resource = "-", .epoch = 1, .source = 2,
	  .target = 0, .ok = false, .result = "-" },
};

/* V holds two resources, the first SAMPLE's web */
static void assert_sample_web(const struct local_state *v)
{
	assert_int_equal(v->n_res, 2);
	assert_string_equal(v->res[0].name, "web");
	assert_int_equal(v->res[0].epoch, 12);
	assert_int_equal(v->res[0].dump_epoch, 11);
	assert_memory_equal(v->res[0].dump_id, SAMPLE[0].dump_id, WIRE_ID_LEN);
}

static const struct local_fail FAILS[2] = {
	{ .name = "web", .fail_count = 2, .reloc_count = 1, .last_fail_ms = 1800000000123ull,
	  .last_fail = "storage on node 1: disk 100% Diskless" },
	{ .name = "db.main-2", .fail_count = UINT16_MAX, .reloc_count = UINT16_MAX,
	  .last_fail_ms = UINT64_MAX, .last_fail = "" },
};

static const struct local_maint MAINT[3] = {
	{ .scope = MAINT_CLUSTER, .on = 0, .gen = UINT64_MAX },
	{ .scope = MAINT_NODE, .nodeid = 3, .on = 1, .gen = 2 },
	{ .scope = MAINT_RESOURCE, .name = "db.main-2", .on = 1, .gen = 5 },
};

static struct local_state sample(bool admin)
{
	struct local_state st = { .res = (struct local_entry *)SAMPLE, .n_res = 2 };

	if (admin) {
		st.nodes[0] = (struct local_node){ 2, 1, 4 };
		st.nodes[1] = (struct local_node){ UINT32_MAX, 0, UINT64_MAX };
		st.n_nodes = 2;
		st.hist = (struct rsm_history *)HIST;
		st.n_hist = 3;
		st.fail = (struct local_fail *)FAILS;
		st.n_fail = 2;
		st.maint = (struct local_maint *)MAINT;
		st.n_maint = 3;
	}
	return st;
}

static void round_trip(void **state)
{
	struct fixture *f = *state;
	struct local_state in = sample(true), v;
	char why[256];
	struct stat st;

	/* no file yet: a first start */
	assert_int_equal(local_state_load(f->path, &v, why, sizeof(why)), 1);
	assert_int_equal(v.n_res + v.n_nodes + v.n_hist, 0);
	assert_int_equal(local_state_save(f->path, &in, why, sizeof(why)), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(local_state_load(f->path, &v, why, sizeof(why)), 0);
	assert_sample_web(&v);
	assert_string_equal(v.res[1].name, "db.main-2");
	assert_true(v.res[1].epoch == UINT64_MAX);
	/* the admin state: standby records and history, field by field */
	assert_int_equal(v.n_nodes, 2);
	assert_int_equal(v.nodes[0].nodeid, 2);
	assert_int_equal(v.nodes[0].standby, 1);
	assert_int_equal(v.nodes[0].standby_gen, 4);
	assert_true(v.nodes[1].nodeid == UINT32_MAX && v.nodes[1].standby == 0 &&
		    v.nodes[1].standby_gen == UINT64_MAX);
	assert_int_equal(v.n_hist, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_true(v.hist[i].seq == HIST[i].seq);
		assert_int_equal(v.hist[i].kind, HIST[i].kind);
		assert_string_equal(v.hist[i].resource, HIST[i].resource);
		assert_true(v.hist[i].epoch == HIST[i].epoch);
		assert_int_equal(v.hist[i].source, HIST[i].source);
		assert_int_equal(v.hist[i].target, HIST[i].target);
		assert_int_equal(v.hist[i].ok, HIST[i].ok);
		assert_string_equal(v.hist[i].result, HIST[i].result);
		assert_memory_equal(v.hist[i].ms, HIST[i].ms, sizeof(HIST[i].ms));
	}
	/* the recovery policy's counts (version 3, rule 32) */
	assert_int_equal(v.n_fail, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(v.fail[i].name, FAILS[i].name);
		assert_int_equal(v.fail[i].fail_count, FAILS[i].fail_count);
		assert_int_equal(v.fail[i].reloc_count, FAILS[i].reloc_count);
		assert_true(v.fail[i].last_fail_ms == FAILS[i].last_fail_ms);
		assert_string_equal(v.fail[i].last_fail, FAILS[i].last_fail);
	}
	/* format 3: the maintenance of the cluster, a node and a resource */
	assert_int_equal(v.n_maint, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(v.maint[i].scope, MAINT[i].scope);
		assert_int_equal(v.maint[i].nodeid, MAINT[i].nodeid);
		assert_string_equal(v.maint[i].name, MAINT[i].name);
		assert_int_equal(v.maint[i].on, MAINT[i].on);
		assert_true(v.maint[i].gen == MAINT[i].gen);
	}
	local_state_free(&v);

	/* rewritten whole, and no temporary file is left behind */
	in = sample(false);
	in.res++;
	in.n_res = 1;
	assert_int_equal(local_state_save(f->path, &in, why, sizeof(why)), 0);
	assert_int_equal(local_state_load(f->path, &v, why, sizeof(why)), 0);
	assert_int_equal(v.n_res, 1);
	assert_int_equal(v.n_nodes + v.n_hist, 0);
	assert_string_equal(v.res[0].name, "db.main-2");
	local_state_free(&v);
	{
		char tmp[160];
		snprintf(tmp, sizeof(tmp), "%s.new", f->path);
		assert_int_not_equal(access(tmp, F_OK), 0);
	}
	/* nothing at all is a valid file too */
	memset(&in, 0, sizeof(in));
	assert_int_equal(local_state_save(f->path, &in, why, sizeof(why)), 0);
	assert_int_equal(local_state_load(f->path, &v, why, sizeof(why)), 0);
	assert_int_equal(v.n_res + v.n_nodes + v.n_hist, 0);
	local_state_free(&v);
}

/* A file of version 1 (before the admin state) is still read. */
static void version_1_is_read(void **state)
{
	struct fixture *f = *state;
	struct local_state v;
	char why[256];
	static const char v1[] = "handoff-local-state 1\n"
		"res web 12 11 0123000000000000000000000000fedc\n"
		"res db 3 0 00000000000000000000000000000000\nend 2\n";

	write_file(f, v1, strlen(v1));
	assert_int_equal(local_state_load(f->path, &v, why, sizeof(why)), 0);
	assert_sample_web(&v);
	assert_int_equal(v.res[1].epoch, 3);
	assert_int_equal(v.n_nodes + v.n_hist, 0);
	local_state_free(&v);
	/* but version 1 has no node or hist lines */
	expect_refused(f, "handoff-local-state 1\nnode 2 1 1\nend 1\n", "line 2: not 'res");
	expect_refused(f, "handoff-local-state 1\nhist 1 1 1 1 2 1 0,0,0,0,0,0,0 web ok\nend 1\n",
		       "line 2: not 'res");
}

static void every_truncation_is_refused(void **state)
{
	struct fixture *f = *state;
	struct local_state v;
	char why[256], *text;
	long len;
	FILE *fp;

	struct local_state in = sample(true);

	assert_int_equal(local_state_save(f->path, &in, why, sizeof(why)), 0);
	fp = fopen(f->path, "r");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	text = malloc((size_t)len);
	assert_int_equal(fread(text, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	/* a file cut anywhere before its last newline is refused (a cut in
	 * the middle of a number would otherwise pass for a smaller one) */
	for (long cut = 0; cut < len - 1; cut++) {
		write_file(f, text, (size_t)cut);
		assert_int_equal(local_state_load(f->path, &v, why, sizeof(why)), -1);
		assert_null(v.res);
		assert_null(v.hist);
	}
	free(text);
}

static void garbage_is_refused(void **state)
{
	struct fixture *f = *state;
	char big[600];

	expect_refused(f, "", "empty");
	expect_refused(f, "hello\n", "line 1: not 'handoff-local-state 3'");
	expect_refused(f, "handoff-local-state 4\nend 0\n", "line 1");
	expect_refused(f, "handoff-local-state 1\n", "no end line");
	expect_refused(f, "handoff-local-state 1\nres web 1 1 00\nend 1\n", "line 2: a bad");
	expect_refused(f, "handoff-local-state 1\nres web 1 1\nend 1\n", "line 2: not 'res");
	expect_refused(f, "handoff-local-state 1\nres web -1 0 "
		       "00000000000000000000000000000000\nend 1\n", "line 2: a bad");
	expect_refused(f, "handoff-local-state 1\nres web 18446744073709551616 0 "
		       "00000000000000000000000000000000\nend 1\n", "line 2: a bad");
	expect_refused(f, "handoff-local-state 1\nres web 1x 0 "
		       "00000000000000000000000000000000\nend 1\n", "line 2: a bad");
	expect_refused(f, "handoff-local-state 1\nres web 1 0 "
		       "0000000000000000000000000000000g\nend 1\n", "line 2: a bad");
	expect_refused(f, "handoff-local-state 1\nres web 1 0 "
		       "00000000000000000000000000000000\nend 2\n", "counts 2 records");
	expect_refused(f, "handoff-local-state 1\nres web 1 0 00000000000000000000000000000000\n"
		       "res web 2 0 00000000000000000000000000000000\nend 2\n", "'web' twice");
	expect_refused(f, "handoff-local-state 1\nend 0\nres web 1 0 "
		       "00000000000000000000000000000000\n", "after the end line");
	expect_refused(f, "handoff-local-state 1\nres web 1 0 "
		       "00000000000000000000000000000000 extra\nend 1\n", "not 'res");
	/* a name longer than any resource's */
	memset(big, 'a', sizeof(big));
	memcpy(big, "handoff-local-state 1\nres ", 26);
	snprintf(big + 26 + 80, sizeof(big) - 106, " 1 0 00000000000000000000000000000000\nend 1\n");
	expect_refused(f, big, "line 2: a bad");
	/* a NUL inside */
	write_file(f, "handoff-local-state 1\n\0end 0\n", 29);
	{
		struct local_state v;
		char why[256];
		assert_int_equal(local_state_load(f->path, &v, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "NUL"));
	}
}

#define V2 "handoff-local-state 2\n"
#define V3 "handoff-local-state 3\n"
#define H0 "0,0,0,0,0,0,0"

/* The admin lines of version 2, each broken one way. */
static void hostile_admin_lines(void **state)
{
	struct fixture *f = *state;
	char big[200 + 64 * 60];
	size_t at;

	expect_refused(f, V2 "node 0 1 1\nend 1\n", "line 2: not 'node");
	expect_refused(f, V2 "node 2 2 1\nend 1\n", "line 2: not 'node");
	expect_refused(f, V2 "node 2 1 0\nend 1\n", "line 2: not 'node");
	expect_refused(f, V2 "node 4294967296 1 1\nend 1\n", "line 2: not 'node");
	expect_refused(f, V2 "node 2 1\nend 1\n", "line 2: not 'node");
	expect_refused(f, V2 "node 2 1 1 x\nend 1\n", "line 2: not 'node");
	expect_refused(f, V2 "node 2 1 1\nnode 2 0 2\nend 2\n", "node 2 twice");
	expect_refused(f, V2 "hist 0 1 1 1 2 1 " H0 " web ok\nend 1\n", "line 2: not 'hist");
	expect_refused(f, V2 "hist 1 0 1 1 2 1 " H0 " web ok\nend 1\n", "line 2: not 'hist");
	expect_refused(f, V2 "hist 1 99 1 1 2 1 " H0 " web ok\nend 1\n", "line 2: not 'hist");
	expect_refused(f, V2 "hist 1 1 1 1 2 2 " H0 " web ok\nend 1\n", "line 2: not 'hist");
	expect_refused(f, V2 "hist 1 1 1 1 2 1 0,0,0 web ok\nend 1\n", "line 2: not 'hist");
	expect_refused(f, V2 "hist 1 1 1 1 2 1 " H0 ",0 web ok\nend 1\n", "line 2: not 'hist");
	expect_refused(f, V2 "hist 1 1 1 1 2 1 " H0 " web\nend 1\n", "line 2: not 'hist");
	expect_refused(f, V2 "hist 1 1 1 1 2 1 " H0 " web o%0Ak\nend 1\n", "line 2: not 'hist");
	expect_refused(f, V2 "hist 1 1 1 1 2 1 " H0 " web ok%4\nend 1\n", "line 2: not 'hist");
	expect_refused(f, V2 "hist 1 1 1 1 2 1 " H0 " web ok%zz\nend 1\n", "line 2: not 'hist");
	expect_refused(f, V2 "hist 1 1 1 1 2 1 " H0 " web ok\nend 0\n", "counts 0 records");
	expect_refused(f, V2 "bogus 1\nend 1\n", "line 2: not 'res");
	/* a resource name longer than any (the percent code counts once) */
	at = (size_t)snprintf(big, sizeof(big), V2 "hist 1 1 1 1 2 1 " H0 " ");
	for (int i = 0; i < WIRE_NAME_MAX + 1; i++)
		at += (size_t)snprintf(big + at, sizeof(big) - at, "%%41");
	snprintf(big + at, sizeof(big) - at, " ok\nend 1\n");
	expect_refused(f, big, "line 2: not 'hist");
	/* more node lines than nodes */
	at = (size_t)snprintf(big, sizeof(big), V2);
	for (int i = 1; i <= RSM_MAX_NODES + 1; i++)
		at += (size_t)snprintf(big + at, sizeof(big) - at, "node %d 1 1\n", i);
	snprintf(big + at, sizeof(big) - at, "end %d\n", RSM_MAX_NODES + 1);
	expect_refused(f, big, "more than 64 nodes");
}


/* A file of version 2 (before the fail lines) is still read; version 3's
 * fail lines, each broken one way, are refused. */
static void fail_lines(void **state)
{
	struct fixture *f = *state;
	struct local_state v;
	char why[256];
	static const char v2[] = V2 "res web 12 11 0123000000000000000000000000fedc\n"
		"res db 3 0 00000000000000000000000000000000\nnode 2 1 4\nend 3\n";
	static const char v3[] = V3 "fail web 3 1 1800000000000 workload%20on%20node%201\n"
		"fail db 0 0 0 -\nend 2\n";

	write_file(f, v2, strlen(v2));
	assert_int_equal(local_state_load(f->path, &v, why, sizeof(why)), 0);
	assert_sample_web(&v);
	assert_int_equal(v.n_nodes, 1);
	assert_int_equal(v.n_fail, 0);
	local_state_free(&v);
	write_file(f, v3, strlen(v3));
	assert_int_equal(local_state_load(f->path, &v, why, sizeof(why)), 0);
	assert_int_equal(v.n_fail, 2);
	assert_string_equal(v.fail[0].last_fail, "workload on node 1");
	assert_int_equal(v.fail[0].fail_count, 3);
	assert_string_equal(v.fail[1].last_fail, "");
	local_state_free(&v);
	/* version 2 has no fail lines */
	expect_refused(f, V2 "fail web 1 0 0 -\nend 1\n", "line 2: not 'res");
	expect_refused(f, V3 "fail web 65536 0 0 -\nend 1\n", "line 2: not 'fail");
	expect_refused(f, V3 "fail web 1 65536 0 -\nend 1\n", "line 2: not 'fail");
	expect_refused(f, V3 "fail web 1 0 18446744073709551616 -\nend 1\n", "line 2: not 'fail");
	expect_refused(f, V3 "fail web 1 0 0\nend 1\n", "line 2: not 'fail");
	expect_refused(f, V3 "fail web 1 0 0 - x\nend 1\n", "line 2: not 'fail");
	expect_refused(f, V3 "fail web -1 0 0 -\nend 1\n", "line 2: not 'fail");
	expect_refused(f, V3 "fail web 1 0 0 a%0Ab\nend 1\n", "line 2: not 'fail");
	expect_refused(f, V3 "fail w\x01b 1 0 0 -\nend 1\n", "line 2: not 'fail");
	expect_refused(f, V3 "fail web 1 0 0 -\nfail web 2 0 0 -\nend 2\n",
		       "fail line of 'web' twice");
	expect_refused(f, V3 "fail web 1 0 0 -\nend 0\n", "counts 0 records");
	expect_refused(f, V3 "bogus\nend 1\n", "'hist ...', 'fail ...' or 'maint ...'");
}

/* Format 3's maint lines, each broken one way; format 2 is still read,
 * and has none. */
static void maint_lines(void **state)
{
	struct fixture *f = *state;
	struct local_state v;
	char why[256];
	static const char v2[] = V2 "res web 12 11 0123000000000000000000000000fedc\n"
		"res db 3 0 00000000000000000000000000000000\nnode 2 1 4\nend 3\n";
	static const char v3[] = V3 "maint all - 1 1\nmaint node 2 0 7\nmaint res web 1 3\nend 3\n";

	write_file(f, v2, strlen(v2));
	assert_int_equal(local_state_load(f->path, &v, why, sizeof(why)), 0);
	assert_sample_web(&v);
	assert_int_equal(v.n_nodes, 1);
	assert_int_equal(v.n_maint, 0);
	local_state_free(&v);
	write_file(f, v3, strlen(v3));
	assert_int_equal(local_state_load(f->path, &v, why, sizeof(why)), 0);
	assert_int_equal(v.n_maint, 3);
	assert_true(v.maint[0].scope == MAINT_CLUSTER && v.maint[0].on == 1);
	assert_true(v.maint[1].scope == MAINT_NODE && v.maint[1].nodeid == 2 && v.maint[1].gen == 7);
	assert_true(v.maint[2].scope == MAINT_RESOURCE && !strcmp(v.maint[2].name, "web"));
	local_state_free(&v);
	expect_refused(f, V2 "maint all - 1 1\nend 1\n", "line 2: not 'res");
	expect_refused(f, V3 "maint all x 1 1\nend 1\n", "line 2: not 'maint");
	expect_refused(f, V3 "maint all - 2 1\nend 1\n", "line 2: not 'maint");
	expect_refused(f, V3 "maint all - 1 0\nend 1\n", "line 2: not 'maint");
	expect_refused(f, V3 "maint node 0 1 1\nend 1\n", "line 2: not 'maint");
	expect_refused(f, V3 "maint node x 1 1\nend 1\n", "line 2: not 'maint");
	expect_refused(f, V3 "maint res \x01 1 1\nend 1\n", "line 2: not 'maint");
	expect_refused(f, V3 "maint rack 2 1 1\nend 1\n", "line 2: not 'maint");
	expect_refused(f, V3 "maint res web 1\nend 1\n", "line 2: not 'maint");
	expect_refused(f, V3 "maint res web 1 1 x\nend 1\n", "line 2: not 'maint");
	expect_refused(f, V3 "maint node 2 1 1\nmaint node 2 0 2\nend 2\n", "the same node twice");
	expect_refused(f, V3 "maint all - 1 1\nmaint all - 0 2\nend 2\n", "the same all twice");
	expect_refused(f, V3 "maint res web 1 1\nmaint res web 1 2\nend 2\n", "the same res twice");
	expect_refused(f, V3 "maint res web 1 1\nend 0\n", "counts 0 records");
}

/* More history than the ring holds is refused, on reading and on saving. */
static void too_much_history(void **state)
{
	struct fixture *f = *state;
	static struct rsm_history h[RSM_HISTORY + 1];
	struct local_state in = { .hist = h, .n_hist = RSM_HISTORY + 1 }, v;
	char why[256], *text;
	size_t cap = 100 + (RSM_HISTORY + 1) * 80, at;

	for (size_t i = 0; i <= RSM_HISTORY; i++)
		h[i] = (struct rsm_history){ .seq = i + 1, .kind = HIST_MIGRATION, .result = "x" };
	assert_int_equal(local_state_save(f->path, &in, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "more than 64"));
	in.n_hist = RSM_HISTORY;
	assert_int_equal(local_state_save(f->path, &in, why, sizeof(why)), 0);
	assert_int_equal(local_state_load(f->path, &v, why, sizeof(why)), 0);
	assert_int_equal(v.n_hist, RSM_HISTORY);
	local_state_free(&v);
	text = malloc(cap);
	at = (size_t)snprintf(text, cap, V2);
	for (size_t i = 0; i <= RSM_HISTORY; i++)
		at += (size_t)snprintf(text + at, cap - at, "hist %zu 1 1 1 2 1 " H0 " web ok\n", i + 1);
	snprintf(text + at, cap - at, "end %d\n", RSM_HISTORY + 1);
	expect_refused(f, text, "or more than 64");
	free(text);
}

static void not_a_regular_file(void **state)
{
	struct fixture *f = *state;
	struct local_state v;
	char why[256], link[160];

	/* a directory where the file should be */
	snprintf(link, sizeof(link), "%s/lib", f->dir);
	mkdir(link, 0700);
	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_int_equal(local_state_load(f->path, &v, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "regular file"));
	rmdir(f->path);
	/* a symlink is not followed (whoever could plant it could point it anywhere) */
	assert_int_equal(symlink("/etc/passwd", f->path), 0);
	assert_int_equal(local_state_load(f->path, &v, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "cannot open"));
	unlink(f->path);
}

static void random_bytes_never_crash(void **state)
{
	struct fixture *f = *state;
	unsigned seed = 4242;
	char buf[300];
	int accepted = 0;

	for (int i = 0; i < 2000; i++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof(buf)), at = 0;
		struct local_state v;
		char why[256];
		if (i & 1)      /* half start like a real file */
			at = (size_t)snprintf(buf, sizeof(buf), i & 2 ? "handoff-local-state 1\nres " :
					      i & 4 ? "handoff-local-state 2\nnode " :
					      "handoff-local-state 2\nhist ");
		for (size_t j = at; j < len; j++)
			buf[j] = (char)(rand_r(&seed) % 4 ? "0123456789abcdef \n"[rand_r(&seed) % 18] :
					rand_r(&seed));
		write_file(f, buf, len > at ? len : at);
		if (local_state_load(f->path, &v, why, sizeof(why)) == 0) {
			accepted++;
			local_state_free(&v);
		}
	}
	assert_true(accepted < 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(every_truncation_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(version_1_is_read, setup, teardown),
		cmocka_unit_test_setup_teardown(fail_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(garbage_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_admin_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(maint_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(too_much_history, setup, teardown),
		cmocka_unit_test_setup_teardown(not_a_regular_file, setup, teardown),
		cmocka_unit_test_setup_teardown(random_bytes_never_crash, setup, teardown),
	};
	return cmocka_run_group_tests_name("local_state", tests, NULL, NULL);
}
