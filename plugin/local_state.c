#include "local_state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd_io.h"
#include "reason.h"

#define HEADER "handoff-local-state 1"

/* The whole file into a NUL-terminated buffer; *BUF NULL when it is missing. */
static int read_all(const char *path, char **buf, size_t *len, char *why, size_t why_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	size_t got = 0;
	char *b;

	*buf = NULL;
	if (fd < 0)
		return errno == ENOENT ? 1 : refuse(why, why_len, "cannot open it: %s", strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > LOCAL_STATE_MAX_BYTES) {
		close(fd);
		return refuse(why, why_len, "not a regular file of at most %u bytes",
			    LOCAL_STATE_MAX_BYTES);
	}
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		close(fd);
		return refuse(why, why_len, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	b[got] = '\0';
	if (strlen(b) != got) {
		free(b);
		return refuse(why, why_len, "a NUL byte in it");
	}
	*buf = b;
	*len = got;
	return 0;
}

/* A decimal u64 that is the whole of WORD (no sign, no spaces, no overflow). */
static bool parse_u64(const char *word, uint64_t *v)
{
	uint64_t x = 0;

	if (!word || !*word)
		return false;
	for (const char *p = word; *p; p++) {
		if (*p < '0' || *p > '9' || x > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*v = x;
	return true;
}

static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > WIRE_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

/* Split LINE in place into at most MAX words; how many there were. */
static size_t split(char *line, char **words, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (n == max)
			return max + 1;
		words[n++] = w;
	}
	return n;
}

int local_state_parse(char *text, struct local_entry **out, size_t *n_out, char *why,
		      size_t why_len)
{
	struct local_entry *v = NULL;
	size_t n = 0, cap = 0, lineno = 0;
	bool ended = false;
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *w[6];
		size_t nw;

		lineno++;
		if (ended) {
			refuse(why, why_len, "line %zu: text after the end line", lineno);
			goto refuse;
		}
		if (lineno == 1) {
			if (strcmp(line, HEADER)) {
				refuse(why, why_len, "line 1: not '%s'", HEADER);
				goto refuse;
			}
			continue;
		}
		nw = split(line, w, 6);
		if (nw == 2 && !strcmp(w[0], "end")) {
			uint64_t count;
			if (!parse_u64(w[1], &count) || count != n) {
				refuse(why, why_len, "line %zu: the end line counts %s resources, "
				     "the file holds %zu", lineno, w[1], n);
				goto refuse;
			}
			ended = true;
			continue;
		}
		if (nw != 5 || strcmp(w[0], "res")) {
			refuse(why, why_len, "line %zu: not 'res NAME EPOCH DUMP_EPOCH DUMP_ID'",
			     lineno);
			goto refuse;
		}
		if (n == cap) {
			size_t c = cap ? cap * 2 : 16;
			struct local_entry *nv = realloc(v, c * sizeof(*nv));
			if (!nv) {
				refuse(why, why_len, "out of memory");
				goto refuse;
			}
			v = nv;
			cap = c;
		}
		memset(&v[n], 0, sizeof(v[n]));
		if (!name_ok(w[1]) || !parse_u64(w[2], &v[n].epoch) ||
		    !parse_u64(w[3], &v[n].dump_epoch) || wire_id_parse(w[4], v[n].dump_id) < 0) {
			refuse(why, why_len, "line %zu: a bad name, number or dump id", lineno);
			goto refuse;
		}
		snprintf(v[n].name, sizeof(v[n].name), "%s", w[1]);
		for (size_t i = 0; i < n; i++) {
			if (!strcmp(v[i].name, v[n].name)) {
				refuse(why, why_len, "line %zu: resource '%s' twice", lineno,
				     v[n].name);
				goto refuse;
			}
		}
		n++;
	}
	if (!ended) {
		refuse(why, why_len, lineno ? "no end line (a truncated file)" : "empty");
		goto refuse;
	}
	*out = v;
	*n_out = n;
	return 0;
refuse:   /* WHY says why; nothing of the file is used */
	free(v);
	return -1;
}

int local_state_load(const char *path, struct local_entry **out, size_t *n,
		     char *why, size_t why_len)
{
	char *text;
	size_t len;
	int rc;

	*out = NULL;
	*n = 0;
	rc = read_all(path, &text, &len, why, why_len);
	if (rc != 0)
		return rc;
	rc = local_state_parse(text, out, n, why, why_len);
	free(text);
	return rc;
}

/* The text of the file, malloc'd. */
static char *render(const struct local_entry *v, size_t n, size_t *len)
{
	/* "res " + name + 3 numbers + id + spaces: under 200 bytes a line */
	size_t cap = 64 + n * 200, used;
	char *buf = malloc(cap);
	char hex[2 * WIRE_ID_LEN + 1];

	if (!buf)
		return NULL;
	used = (size_t)snprintf(buf, cap, "%s\n", HEADER);
	for (size_t i = 0; i < n; i++) {
		wire_id_hex(v[i].dump_id, hex);
		used += (size_t)snprintf(buf + used, cap - used, "res %s %" PRIu64 " %" PRIu64 " %s\n",
					 v[i].name, v[i].epoch, v[i].dump_epoch, hex);
	}
	used += (size_t)snprintf(buf + used, cap - used, "end %zu\n", n);
	*len = used;
	return buf;
}

int local_state_save(const char *path, const struct local_entry *v, size_t n,
		     char *why, size_t why_len)
{
	char tmp[4200], dir[4200];
	size_t len;
	char *text;
	int fd, rc = 0;

	for (size_t i = 0; i < n; i++)
		if (!name_ok(v[i].name))
			return refuse(why, why_len, "resource name '%s' cannot be kept", v[i].name);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp))
		return refuse(why, why_len, "path too long");
	snprintf(dir, sizeof(dir), "%s", path);
	if (strrchr(dir, '/'))
		*strrchr(dir, '/') = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return refuse(why, why_len, "cannot create %s: %s", dir, strerror(errno));
	text = render(v, n, &len);
	if (!text)
		return refuse(why, why_len, "out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		free(text);
		return refuse(why, why_len, "cannot create %s: %s", tmp, strerror(errno));
	}
	if (fd_write_all(fd, text, len) < 0 || fsync(fd) < 0)
		rc = refuse(why, why_len, "cannot write %s: %s", tmp, strerror(errno));
	free(text);
	if (close(fd) < 0 && rc == 0)
		rc = refuse(why, why_len, "cannot write %s: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, path) < 0)
		rc = refuse(why, why_len, "cannot rename %s: %s", tmp, strerror(errno));
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	/* the rename itself must be on disk too */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		rc = refuse(why, why_len, "cannot sync %s: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}
