#include "local_state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd_io.h"
#include "reason.h"

#define HEADER "handoff-local-state 3"
#define HEADER_V2 "handoff-local-state 2"
#define HEADER_V1 "handoff-local-state 1"

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

static bool parse_u32(const char *word, uint32_t *v)
{
	uint64_t x;

	if (!parse_u64(word, &x) || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A percent-encoded WORD ("-": empty) into DST (SIZE bytes, at most MAX
 * characters): no control character, nothing longer. */
static bool parse_text(const char *word, char *dst, size_t size, size_t max)
{
	size_t n = 0;

	if (!strcmp(word, "-")) {
		dst[0] = '\0';
		return true;
	}
	for (const char *p = word; *p; p++) {
		int c = (unsigned char)*p;
		if (c == '%') {
			int hi = hex_value(p[1]), lo = hi < 0 ? -1 : hex_value(p[2]);
			if (lo < 0)
				return false;
			c = hi << 4 | lo;
			p += 2;
		}
		if (c < 0x20 || c == 0x7f || n == max || n + 1 >= size)
			return false;
		dst[n++] = (char)c;
	}
	dst[n] = '\0';
	return n > 0;
}

static bool parse_ms(char *word, uint32_t ms[WIRE_TIMES])
{
	char *save = NULL, *w = strtok_r(word, ",", &save);

	for (int k = 0; k < WIRE_TIMES; k++, w = strtok_r(NULL, ",", &save))
		if (!w || !parse_u32(w, &ms[k]))
			return false;
	return w == NULL;
}

/* What one line of the file is; false when it is not that. */
static bool parse_res(char **w, size_t nw, struct local_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (nw != 5 || !name_ok(w[1]) || !parse_u64(w[2], &e->epoch) ||
	    !parse_u64(w[3], &e->dump_epoch) || wire_id_parse(w[4], e->dump_id) < 0)
		return false;
	snprintf(e->name, sizeof(e->name), "%s", w[1]);
	return true;
}

static bool parse_node(char **w, size_t nw, struct local_node *n)
{
	uint64_t on;

	return nw == 4 && parse_u32(w[1], &n->nodeid) && n->nodeid != 0 &&
	       parse_u64(w[2], &on) && on <= 1 && (n->standby = (uint8_t)on, true) &&
	       parse_u64(w[3], &n->standby_gen) && n->standby_gen != 0;
}

static bool parse_hist(char **w, size_t nw, struct rsm_history *h)
{
	uint64_t kind, ok;

	memset(h, 0, sizeof(*h));
	if (nw != 10 || !parse_u64(w[1], &h->seq) || h->seq == 0 || !parse_u64(w[2], &kind) ||
	    kind == 0 || kind >= HIST__MAX || !parse_u64(w[3], &h->epoch) ||
	    !parse_u32(w[4], &h->source) || !parse_u32(w[5], &h->target) ||
	    !parse_u64(w[6], &ok) || ok > 1 || !parse_ms(w[7], h->ms) ||
	    !parse_text(w[8], h->resource, sizeof(h->resource), WIRE_NAME_MAX) ||
	    !parse_text(w[9], h->result, sizeof(h->result), WIRE_STR_MAX))
		return false;
	h->kind = (enum rsm_history_kind)kind;
	h->ok = ok == 1;
	return true;
}

static bool parse_fail(char **w, size_t nw, struct local_fail *x)
{
	uint64_t fails, relocs;

	memset(x, 0, sizeof(*x));
	if (nw != 6 || !name_ok(w[1]) || !parse_u64(w[2], &fails) || fails > UINT16_MAX ||
	    !parse_u64(w[3], &relocs) || relocs > UINT16_MAX || !parse_u64(w[4], &x->last_fail_ms) ||
	    !parse_text(w[5], x->last_fail, sizeof(x->last_fail), WIRE_STR_MAX))
		return false;
	snprintf(x->name, sizeof(x->name), "%s", w[1]);
	x->fail_count = (uint16_t)fails;
	x->reloc_count = (uint16_t)relocs;
	return true;
}

/* Is NAME among the N records at BASE (STRIDE bytes each, a name array
 * first: local_entry, local_fail)? */
_Static_assert(offsetof(struct local_entry, name) == 0 && offsetof(struct local_fail, name) == 0,
	       "name_among() reads the name first");

static bool name_among(const void *base, size_t n, size_t stride, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp((const char *)base + i * stride, name))
			return true;
	return false;
}


static bool parse_maint(char **w, size_t nw, struct local_maint *x)
{
	uint64_t on;

	memset(x, 0, sizeof(*x));
	if (nw != 5 || !parse_u64(w[3], &on) || on > 1 || !parse_u64(w[4], &x->gen) || x->gen == 0)
		return false;
	x->on = (uint8_t)on;
	if (!strcmp(w[1], "all")) {
		x->scope = MAINT_CLUSTER;
		return !strcmp(w[2], "-");
	}
	if (!strcmp(w[1], "node")) {
		x->scope = MAINT_NODE;
		return parse_u32(w[2], &x->nodeid) && x->nodeid != 0;
	}
	if (!strcmp(w[1], "res") && name_ok(w[2])) {
		x->scope = MAINT_RESOURCE;
		snprintf(x->name, sizeof(x->name), "%s", w[2]);
		return true;
	}
	return false;
}

static bool same_maint(const struct local_maint *a, const struct local_maint *b)
{
	return a->scope == b->scope && a->nodeid == b->nodeid && !strcmp(a->name, b->name);
}

/* Room for one more element of SIZE bytes in *V (N used, *CAP). */
static bool grow(void **v, size_t n, size_t *cap, size_t size)
{
	void *nv;
	size_t c;

	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : 16;
	nv = realloc(*v, c * size);
	if (!nv)
		return false;
	*v = nv;
	*cap = c;
	return true;
}

void local_state_free(struct local_state *st)
{
	free(st->res);
	free(st->hist);
	free(st->fail);
	free(st->maint);
	memset(st, 0, sizeof(*st));
}

int local_state_parse(char *text, struct local_state *st, char *why, size_t why_len)
{
	size_t cap_res = 0, cap_fail = 0, cap_maint = 0, lineno = 0, records = 0;
	int version = 0;
	bool ended = false;
	char *save = NULL;

	memset(st, 0, sizeof(*st));
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *w[11];
		size_t nw;

		lineno++;
		if (ended) {
			refuse(why, why_len, "line %zu: text after the end line", lineno);
			goto refuse;
		}
		if (lineno == 1) {
			version = !strcmp(line, HEADER_V1) ? 1 : !strcmp(line, HEADER_V2) ? 2 :
				  !strcmp(line, HEADER) ? 3 : 0;
			if (!version) {
				refuse(why, why_len, "line 1: not '%s' (or '%s', '%s')", HEADER,
				       HEADER_V2, HEADER_V1);
				goto refuse;
			}
			continue;
		}
		nw = split(line, w, 10);
		if (nw == 2 && !strcmp(w[0], "end")) {
			uint64_t count;
			if (!parse_u64(w[1], &count) || count != records) {
				refuse(why, why_len, "line %zu: the end line counts %s records, "
				     "the file holds %zu", lineno, w[1], records);
				goto refuse;
			}
			ended = true;
			continue;
		}
		if (nw >= 1 && !strcmp(w[0], "res")) {
			if (!grow((void **)&st->res, st->n_res, &cap_res, sizeof(*st->res))) {
				refuse(why, why_len, "out of memory");
				goto refuse;
			}
			if (!parse_res(w, nw, &st->res[st->n_res])) {
				refuse(why, why_len, nw != 5 ? "line %zu: not 'res NAME EPOCH DUMP_EPOCH "
				       "DUMP_ID'" : "line %zu: a bad name, number or dump id", lineno);
				goto refuse;
			}
			if (name_among(st->res, st->n_res, sizeof(*st->res), st->res[st->n_res].name)) {
				refuse(why, why_len, "line %zu: resource '%s' twice", lineno,
				       st->res[st->n_res].name);
				goto refuse;
			}
			st->n_res++;
		} else if (version >= 2 && nw >= 1 && !strcmp(w[0], "node")) {
			struct local_node nd;
			if (st->n_nodes == RSM_MAX_NODES || !parse_node(w, nw, &nd)) {
				refuse(why, why_len, "line %zu: not 'node NODEID STANDBY STANDBY_GEN' "
				       "(or more than %d nodes)", lineno, RSM_MAX_NODES);
				goto refuse;
			}
			for (size_t i = 0; i < st->n_nodes; i++) {
				if (st->nodes[i].nodeid == nd.nodeid) {
					refuse(why, why_len, "line %zu: node %u twice", lineno, nd.nodeid);
					goto refuse;
				}
			}
			st->nodes[st->n_nodes++] = nd;
		} else if (version >= 2 && nw >= 1 && !strcmp(w[0], "hist")) {
			if (!st->hist && !(st->hist = calloc(RSM_HISTORY, sizeof(*st->hist)))) {
				refuse(why, why_len, "out of memory");
				goto refuse;
			}
			if (st->n_hist == RSM_HISTORY || !parse_hist(w, nw, &st->hist[st->n_hist])) {
				refuse(why, why_len, "line %zu: not 'hist SEQ KIND EPOCH SOURCE TARGET "
				       "OK MS RESOURCE RESULT' (or more than %d)", lineno, RSM_HISTORY);
				goto refuse;
			}
			st->n_hist++;
		} else if (version >= 3 && nw >= 1 && !strcmp(w[0], "fail")) {
			if (!grow((void **)&st->fail, st->n_fail, &cap_fail, sizeof(*st->fail))) {
				refuse(why, why_len, "out of memory");
				goto refuse;
			}
			if (!parse_fail(w, nw, &st->fail[st->n_fail])) {
				refuse(why, why_len, "line %zu: not 'fail NAME FAIL_COUNT RELOC_COUNT "
				       "LAST_FAIL_MS LAST_FAIL'", lineno);
				goto refuse;
			}
			if (name_among(st->fail, st->n_fail, sizeof(*st->fail),
				       st->fail[st->n_fail].name)) {
				refuse(why, why_len, "line %zu: fail line of '%s' twice", lineno,
				       st->fail[st->n_fail].name);
				goto refuse;
			}
			st->n_fail++;
		} else if (version >= 3 && nw >= 1 && !strcmp(w[0], "maint")) {
			if (!grow((void **)&st->maint, st->n_maint, &cap_maint, sizeof(*st->maint))) {
				refuse(why, why_len, "out of memory");
				goto refuse;
			}
			if (!parse_maint(w, nw, &st->maint[st->n_maint])) {
				refuse(why, why_len, "line %zu: not 'maint all - ON GEN', 'maint node "
				       "NODEID ON GEN' or 'maint res NAME ON GEN'", lineno);
				goto refuse;
			}
			for (size_t i = 0; i < st->n_maint; i++) {
				if (same_maint(&st->maint[i], &st->maint[st->n_maint])) {
					refuse(why, why_len, "line %zu: maintenance of the same %s twice",
					       lineno, w[1]);
					goto refuse;
				}
			}
			st->n_maint++;
		} else {
			refuse(why, why_len, "line %zu: not 'res NAME EPOCH DUMP_EPOCH DUMP_ID'%s",
			       lineno, version >= 3 ? ", 'node ...', 'hist ...', 'fail ...' or 'maint ...'" :
			       version == 2 ? ", 'node ...' or 'hist ...'" : "");
			goto refuse;
		}
		records++;
	}
	if (!ended) {
		refuse(why, why_len, lineno ? "no end line (a truncated file)" : "empty");
		goto refuse;
	}
	return 0;
refuse:   /* WHY says why; nothing of the file is used */
	local_state_free(st);
	return -1;
}

int local_state_load(const char *path, struct local_state *st, char *why, size_t why_len)
{
	char *text;
	size_t len;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = read_all(path, &text, &len, why, why_len);
	if (rc != 0)
		return rc;
	rc = local_state_parse(text, st, why, why_len);
	free(text);
	return rc;
}

/* S percent-encoded into OUT (3 * strlen + 2 bytes), "-" when empty. */
static void encode_text(const char *s, char *out)
{
	static const char digits[] = "0123456789ABCDEF";

	if (!*s || !strcmp(s, "-")) {
		strcpy(out, *s ? "%2D" : "-");
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p > ' ' && *p < 0x7f && *p != '%') {
			*out++ = (char)*p;
		} else {
			*out++ = '%';
			*out++ = digits[*p >> 4];
			*out++ = digits[*p & 0xf];
		}
	}
	*out = '\0';
}

_Static_assert(WIRE_TIMES == 7, "a hist line has 7 phase times");

/* The text of the file, malloc'd. */
static char *render(const struct local_state *st, size_t *len)
{
	/* a res line under 200 bytes, a node line under 60, a hist line
	 * under 200 + 3 * (name + result) */
	size_t cap = 64 + st->n_res * 200 + st->n_nodes * 60 + st->n_maint * 120 +
		     st->n_hist * (200 + 3 * (WIRE_NAME_MAX + WIRE_STR_MAX)) +
		     st->n_fail * (100 + WIRE_NAME_MAX + 3 * WIRE_STR_MAX), used;
	char *buf = malloc(cap);
	char hex[2 * WIRE_ID_LEN + 1], name[3 * WIRE_NAME_MAX + 2], result[3 * WIRE_STR_MAX + 2];

	if (!buf)
		return NULL;
	used = (size_t)snprintf(buf, cap, "%s\n", HEADER);
	for (size_t i = 0; i < st->n_res; i++) {
		const struct local_entry *e = &st->res[i];
		wire_id_hex(e->dump_id, hex);
		used += (size_t)snprintf(buf + used, cap - used, "res %s %" PRIu64 " %" PRIu64 " %s\n",
					 e->name, e->epoch, e->dump_epoch, hex);
	}
	for (size_t i = 0; i < st->n_nodes; i++)
		used += (size_t)snprintf(buf + used, cap - used, "node %" PRIu32 " %u %" PRIu64 "\n",
					 st->nodes[i].nodeid, (unsigned)st->nodes[i].standby,
					 st->nodes[i].standby_gen);
	for (size_t i = 0; i < st->n_hist; i++) {
		const struct rsm_history *h = &st->hist[i];
		encode_text(h->resource, name);
		encode_text(h->result, result);
		used += (size_t)snprintf(buf + used, cap - used,
					 "hist %" PRIu64 " %u %" PRIu64 " %" PRIu32 " %" PRIu32 " %d "
					 "%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32
					 ",%" PRIu32 ",%" PRIu32 " %s %s\n",
					 h->seq, (unsigned)h->kind, h->epoch, h->source, h->target,
					 h->ok ? 1 : 0, h->ms[0], h->ms[1], h->ms[2], h->ms[3],
					 h->ms[4], h->ms[5], h->ms[6], name, result);
	}
	for (size_t i = 0; i < st->n_fail; i++) {
		const struct local_fail *x = &st->fail[i];
		encode_text(x->last_fail, result);
		used += (size_t)snprintf(buf + used, cap - used, "fail %s %u %u %" PRIu64 " %s\n",
					 x->name, (unsigned)x->fail_count, (unsigned)x->reloc_count,
					 x->last_fail_ms, result);
	}
	for (size_t i = 0; i < st->n_maint; i++) {
		const struct local_maint *x = &st->maint[i];
		char id[16];
		snprintf(id, sizeof(id), "%" PRIu32, x->nodeid);
		used += (size_t)snprintf(buf + used, cap - used, "maint %s %s %u %" PRIu64 "\n",
					 x->scope == MAINT_CLUSTER ? "all" :
					 x->scope == MAINT_NODE ? "node" : "res",
					 x->scope == MAINT_CLUSTER ? "-" :
					 x->scope == MAINT_NODE ? id : x->name,
					 (unsigned)x->on, x->gen);
	}
	used += (size_t)snprintf(buf + used, cap - used, "end %zu\n",
				 st->n_res + st->n_nodes + st->n_hist + st->n_fail + st->n_maint);
	*len = used;
	return buf;
}

int local_state_save(const char *path, const struct local_state *st, char *why,
		     size_t why_len)
{
	char tmp[4200], dir[4200];
	size_t len;
	char *text;
	int fd, rc = 0;

	for (size_t i = 0; i < st->n_res; i++)
		if (!name_ok(st->res[i].name))
			return refuse(why, why_len, "resource name '%s' cannot be kept",
				      st->res[i].name);
	for (size_t i = 0; i < st->n_fail; i++)
		if (!name_ok(st->fail[i].name))
			return refuse(why, why_len, "resource name '%s' cannot be kept",
				      st->fail[i].name);
	if (st->n_hist > RSM_HISTORY)
		return refuse(why, why_len, "more than %d history entries", RSM_HISTORY);
	for (size_t i = 0; i < st->n_maint; i++)
		if (st->maint[i].scope == MAINT_RESOURCE && !name_ok(st->maint[i].name))
			return refuse(why, why_len, "resource name '%s' cannot be kept",
				      st->maint[i].name);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp))
		return refuse(why, why_len, "path too long");
	snprintf(dir, sizeof(dir), "%s", path);
	if (strrchr(dir, '/'))
		*strrchr(dir, '/') = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return refuse(why, why_len, "cannot create %s: %s", dir, strerror(errno));
	text = render(st, &len);
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
