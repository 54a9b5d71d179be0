/*
 * dump_files.c - the dump directory and its markers, fd by fd (see
 * dump_files.h for what is checked and why).
 *
 * No qb_log here: these run in a child process forked from handoffd's
 * loop, and say what went wrong through WHY only.
 */
#include "dump_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd_io.h"

#define TREE_DEPTH_MAX 64       /* removal descends no deeper */

/* The chain of directories walked so far, with the path for messages. */
struct walk {
	int root;               /* the mount point */
	int dir;                /* the last directory opened (root at first) */
	dev_t dev;              /* the filesystem's */
	char path[4096];
	size_t path_len;
	char *why;
	size_t len;
};

static int __attribute__((format(printf, 3, 4)))
say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- markers as text -------------------------------------------------------- */

/* A decimal number of at most MAX at *P, up to the next space or newline. */
static bool number(const char **p, const char *end, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (s >= end || *s < '0' || *s > '9' || (*s == '0' && s + 1 < end && s[1] >= '0' &&
						 s[1] <= '9'))
		return false;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*out = v;
	return true;
}

static bool word(const char **p, const char *end, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(end - *p) < n || memcmp(*p, w, n))
		return false;
	*p += n;
	return true;
}

int dump_marker_parse(const char *text, size_t len, struct dump_marker *m)
{
	const char *p = text, *end = text + len;
	uint64_t node;

	memset(m, 0, sizeof(*m));
	if (!text || len > DUMP_MARKER_MAX || !word(&p, end, "epoch ") ||
	    !number(&p, end, UINT64_MAX, &m->epoch))
		goto bad;
	if (word(&p, end, " id ")) {
		for (int i = 0; i < DUMP_ID_HEX_LEN; i++, p++) {
			if (p >= end || !((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
				goto bad;
			m->id[i] = *p;
		}
	}
	if (!word(&p, end, " node ") || !number(&p, end, UINT32_MAX, &node) ||
	    !word(&p, end, "\n") || p != end)
		goto bad;
	m->node = (uint32_t)node;
	return 0;
bad:
	memset(m, 0, sizeof(*m));
	return -1;
}

/* ---- the chain of directories ---------------------------------------------- */

static const char *kind_of(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFLNK: return "a symbolic link";
	case S_IFDIR: return "a directory";
	case S_IFREG: return "a regular file";
	case S_IFIFO: return "a FIFO";
	case S_IFSOCK: return "a socket";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	default: return "of an unknown type";
	}
}

/* Append "/NAME" to the walk's path; returns the old length (path_pop). */
static size_t path_push(struct walk *w, const char *name)
{
	size_t old = w->path_len;
	int n = snprintf(w->path + old, sizeof(w->path) - old, "/%s", name);

	if (n > 0)
		w->path_len = old + (size_t)n < sizeof(w->path) ? old + (size_t)n :
			      sizeof(w->path) - 1;
	return old;
}

static void path_pop(struct walk *w, size_t old)
{
	w->path_len = old;
	w->path[old] = '\0';
}

/* Is FD the root of a mount?  UNKNOWN when the kernel cannot tell. */
static bool mount_root(int fd, bool unknown)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE, &stx) < 0 ||
	    !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return unknown;
	return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

/* Is the directory FD (at w->path) on the filesystem and root's alone? */
static int check_dir(struct walk *w, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return say(w->why, w->len, "cannot stat %s: %s", w->path, strerror(errno));
	if (st.st_dev != w->dev)
		return say(w->why, w->len, "%s is on another filesystem: refusing to use it",
			   w->path);
	if (mount_root(fd, false))
		return say(w->why, w->len, "%s is a mount of its own: refusing to use it", w->path);
	if (st.st_uid != 0)
		return say(w->why, w->len, "%s is owned by uid %u, not root: refusing to use it",
			   w->path, (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return say(w->why, w->len, "%s is writable by group or other (mode %04o): "
			   "refusing to use it", w->path, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Why NAME in DIR (at w->path) could not be opened as a directory. */
static int not_a_dir(struct walk *w, int dir, const char *name, int err)
{
	struct stat st;

	if ((err == ELOOP || err == ENOTDIR) &&
	    fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
		return say(w->why, w->len, "%s is %s, not a directory: refusing to %s it", w->path,
			   kind_of(st.st_mode), S_ISLNK(st.st_mode) ? "follow" : "use");
	return say(w->why, w->len, "cannot open %s: %s", w->path, strerror(err));
}

/*
 * Step into NAME below w->dir (MODE: create it if missing, 0: do not).
 * 0: w->dir is now NAME (checked), 1: NAME does not exist, -1: refused.
 */
static int step_into(struct walk *w, const char *name, mode_t mode)
{
	int fd;

	path_push(w, name);
	fd = openat(w->dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && mode) {
		if (mkdirat(w->dir, name, mode) < 0 && errno != EEXIST)
			return say(w->why, w->len, "cannot create %s: %s", w->path, strerror(errno));
		fd = openat(w->dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return errno == ENOENT ? 1 : not_a_dir(w, w->dir, name, errno);
	if (check_dir(w, fd) < 0) {
		close(fd);
		return -1;
	}
	if (w->dir != w->root)
		close(w->dir);
	w->dir = fd;
	return 0;
}

static void walk_end(struct walk *w)
{
	if (w->dir >= 0 && w->dir != w->root)
		close(w->dir);
	if (w->root >= 0)
		close(w->root);
	w->dir = w->root = -1;
}

/* The mount point, opened and checked (STRICT: see dump_place). */
static int open_root(struct walk *w, const char *mnt, bool strict)
{
	struct stat st;

	snprintf(w->path, sizeof(w->path), "%s", mnt);
	w->path_len = strlen(w->path);
	w->dir = w->root = open(mnt, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w->root < 0)
		return say(w->why, w->len, "cannot open %s: %s", mnt, strerror(errno));
	if (fstat(w->root, &st) < 0)
		return say(w->why, w->len, "cannot stat %s: %s", mnt, strerror(errno));
	w->dev = st.st_dev;
	if (!mount_root(w->root, true))
		return say(w->why, w->len, "%s is not mounted", mnt);
	if (strict && (st.st_uid != 0 ||
		       ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))))
		return say(w->why, w->len, "%s (the filesystem's root) is owned by uid %u, mode "
			   "%04o: only root may write there (or set the sticky bit), or the "
			   "workload could swap dump_dir for a link under its agent",
			   mnt, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	return 0;
}

/*
 * Open P's mount point and walk dump_dir (creating it with CREATE) and, with
 * NAME, the dump directory.  0: w->dir is the last one, 1: something does
 * not exist, -1: refused.  The caller calls walk_end() in every case.
 */
static int walk_to(struct walk *w, const struct dump_place *p, bool create, bool name)
{
	const char *s = p->dump_dir;
	int rc;

	w->root = w->dir = -1;
	if (open_root(w, p->mount_point, p->strict_root) < 0)
		return -1;
	while (*s) {
		char comp[256];
		size_t n = strcspn(s, "/");

		if (n >= sizeof(comp))
			return say(w->why, w->len, "dump_dir has a component longer than 255 bytes");
		memcpy(comp, s, n);
		comp[n] = '\0';
		s += n + (s[n] == '/');
		if (n == 0 || !strcmp(comp, "."))
			continue;
		if (!strcmp(comp, ".."))
			return say(w->why, w->len, "dump_dir must not contain '..'");
		if ((rc = step_into(w, comp, create ? 0755 : 0)) != 0)
			return rc;
	}
	return name ? step_into(w, p->name, 0) : 0;
}

/* ---- removal ----------------------------------------------------------------- */

static int remove_at(struct walk *w, int dir, const char *name, int depth);

/* Everything in the directory FD (at w->path); FD is consumed. */
static int empty_dir(struct walk *w, int fd, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		close(fd);
		return say(w->why, w->len, "cannot read %s: %s", w->path, strerror(errno));
	}
	errno = 0;
	while (rc == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		rc = remove_at(w, dirfd(d), de->d_name, depth + 1);
		errno = 0;
	}
	if (rc == 0 && errno)
		rc = say(w->why, w->len, "cannot read %s: %s", w->path, strerror(errno));
	closedir(d);
	return rc;
}

/* The directory NAME in DIR (at w->path), opened without following a link
 * and only on the filesystem (what was opened counts, not what was looked
 * at before); -1 with WHY set. */
static int open_subdir(struct walk *w, int dir, const char *name)
{
	struct stat st;
	int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return say(w->why, w->len, "cannot open %s: %s", w->path, strerror(errno));
	/* a bind mount keeps the device: it is a mount root all the same */
	if (fstat(fd, &st) < 0 || st.st_dev != w->dev || mount_root(fd, false)) {
		close(fd);
		return say(w->why, w->len, "%s is another filesystem mounted in the dump "
			   "directory: not removing it", w->path);
	}
	return fd;
}

/* NAME in DIR goes, a directory with its contents: links are removed, not
 * followed, and another filesystem is not entered. */
static int remove_at(struct walk *w, int dir, const char *name, int depth)
{
	size_t old = path_push(w, name);
	struct stat st;
	int fd, rc;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = errno == ENOENT ? 0 : say(w->why, w->len, "cannot stat %s: %s", w->path,
					       strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = unlinkat(dir, name, 0) < 0 && errno != ENOENT ?
		     say(w->why, w->len, "cannot remove %s: %s", w->path, strerror(errno)) : 0;
		goto out;
	}
	if (depth > TREE_DEPTH_MAX) {
		rc = say(w->why, w->len, "%s is nested more than %d directories deep: not removing "
			 "it", w->path, TREE_DEPTH_MAX);
		goto out;
	}
	/* again after a pass that left something: an entry that a concurrent
	 * rename hid from readdir */
	for (int pass = 0; pass < 3; pass++) {
		if ((fd = open_subdir(w, dir, name)) < 0) {
			rc = -1;
			goto out;
		}
		if ((rc = empty_dir(w, fd, depth)) < 0)
			goto out;
		if (unlinkat(dir, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			goto out;
		if (errno != ENOTEMPTY && errno != EEXIST)
			break;
	}
	rc = say(w->why, w->len, "cannot remove %s: %s", w->path, strerror(errno));
out:
	path_pop(w, old);
	return rc;
}

/* ---- markers as files --------------------------------------------------------- */

/*
 * Read marker NAME of the dump directory w->dir into TEXT (at most
 * DUMP_MARKER_MAX bytes; *N its length).  1: absent, 0: read, -1: it is
 * not a marker handoffd wrote (a link, a FIFO, someone else's, too large).
 */
static int read_marker(struct walk *w, const char *name, char *text, size_t *n)
{
	size_t old = path_push(w, name);
	struct stat before, st;
	ssize_t got;
	int fd = -1, rc = -1;

	if (fstatat(w->dir, name, &before, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = errno == ENOENT ? 1 : say(w->why, w->len, "cannot stat %s: %s", w->path,
					       strerror(errno));
		goto out;
	}
	/* a device is never opened: it is looked at first */
	if (!S_ISREG(before.st_mode)) {
		st = before;
		goto not_ours;
	}
	fd = openat(w->dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		say(w->why, w->len, "cannot open %s: %s", w->path, strerror(errno));
		goto out;
	}
	if (st.st_dev != before.st_dev || st.st_ino != before.st_ino || !S_ISREG(st.st_mode))
		goto not_ours;
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		say(w->why, w->len, "%s is owned by uid %u, mode %04o: not a marker handoffd "
		    "wrote, refusing it", w->path, (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_size > DUMP_MARKER_MAX) {
		say(w->why, w->len, "%s has %lld bytes, more than a marker's %d: refusing it",
		    w->path, (long long)st.st_size, DUMP_MARKER_MAX);
		goto out;
	}
	got = read(fd, text, DUMP_MARKER_MAX + 1);
	if (got < 0 || got > DUMP_MARKER_MAX) {
		say(w->why, w->len, got < 0 ? "cannot read %s: %s" : "%s grew past a marker's "
		    "size: refusing it", w->path, strerror(errno));
		goto out;
	}
	*n = (size_t)got;
	rc = 0;
	goto out;
not_ours:
	say(w->why, w->len, "%s is %s, not a marker: refusing it (only handoffd writes "
	    "there)", w->path, kind_of(st.st_mode));
out:
	if (fd >= 0)
		close(fd);
	path_pop(w, old);
	return rc;
}

/* ---- the calls ---------------------------------------------------------------- */

int dump_prepare(const struct dump_place *p, char *why, size_t len)
{
	struct walk w = { .why = why, .len = len };
	int rc = walk_to(&w, p, true, false);

	if (rc > 0)     /* made, and gone before it could be opened */
		rc = say(why, len, "%s vanished as it was made", w.path);
	if (rc == 0)
		rc = remove_at(&w, w.dir, p->name, 0);
	if (rc == 0) {
		size_t old = path_push(&w, p->name);
		if (mkdirat(w.dir, p->name, 0700) < 0)
			rc = say(why, len, "cannot create %s: %s", w.path, strerror(errno));
		path_pop(&w, old);
	}
	if (rc == 0)
		rc = step_into(&w, p->name, 0) == 0 ? 0 : -1;
	walk_end(&w);
	return rc;
}

int dump_mark(const struct dump_place *p, const char *marker, uint64_t epoch,
	      const char *id_hex, uint32_t node, char *why, size_t len)
{
	struct walk w = { .why = why, .len = len };
	char tmp[64], text[DUMP_MARKER_MAX + 1], dummy[DUMP_MARKER_MAX + 1];
	int rc = walk_to(&w, p, false, true), fd = -1, n;
	size_t got;

	if (rc > 0)
		rc = say(why, len, "no dump directory %s/%s/%s", p->mount_point, p->dump_dir,
			 p->name);
	if (rc < 0)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.new", marker);
	n = snprintf(text, sizeof(text), "epoch %llu id %s node %lu\n",
		     (unsigned long long)epoch, id_hex, (unsigned long)node);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		rc = say(why, len, "the %s marker would be too long", marker);
		goto out;
	}
	/* a regular file of root's is a write that a crash cut short: it goes;
	 * anything else was planted, and the dump with it is not trusted */
	rc = read_marker(&w, tmp, dummy, &got);
	if (rc < 0)
		goto out;
	path_push(&w, tmp);
	if (rc == 0 && unlinkat(w.dir, tmp, 0) < 0) {
		rc = say(why, len, "cannot remove %s: %s", w.path, strerror(errno));
		goto out;
	}
	rc = -1;
	fd = openat(w.dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || fd_write_all(fd, text, (size_t)n) < 0 || fsync(fd) < 0) {
		say(why, len, "cannot write %s: %s", w.path, strerror(errno));
		goto out;
	}
	if (renameat(w.dir, tmp, w.dir, marker) < 0 || fsync(w.dir) < 0) {
		say(why, len, "cannot rename %s to %s: %s", w.path, marker, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	walk_end(&w);
	return rc;
}

int dump_check(const struct dump_place *p, uint64_t epoch, const char *id_hex,
	       char *why, size_t len)
{
	struct walk w = { .why = why, .len = len };
	char text[DUMP_MARKER_MAX + 1];
	struct dump_marker c, u;
	size_t n = 0;
	int rc;

	if (epoch == 0)
		return say(why, len, "the table names no dump to restore");
	rc = walk_to(&w, p, false, true);
	if (rc == 0)
		rc = read_marker(&w, "complete", text, &n);
	if (rc > 0) {
		/* the path it was looking for, not the part it found */
		walk_end(&w);
		return say(why, len, "no complete dump in %s/%s/%s", p->mount_point, p->dump_dir,
			   p->name);
	}
	if (rc < 0)
		goto out;
	rc = -1;
	if (dump_marker_parse(text, n, &c) < 0) {
		say(why, len, "%s/complete is not a marker ('epoch E id HEX node N'): refusing it",
		    w.path);
		goto out;
	}
	if (c.epoch != epoch) {
		say(why, len, "the dump in %s is of epoch %llu, not %llu", w.path,
		    (unsigned long long)c.epoch, (unsigned long long)epoch);
		goto out;
	}
	if (strcmp(c.id, id_hex)) {
		say(why, len, "the dump in %s is of epoch %llu but of another migration (id %s, "
		    "not %s): an earlier life of the cluster wrote it", w.path,
		    (unsigned long long)epoch, c.id[0] ? c.id : "none", id_hex);
		goto out;
	}
	/* any consumed marker refuses it, whatever it is (S3) */
	rc = read_marker(&w, "consumed", text, &n);
	if (rc > 0) {
		rc = 0;
		goto out;
	}
	if (rc == 0 && dump_marker_parse(text, n, &u) == 0)
		say(why, len, "the dump of epoch %llu was restored already (by node %lu, epoch "
		    "%llu)", (unsigned long long)epoch, (unsigned long)u.node,
		    (unsigned long long)u.epoch);
	else if (rc == 0)
		say(why, len, "the dump of epoch %llu was restored already (its consumed marker "
		    "is garbled)", (unsigned long long)epoch);
	else {
		char bad[512];
		snprintf(bad, sizeof(bad), "%s", why);
		say(why, len, "the dump of epoch %llu may have been restored already: %s",
		    (unsigned long long)epoch, bad);
	}
	rc = -1;
out:
	walk_end(&w);
	return rc;
}

int dump_unmark(const struct dump_place *p, const char *marker, char *why, size_t len)
{
	struct walk w = { .why = why, .len = len };
	int rc = walk_to(&w, p, false, true);

	if (rc == 0) {
		path_push(&w, marker);
		if ((unlinkat(w.dir, marker, 0) < 0 && errno != ENOENT) || fsync(w.dir) < 0)
			rc = say(why, len, "cannot remove %s: %s", w.path, strerror(errno));
	}
	walk_end(&w);
	return rc < 0 ? -1 : 0;
}

int dump_remove(const struct dump_place *p, char *why, size_t len)
{
	struct walk w = { .why = why, .len = len };
	int rc = walk_to(&w, p, false, false);

	if (rc == 0)
		rc = remove_at(&w, w.dir, p->name, 0);
	if (rc >= 0 && w.root >= 0 && syncfs(w.root) < 0)
		rc = say(why, len, "cannot sync %s: %s", p->mount_point, strerror(errno));
	walk_end(&w);
	return rc < 0 ? -1 : 0;
}
