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
	struct local_entry *v = (struct local_entry *)1;
	size_t n = 99;
	char why[256] = "";

	write_file(f, text, strlen(text));
	if (local_state_load(f->path, &v, &n, why, sizeof(why)) != -1)
		fail_msg("accepted a file that should fail with '%s'", reason);
	if (!strstr(why, reason))
		fail_msg("reason '%s' lacks '%s'", why, reason);
	assert_null(v);
	assert_int_equal(n, 0);
}

static const struct local_entry SAMPLE[2] = {
	{ .name = "web", .epoch = 12, .dump_epoch = 11,
	  .dump_id = { 0x01, 0x23, [14] = 0xfe, [15] = 0xdc } },
	{ .name = "db.main-2", .epoch = UINT64_MAX, .dump_epoch = 0 },
};

static void round_trip(void **state)
{
	struct fixture *f = *state;
	struct local_entry *v;
	size_t n;
	char why[256];
	struct stat st;

	/* no file yet: a first start */
	assert_int_equal(local_state_load(f->path, &v, &n, why, sizeof(why)), 1);
	assert_int_equal(n, 0);
	assert_int_equal(local_state_save(f->path, SAMPLE, 2, why, sizeof(why)), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(local_state_load(f->path, &v, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "web");
	assert_int_equal(v[0].epoch, 12);
	assert_int_equal(v[0].dump_epoch, 11);
	assert_memory_equal(v[0].dump_id, SAMPLE[0].dump_id, WIRE_ID_LEN);
	assert_string_equal(v[1].name, "db.main-2");
	assert_true(v[1].epoch == UINT64_MAX);
	free(v);

	/* rewritten whole, and no temporary file is left behind */
	assert_int_equal(local_state_save(f->path, SAMPLE + 1, 1, why, sizeof(why)), 0);
	assert_int_equal(local_state_load(f->path, &v, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].name, "db.main-2");
	free(v);
	{
		char tmp[160];
		snprintf(tmp, sizeof(tmp), "%s.new", f->path);
		assert_int_not_equal(access(tmp, F_OK), 0);
	}
	/* no resources at all is a valid file too */
	assert_int_equal(local_state_save(f->path, NULL, 0, why, sizeof(why)), 0);
	assert_int_equal(local_state_load(f->path, &v, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 0);
	free(v);
}

static void every_truncation_is_refused(void **state)
{
	struct fixture *f = *state;
	struct local_entry *v;
	size_t n;
	char why[256], *text;
	long len;
	FILE *fp;

	assert_int_equal(local_state_save(f->path, SAMPLE, 2, why, sizeof(why)), 0);
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
		v = NULL;
		assert_int_equal(local_state_load(f->path, &v, &n, why, sizeof(why)), -1);
		assert_null(v);
	}
	free(text);
}

static void garbage_is_refused(void **state)
{
	struct fixture *f = *state;
	char big[600];

	expect_refused(f, "", "empty");
	expect_refused(f, "hello\n", "line 1: not 'handoff-local-state 1'");
	expect_refused(f, "handoff-local-state 2\nend 0\n", "line 1");
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
		       "00000000000000000000000000000000\nend 2\n", "counts 2 resources");
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
		struct local_entry *v;
		size_t n;
		char why[256];
		assert_int_equal(local_state_load(f->path, &v, &n, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "NUL"));
	}
}

static void not_a_regular_file(void **state)
{
	struct fixture *f = *state;
	struct local_entry *v;
	size_t n;
	char why[256], link[160];

	/* a directory where the file should be */
	snprintf(link, sizeof(link), "%s/lib", f->dir);
	mkdir(link, 0700);
	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_int_equal(local_state_load(f->path, &v, &n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "regular file"));
	rmdir(f->path);
	/* a symlink is not followed (whoever could plant it could point it anywhere) */
	assert_int_equal(symlink("/etc/passwd", f->path), 0);
	assert_int_equal(local_state_load(f->path, &v, &n, why, sizeof(why)), -1);
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
		struct local_entry *v;
		size_t n;
		char why[256];
		if (i & 1)      /* half start like a real file */
			at = (size_t)snprintf(buf, sizeof(buf), "handoff-local-state 1\nres ");
		for (size_t j = at; j < len; j++)
			buf[j] = (char)(rand_r(&seed) % 4 ? "0123456789abcdef \n"[rand_r(&seed) % 18] :
					rand_r(&seed));
		write_file(f, buf, len > at ? len : at);
		if (local_state_load(f->path, &v, &n, why, sizeof(why)) == 0) {
			accepted++;
			free(v);
		}
	}
	assert_true(accepted < 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(every_truncation_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(garbage_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(not_a_regular_file, setup, teardown),
		cmocka_unit_test_setup_teardown(random_bytes_never_crash, setup, teardown),
	};
	return cmocka_run_group_tests_name("local_state", tests, NULL, NULL);
}
