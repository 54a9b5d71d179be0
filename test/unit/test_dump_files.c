/*
 * dump_files.c on a real tmpfs (root only): the dump directory and its
 * markers never lead root off the filesystem, whatever the workload
 * planted there: symbolic links as the dump directory, as a marker and as
 * a marker's temporary name, a FIFO or a huge file as a marker, someone
 * else's directories, another filesystem mounted inside the dump.  The
 * file OUTSIDE/precious stands for /etc/shadow: it must never change.
 *
 * The old shell steps (rm -rf, mkdir -p, printf > "$d/$m.new", read <
 * "$d/complete") followed every one of these.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "plugin/dump_files.h"

#define ID "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"
#define OTHER_ID "0123456789abcdef0123456789abcdef"

struct fx {
	char top[64], mnt[96], outside[96], path[256];
	struct dump_place p;
	char why[512];
};

static struct fx *F;

/* F->path = MNT/REL */
static const char *at(const char *rel)
{
	snprintf(F->path, sizeof(F->path), "%s/%s", F->mnt, rel);
	return F->path;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *get(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* OUTSIDE/precious, the file that stands for /etc/shadow */
static const char *precious(void)
{
	static char path[160];
	snprintf(path, sizeof(path), "%s/precious", F->outside);
	return path;
}

/* the outside file is what it was */
static void outside_untouched(void)
{
	char path[160];
	assert_non_null(get(precious()));
	assert_string_equal(get(precious()), "keep\n");
	snprintf(path, sizeof(path), "%s/dump/precious", F->outside);
	assert_non_null(get(path));
	assert_string_equal(get(path), "keep\n");
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->top, sizeof(f->top), "/tmp/handoff-dumpfiles-XXXXXX");
	assert_non_null(mkdtemp(f->top));
	snprintf(f->mnt, sizeof(f->mnt), "%s/mnt", f->top);
	snprintf(f->outside, sizeof(f->outside), "%s/outside", f->top);
	assert_int_equal(mkdir(f->mnt, 0755), 0);
	assert_int_equal(mkdir(f->outside, 0755), 0);
	F = f;
	if (geteuid() == 0)
		assert_int_equal(mount("tmpfs", f->mnt, "tmpfs", 0, "mode=0755,size=8m"), 0);
	run("echo keep >%s/precious && mkdir %s/dump && echo keep >%s/dump/precious",
	    f->outside, f->outside, f->outside);
	f->p.mount_point = f->mnt;
	f->p.dump_dir = ".handoff";
	f->p.name = "dump";
	f->p.strict_root = true;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	umount2(at(".handoff/dump/inner"), MNT_DETACH);
	umount2(at(".handoff"), MNT_DETACH);
	umount2(f->mnt, MNT_DETACH);
	run("rm -rf %s", f->top);
	free(f);
	return 0;
}

#define NEED_ROOT() do { if (geteuid() != 0) skip(); } while (0)
#define REFUSED(call, text) do { \
		F->why[0] = '\0'; \
		assert_int_equal((call), -1); \
		if (!strstr(F->why, (text))) \
			fail_msg("'%s' does not say '%s'", F->why, (text)); \
	} while (0)

static int prepare(void) { return dump_prepare(&F->p, F->why, sizeof(F->why)); }
static int mark(const char *m, uint64_t e, uint32_t node)
{
	return dump_mark(&F->p, m, e, ID, node, F->why, sizeof(F->why));
}
static int check(uint64_t e, const char *id) { return dump_check(&F->p, e, id, F->why, sizeof(F->why)); }
static int remove_dump(void) { return dump_remove(&F->p, F->why, sizeof(F->why)); }

/* ---- the text of a marker ---------------------------------------------------- */

static void marker_text_is_parsed_strictly(void **state)
{
	struct dump_marker m;
	static const char *const bad[] = {
		"", "epoch 7 id " ID " node 2", "epoch 7 id " ID " node 2\n\n",
		"epoch 7 id " ID " node 2\nepoch 8 id " ID " node 2\n",
		"epoch 07 id " ID " node 2\n", "epoch -7 id " ID " node 2\n",
		"epoch 18446744073709551616 id " ID " node 2\n",
		"epoch 7 id " ID " node 4294967296\n", "epoch 7 id C3C3 node 2\n",
		"epoch 7 id c3c3c3c3 node 2\n", "epoch 7  id " ID " node 2\n",
		"epoch 7 id " ID "0 node 2\n", "epoch x id " ID " node 2\n",
		"epoch 7 id " ID " node 2 \n",
	};
	(void)state;
	assert_int_equal(dump_marker_parse("epoch 7 id " ID " node 2\n",
					   strlen("epoch 7 id " ID " node 2\n"), &m), 0);
	assert_int_equal(m.epoch, 7);
	assert_string_equal(m.id, ID);
	assert_int_equal(m.node, 2);
	assert_int_equal(dump_marker_parse("epoch 18446744073709551615 id " ID " node 4294967295\n",
					   strlen("epoch 18446744073709551615 id " ID
						  " node 4294967295\n"), &m), 0);
	assert_true(m.epoch == UINT64_MAX && m.node == UINT32_MAX);
	/* an older handoff's marker names no migration */
	assert_int_equal(dump_marker_parse("epoch 20 node 1\n", 16, &m), 0);
	assert_int_equal(m.epoch, 20);
	assert_string_equal(m.id, "");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (dump_marker_parse(bad[i], strlen(bad[i]), &m) == 0)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(m.epoch, 0);
	}
	/* an embedded NUL is no marker either */
	assert_int_equal(dump_marker_parse("epoch 7\0id " ID " node 2\n", 50, &m), -1);
}

/* ---- the happy path, with the old texts -------------------------------------- */

static void a_dump_goes_through_its_markers(void **state)
{
	struct stat st;
	(void)state;

	NEED_ROOT();
	assert_int_equal(prepare(), 0);
	assert_int_equal(stat(at(".handoff/dump"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);   /* the workload's memory goes there */
	REFUSED(check(7, ID), "no complete dump in ");
	REFUSED(check(0, ID), "the table names no dump to restore");
	assert_int_equal(mark("complete", 7, 1), 0);
	assert_string_equal(get(at(".handoff/dump/complete")), "epoch 7 id " ID " node 1\n");
	assert_false(exists(at(".handoff/dump/complete.new")));
	assert_int_equal(check(7, ID), 0);
	REFUSED(check(8, ID), "is of epoch 7, not 8");
	REFUSED(check(7, OTHER_ID), "of epoch 7 but of another migration (id " ID ", not "
		OTHER_ID "): an earlier life of the cluster wrote it");
	/* a write that a crash cut short is left as a regular file of root's */
	put(at(".handoff/dump/consumed.new"), "epoch 7 id");
	assert_int_equal(mark("consumed", 7, 2), 0);
	REFUSED(check(7, ID), "the dump of epoch 7 was restored already (by node 2, epoch 7)");
	assert_int_equal(dump_unmark(&F->p, "consumed", F->why, sizeof(F->why)), 0);
	assert_int_equal(dump_unmark(&F->p, "consumed", F->why, sizeof(F->why)), 0);
	assert_int_equal(check(7, ID), 0);
	/* an older handoff's marker names no migration */
	put(at(".handoff/dump/complete"), "epoch 7 node 1\n");
	REFUSED(check(7, ID), "another migration (id none, not " ID ")");
	put(at(".handoff/dump/complete"), "rubbish\n");
	REFUSED(check(7, ID), "/.handoff/dump/complete is not a marker");
	put(at(".handoff/dump/consumed"), "rubbish\n");
	put(at(".handoff/dump/complete"), "epoch 7 id " ID " node 1\n");
	REFUSED(check(7, ID), "restored already (its consumed marker is garbled)");
	assert_int_equal(remove_dump(), 0);
	assert_false(exists(at(".handoff/dump")));
	assert_int_equal(remove_dump(), 0);     /* nothing there: fine */
	REFUSED(mark("complete", 7, 1), "no dump directory ");
	/* a nested dump_dir is created on the way */
	F->p.dump_dir = "dumps//./web";
	assert_int_equal(prepare(), 0);
	assert_true(exists(at("dumps/web/dump")));
	F->p.dump_dir = "dumps/../..";
	REFUSED(prepare(), "must not contain '..'");
}

/* ---- what a workload may plant ------------------------------------------------- */

/* old: rm -rf "$MNT/.handoff/dump" removed OUTSIDE/dump, mkdir -p made it
 * again, and the markers went there */
static void a_symlinked_dump_dir_is_refused(void **state)
{
	(void)state;
	NEED_ROOT();
	assert_int_equal(symlink(F->outside, at(".handoff")), 0);
	REFUSED(prepare(), "/.handoff is a symbolic link, not a directory: refusing to follow it");
	REFUSED(mark("complete", 7, 1), "is a symbolic link");
	REFUSED(check(7, ID), "is a symbolic link");
	REFUSED(dump_unmark(&F->p, "consumed", F->why, sizeof(F->why)), "is a symbolic link");
	REFUSED(remove_dump(), "is a symbolic link");
	outside_untouched();
	/* the dump directory itself as a link: a new dump replaces the link
	 * (removed, never followed); a check refuses it */
	assert_int_equal(unlink(at(".handoff")), 0);
	assert_int_equal(mkdir(at(".handoff"), 0755), 0);
	assert_int_equal(symlink(F->outside, at(".handoff/dump")), 0);
	REFUSED(check(7, ID), "/.handoff/dump is a symbolic link, not a directory");
	REFUSED(mark("consumed", 7, 1), "is a symbolic link");
	assert_int_equal(prepare(), 0);
	outside_untouched();
	assert_int_equal(rmdir(at(".handoff/dump")), 0);
	assert_int_equal(symlink(F->outside, at(".handoff/dump")), 0);
	assert_int_equal(remove_dump(), 0);
	assert_false(exists(at(".handoff/dump")));
	outside_untouched();
}

/* old: printf ... >"$d/complete.new" wrote through the link */
static void a_symlinked_marker_temp_is_refused(void **state)
{
	(void)state;
	NEED_ROOT();
	assert_int_equal(prepare(), 0);
	assert_int_equal(symlink(precious(), at(".handoff/dump/complete.new")), 0);
	REFUSED(mark("complete", 7, 1), "/.handoff/dump/complete.new is a symbolic link, not a "
		"marker: refusing it (only handoffd writes there)");
	outside_untouched();
	assert_false(exists(at(".handoff/dump/complete")));
	/* a FIFO as the temporary name blocks nothing either */
	assert_int_equal(mkfifo(at(".handoff/dump/consumed.new"), 0600), 0);
	REFUSED(mark("consumed", 7, 1), "consumed.new is a FIFO, not a marker");
}

/* old: read <"$d/complete" followed the link and believed OUTSIDE's text */
static void a_symlinked_marker_is_refused(void **state)
{
	char target[160];
	(void)state;
	NEED_ROOT();
	snprintf(target, sizeof(target), "%s/forged", F->outside);
	put(target, "epoch 7 id " ID " node 1\n");
	assert_int_equal(prepare(), 0);
	assert_int_equal(symlink(target, at(".handoff/dump/complete")), 0);
	REFUSED(check(7, ID), "/.handoff/dump/complete is a symbolic link, not a marker");
	/* a consumed marker of any kind refuses the dump (S3) */
	assert_int_equal(unlink(at(".handoff/dump/complete")), 0);
	assert_int_equal(mark("complete", 7, 1), 0);
	assert_int_equal(symlink(target, at(".handoff/dump/consumed")), 0);
	REFUSED(check(7, ID), "may have been restored already: ");
	REFUSED(check(7, ID), "consumed is a symbolic link");
	assert_string_equal(get(target), "epoch 7 id " ID " node 1\n");
}

static void on_alarm(int sig)
{
	(void)sig;
	_exit(99);      /* a read that blocked: the test fails */
}

/* old: read <"$d/complete" on a FIFO blocked until the step's timeout; a
 * huge file was read whole */
static void a_fifo_or_huge_marker_is_refused(void **state)
{
	FILE *f;
	(void)state;
	NEED_ROOT();
	assert_int_equal(prepare(), 0);
	assert_int_equal(mkfifo(at(".handoff/dump/complete"), 0600), 0);
	signal(SIGALRM, on_alarm);
	alarm(5);
	REFUSED(check(7, ID), "complete is a FIFO, not a marker");
	alarm(0);
	assert_int_equal(unlink(at(".handoff/dump/complete")), 0);
	f = fopen(at(".handoff/dump/complete"), "w");
	assert_non_null(f);
	fputs("epoch 7 id " ID " node 1\n", f);
	for (int i = 0; i < 100000; i++)
		fputs("0123456789", f);
	fclose(f);
	REFUSED(check(7, ID), "bytes, more than a marker's 128: refusing it");
	assert_int_equal(unlink(at(".handoff/dump/complete")), 0);
	assert_int_equal(mknod(at(".handoff/dump/complete"), S_IFCHR | 0600, makedev(1, 3)), 0);
	REFUSED(check(7, ID), "complete is a character device, not a marker");
}

/* what a workload that is not root could have made, or may still change */
static void someone_elses_files_are_refused(void **state)
{
	(void)state;
	NEED_ROOT();
	assert_int_equal(prepare(), 0);
	assert_int_equal(mark("complete", 7, 1), 0);
	assert_int_equal(chown(at(".handoff/dump/complete"), 1000, 1000), 0);
	REFUSED(check(7, ID), "complete is owned by uid 1000, mode 0644: not a marker handoffd wrote");
	assert_int_equal(chown(at(".handoff/dump/complete"), 0, 0), 0);
	assert_int_equal(chmod(at(".handoff/dump/complete"), 0666), 0);
	REFUSED(check(7, ID), "mode 0666: not a marker handoffd wrote");
	assert_int_equal(chmod(at(".handoff/dump/complete"), 0644), 0);
	assert_int_equal(check(7, ID), 0);
	assert_int_equal(chmod(at(".handoff/dump"), 0777), 0);
	REFUSED(check(7, ID), "/.handoff/dump is writable by group or other (mode 0777): refusing");
	REFUSED(mark("consumed", 7, 1), "writable by group or other");
	assert_int_equal(chmod(at(".handoff/dump"), 0700), 0);
	assert_int_equal(chown(at(".handoff"), 1000, 1000), 0);
	REFUSED(check(7, ID), "/.handoff is owned by uid 1000, not root: refusing to use it");
	REFUSED(prepare(), "/.handoff is owned by uid 1000, not root");
	REFUSED(remove_dump(), "/.handoff is owned by uid 1000, not root");
	assert_int_equal(chown(at(".handoff"), 0, 0), 0);
	assert_int_equal(check(7, ID), 0);
}

/* a new dump, a dump check and a removal (the steps an agent follows) need a
 * filesystem root that only root may change: the agent gets the directory
 * as a path */
static void a_dump_needs_a_root_only_root_changes(void **state)
{
	(void)state;
	NEED_ROOT();
	assert_int_equal(chmod(F->mnt, 0777), 0);
	REFUSED(prepare(), "(the filesystem's root) is owned by uid 0, mode 0777: only root may "
		"write there");
	assert_int_equal(chmod(F->mnt, 01777), 0);    /* sticky: nobody renames root's */
	assert_int_equal(prepare(), 0);
	assert_int_equal(chmod(F->mnt, 0755), 0);
	assert_int_equal(chown(F->mnt, 1000, 1000), 0);
	REFUSED(prepare(), "is owned by uid 1000, mode 0755");
	REFUSED(check(7, ID), "is owned by uid 1000, mode 0755");
	REFUSED(remove_dump(), "is owned by uid 1000, mode 0755");
	/* the markers are written and removed by fd alone */
	F->p.strict_root = false;
	assert_int_equal(mark("complete", 7, 1), 0);
	assert_int_equal(check(7, ID), 0);
	assert_int_equal(dump_unmark(&F->p, "consumed", F->why, sizeof(F->why)), 0);
	assert_int_equal(remove_dump(), 0);
	/* and none of it runs on a mount point with nothing mounted */
	assert_int_equal(umount2(F->mnt, 0), 0);
	REFUSED(prepare(), "/mnt is not mounted");
	REFUSED(remove_dump(), "/mnt is not mounted");
}

/* old: rm -rf went into a filesystem mounted in the dump directory (and
 * a dump_dir that is a mount of its own wrote to another disk) */
static void removal_never_leaves_the_filesystem(void **state)
{
	char target[256];
	(void)state;
	NEED_ROOT();
	assert_int_equal(prepare(), 0);
	run("cd %s && mkdir -p a/b/c && echo x >a/b/c/f && echo y >image", at(".handoff/dump"));
	assert_int_equal(symlink(F->outside, at(".handoff/dump/a/b/out")), 0);
	assert_int_equal(symlink(precious(), at(".handoff/dump/a/file")), 0);
	snprintf(target, sizeof(target), "%s", at(".handoff/dump/image"));
	assert_int_equal(link(target, at(".handoff/dump/a/hard")), 0);
	assert_int_equal(mkfifo(at(".handoff/dump/a/fifo"), 0600), 0);
	assert_int_equal(mkdir(at(".handoff/dump/inner"), 0700), 0);
	assert_int_equal(mount("tmpfs", at(".handoff/dump/inner"), "tmpfs", 0, "size=1m"), 0);
	put(at(".handoff/dump/inner/other"), "other disk\n");
	REFUSED(remove_dump(), "/.handoff/dump/inner is another filesystem mounted in the dump "
		"directory: not removing it");
	REFUSED(prepare(), "another filesystem mounted in the dump directory");
	assert_string_equal(get(at(".handoff/dump/inner/other")), "other disk\n");
	outside_untouched();
	assert_int_equal(umount2(at(".handoff/dump/inner"), 0), 0);
	/* a bind mount keeps the device, and is not entered either */
	assert_int_equal(mkdir(at("elsewhere"), 0700), 0);
	put(at("elsewhere/kept"), "kept\n");
	snprintf(target, sizeof(target), "%s", at("elsewhere"));
	assert_int_equal(mount(target, at(".handoff/dump/inner"), "none", MS_BIND, NULL), 0);
	REFUSED(remove_dump(), "/.handoff/dump/inner is another filesystem mounted in the dump");
	assert_int_equal(umount2(at(".handoff/dump/inner"), 0), 0);
	assert_string_equal(get(at("elsewhere/kept")), "kept\n");
	assert_int_equal(remove_dump(), 0);
	assert_false(exists(at(".handoff/dump")));
	outside_untouched();
	/* too deep a tree is refused, not walked */
	assert_int_equal(prepare(), 0);
	assert_int_equal(chdir(at(".handoff/dump")), 0);
	for (int i = 0; i < 70; i++)
		assert_true(mkdir("d", 0700) == 0 && chdir("d") == 0);
	assert_int_equal(chdir("/"), 0);
	REFUSED(remove_dump(), "is nested more than 64 directories deep");
	/* a dump_dir that is a mount of its own is another disk */
	run("rm -rf %s", at(".handoff"));
	assert_int_equal(mkdir(at(".handoff"), 0755), 0);
	assert_int_equal(mount("tmpfs", at(".handoff"), "tmpfs", 0, "mode=0755,size=1m"), 0);
	REFUSED(prepare(), "/.handoff is on another filesystem: refusing to use it");
	assert_int_equal(umount2(at(".handoff"), 0), 0);
	snprintf(target, sizeof(target), "%s", at("elsewhere"));
	assert_int_equal(mount(target, at(".handoff"), "none", MS_BIND, NULL), 0);
	REFUSED(prepare(), "/.handoff is a mount of its own: refusing to use it");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(marker_text_is_parsed_strictly, setup, teardown),
		cmocka_unit_test_setup_teardown(a_dump_goes_through_its_markers, setup, teardown),
		cmocka_unit_test_setup_teardown(a_symlinked_dump_dir_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(a_symlinked_marker_temp_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(a_symlinked_marker_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(a_fifo_or_huge_marker_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(someone_elses_files_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(a_dump_needs_a_root_only_root_changes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(removal_never_leaves_the_filesystem, setup, teardown),
	};
	return cmocka_run_group_tests_name("dump_files", tests, NULL, NULL);
}
