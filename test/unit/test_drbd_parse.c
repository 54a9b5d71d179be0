/* drbdadm's answers, DRBD 8.4 and 9 (drbd-utils 9), and garbage of every kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/drbd_parse.h"

/* Each parse works on an exact-size heap copy without a NUL, so that
 * AddressSanitizer and valgrind catch any read past the end. */
static char *exact(const char *s, size_t n)
{
	char *p = malloc(n ? n : 1);
	assert_non_null(p);
	if (n)
		memcpy(p, s, n);
	return p;
}

static int role(const char *s, struct drbd_roles *r, char *err, size_t errlen)
{
	size_t n = strlen(s);
	char *p = exact(s, n);
	int rc = drbd_parse_role(p, n, r, err, errlen);
	free(p);
	return rc;
}

static int cstate(const char *s, struct drbd_cstate *c, char *err, size_t errlen)
{
	size_t n = strlen(s);
	char *p = exact(s, n);
	int rc = drbd_parse_cstate(p, n, c, err, errlen);
	free(p);
	return rc;
}

static int dstate(const char *s, struct drbd_dstate *d, char *err, size_t errlen)
{
	size_t n = strlen(s);
	char *p = exact(s, n);
	int rc = drbd_parse_dstate(p, n, d, err, errlen);
	free(p);
	return rc;
}

static int status(const char *s, const char *res, struct drbd_status *st, char *err, size_t errlen)
{
	size_t n = strlen(s);
	char *p = exact(s, n);
	int rc = drbd_parse_status(p, n, res, st, err, errlen);
	free(p);
	return rc;
}

static size_t errline(const char *s, char *dst, size_t dstlen)
{
	size_t n = strlen(s);
	char *p = exact(s, n);
	size_t rc = drbd_error_line(p, n, dst, dstlen);
	free(p);
	return rc;
}

/* ---- role ------------------------------------------------------------------ */

static void role_84(void **state)
{
	struct drbd_roles r;
	char err[128] = "";
	(void)state;

	assert_int_equal(role("Primary/Secondary\n", &r, err, sizeof(err)), 0);
	assert_int_equal(r.local, DRBD_ROLE_PRIMARY);
	assert_true(r.have_peer);
	assert_int_equal(r.peer, DRBD_ROLE_SECONDARY);

	assert_int_equal(role("Secondary/Primary\n", &r, err, sizeof(err)), 0);
	assert_int_equal(r.local, DRBD_ROLE_SECONDARY);
	assert_int_equal(r.peer, DRBD_ROLE_PRIMARY);

	/* disconnected: the peer is Unknown, which is an answer, not an error */
	assert_int_equal(role("Primary/Unknown\n", &r, err, sizeof(err)), 0);
	assert_int_equal(r.local, DRBD_ROLE_PRIMARY);
	assert_true(r.have_peer);
	assert_int_equal(r.peer, DRBD_ROLE_UNKNOWN);

	/* one line per volume */
	assert_int_equal(role("Secondary/Secondary\nSecondary/Secondary\n", &r, err, sizeof(err)), 0);
	assert_int_equal(r.local, DRBD_ROLE_SECONDARY);
	assert_int_equal(r.peer, DRBD_ROLE_SECONDARY);
}

static void role_9(void **state)
{
	struct drbd_roles r;
	char err[128] = "";
	(void)state;

	assert_int_equal(role("Primary\n", &r, err, sizeof(err)), 0);
	assert_int_equal(r.local, DRBD_ROLE_PRIMARY);
	assert_false(r.have_peer);
	assert_int_equal(r.peer, DRBD_ROLE_UNKNOWN);

	assert_int_equal(role("Secondary", &r, err, sizeof(err)), 0);   /* no newline */
	assert_int_equal(r.local, DRBD_ROLE_SECONDARY);
	assert_int_equal(role("  Secondary\r\n\n", &r, err, sizeof(err)), 0);
	assert_int_equal(r.local, DRBD_ROLE_SECONDARY);
}

static void role_errors(void **state)
{
	struct drbd_roles r;
	char err[128];
	(void)state;

	assert_int_equal(role("Unconfigured\n", &r, err, sizeof(err)), -1);
	assert_int_equal(r.local, DRBD_ROLE_UNKNOWN);
	assert_non_null(strstr(err, "not configured"));

	assert_int_equal(role("Unknown\n", &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Unknown"));

	assert_int_equal(role("", &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nothing"));
	assert_int_equal(role("\n \n", &r, err, sizeof(err)), -1);

	assert_int_equal(role("primary\n", &r, err, sizeof(err)), -1);   /* case matters */
	assert_string_equal(err, "not a DRBD role: 'primary'");
	assert_int_equal(role("Primary/Bogus\n", &r, err, sizeof(err)), -1);
	assert_int_equal(r.local, DRBD_ROLE_UNKNOWN);
	assert_false(r.have_peer);
	assert_int_equal(role("Primary Secondary\n", &r, err, sizeof(err)), -1);
	assert_int_equal(role("Primary/Secondary\nSecondary/Secondary\n", &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "different"));
	assert_int_equal(role("Primaryx\n", &r, err, sizeof(err)), -1);
	assert_int_equal(role("/\n", &r, err, sizeof(err)), -1);
}

/* ---- cstate -------------------------------------------------------------- */

static void cstate_both(void **state)
{
	struct drbd_cstate c;
	char err[128] = "";
	static const char *const up[] = { "Connected", "SyncSource", "SyncTarget",
		"PausedSyncT", "VerifyS", "Ahead", "Behind", "WFBitMapS", "StartingSyncT" };
	static const char *const down[] = { "StandAlone", "WFConnection", "Connecting",
		"WFReportParams", "Unconnected", "NetworkFailure", "BrokenPipe",
		"Timeout", "ProtocolError", "TearDown", "Disconnecting" };
	char line[64];
	(void)state;

	for (size_t i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
		snprintf(line, sizeof(line), "%s\n", up[i]);
		assert_int_equal(cstate(line, &c, err, sizeof(err)), 0);
		assert_true(c.connected);
		assert_string_equal(c.name, up[i]);
	}
	for (size_t i = 0; i < sizeof(down) / sizeof(down[0]); i++) {
		snprintf(line, sizeof(line), "%s\n", down[i]);
		assert_int_equal(cstate(line, &c, err, sizeof(err)), 0);
		assert_false(c.connected);
		assert_string_equal(c.name, down[i]);
	}
	/* 9: one line per connection; any link down is news */
	assert_int_equal(cstate("Connected\nConnecting\n", &c, err, sizeof(err)), 0);
	assert_false(c.connected);
	assert_string_equal(c.name, "Connecting");
	assert_int_equal(cstate("Connected\nConnected\n", &c, err, sizeof(err)), 0);
	assert_true(c.connected);
}

static void cstate_errors(void **state)
{
	struct drbd_cstate c;
	char err[128];
	(void)state;

	assert_int_equal(cstate("Unconfigured\n", &c, err, sizeof(err)), -1);
	assert_false(c.connected);
	assert_int_equal(cstate("", &c, err, sizeof(err)), -1);
	assert_int_equal(cstate("Established\n", &c, err, sizeof(err)), -1); /* a replication state */
	assert_string_equal(err, "not a DRBD connection state: 'Established'");
	assert_string_equal(c.name, "");
	assert_int_equal(cstate("Connected\nfoo\n", &c, err, sizeof(err)), -1);
	assert_false(c.connected);
	assert_int_equal(cstate("Connected yes\n", &c, err, sizeof(err)), -1);
}

/* ---- dstate -------------------------------------------------------------- */

static void dstate_both(void **state)
{
	struct drbd_dstate d;
	char err[128] = "";
	(void)state;

	assert_int_equal(dstate("UpToDate/UpToDate\n", &d, err, sizeof(err)), 0);
	assert_int_equal(d.local, DRBD_DISK_UPTODATE);
	assert_true(d.have_peer);
	assert_int_equal(d.peer, DRBD_DISK_UPTODATE);

	assert_int_equal(dstate("UpToDate/DUnknown\n", &d, err, sizeof(err)), 0);
	assert_int_equal(d.peer, DRBD_DISK_DUNKNOWN);
	assert_int_equal(dstate("Outdated/UpToDate\n", &d, err, sizeof(err)), 0);
	assert_int_equal(d.local, DRBD_DISK_OUTDATED);
	assert_int_equal(dstate("Inconsistent/UpToDate\n", &d, err, sizeof(err)), 0);
	assert_int_equal(d.local, DRBD_DISK_INCONSISTENT);
	assert_int_equal(dstate("Diskless/UpToDate\n", &d, err, sizeof(err)), 0);
	assert_int_equal(d.local, DRBD_DISK_DISKLESS);
	assert_int_equal(dstate("Consistent/DUnknown\n", &d, err, sizeof(err)), 0);
	assert_int_equal(d.local, DRBD_DISK_CONSISTENT);
	assert_int_equal(dstate("Negotiating/Attaching\n", &d, err, sizeof(err)), 0);
	assert_int_equal(d.local, DRBD_DISK_NEGOTIATING);
	assert_int_equal(d.peer, DRBD_DISK_ATTACHING);
	assert_int_equal(dstate("Failed/Detaching\n", &d, err, sizeof(err)), 0);
	assert_int_equal(d.local, DRBD_DISK_FAILED);
	assert_int_equal(d.peer, DRBD_DISK_DETACHING);

	/* 9 without peers, and with two */
	assert_int_equal(dstate("UpToDate\n", &d, err, sizeof(err)), 0);
	assert_int_equal(d.local, DRBD_DISK_UPTODATE);
	assert_false(d.have_peer);
	assert_int_equal(dstate("UpToDate/UpToDate/Outdated\n", &d, err, sizeof(err)), 0);
	assert_int_equal(d.peer, DRBD_DISK_OUTDATED);

	/* volumes: the worst one counts */
	assert_int_equal(dstate("UpToDate/UpToDate\nInconsistent/UpToDate\n", &d, err, sizeof(err)), 0);
	assert_int_equal(d.local, DRBD_DISK_INCONSISTENT);
	assert_int_equal(dstate("Outdated/UpToDate\nUpToDate/DUnknown\n", &d, err, sizeof(err)), 0);
	assert_int_equal(d.local, DRBD_DISK_OUTDATED);
	assert_int_equal(d.peer, DRBD_DISK_DUNKNOWN);
}

static void dstate_errors(void **state)
{
	struct drbd_dstate d;
	char err[128];
	(void)state;

	assert_int_equal(dstate("Unconfigured\n", &d, err, sizeof(err)), -1);
	assert_int_equal(dstate("", &d, err, sizeof(err)), -1);
	assert_int_equal(dstate("uptodate/UpToDate\n", &d, err, sizeof(err)), -1);
	assert_int_equal(d.local, DRBD_DISK_UNKNOWN);
	assert_int_equal(dstate("UpToDate/\n", &d, err, sizeof(err)), -1);
	assert_int_equal(dstate("UpToDate//UpToDate\n", &d, err, sizeof(err)), -1);
	assert_int_equal(dstate("unknown\n", &d, err, sizeof(err)), -1);   /* our word, not DRBD's */
	assert_int_equal(dstate("UpToDate/UpToDate\nfoo\n", &d, err, sizeof(err)), -1);
	assert_int_equal(d.local, DRBD_DISK_UNKNOWN);
	assert_false(d.have_peer);
}

static void disk_order(void **state)
{
	(void)state;
	assert_true(drbd_disk_worse(DRBD_DISK_UNKNOWN, DRBD_DISK_DISKLESS));
	assert_true(drbd_disk_worse(DRBD_DISK_DISKLESS, DRBD_DISK_ATTACHING));
	assert_true(drbd_disk_worse(DRBD_DISK_INCONSISTENT, DRBD_DISK_OUTDATED));
	assert_true(drbd_disk_worse(DRBD_DISK_OUTDATED, DRBD_DISK_DUNKNOWN));
	assert_true(drbd_disk_worse(DRBD_DISK_DUNKNOWN, DRBD_DISK_CONSISTENT));
	assert_true(drbd_disk_worse(DRBD_DISK_CONSISTENT, DRBD_DISK_UPTODATE));
	assert_false(drbd_disk_worse(DRBD_DISK_UPTODATE, DRBD_DISK_UPTODATE));
	for (int d = DRBD_DISK_UNKNOWN; d <= DRBD_DISK_DUNKNOWN; d++) {
		const char *n = drbd_disk_name((enum drbd_disk)d);
		if (d != DRBD_DISK_UNKNOWN)
			assert_int_equal(drbd_disk_from_name(n, strlen(n)), d);
	}
	assert_string_equal(drbd_disk_name((enum drbd_disk)99), "unknown");
	assert_string_equal(drbd_role_name((enum drbd_role)-1), "Unknown");
	assert_int_equal(drbd_role_from_name(NULL, 3), DRBD_ROLE_UNKNOWN);
	assert_int_equal(drbd_disk_from_name(NULL, 3), DRBD_DISK_UNKNOWN);
}

/* ---- status -------------------------------------------------------------- */

static const char STATUS_84[] =
	"r0 role:Primary\n"
	"  disk:UpToDate\n"
	"  peer role:Secondary\n"
	"    replication:Established peer-disk:UpToDate\n"
	"\n";

static void status_84(void **state)
{
	struct drbd_status st;
	char err[128] = "";
	(void)state;

	assert_int_equal(status(STATUS_84, "r0", &st, err, sizeof(err)), 0);
	assert_int_equal(st.role, DRBD_ROLE_PRIMARY);
	assert_int_equal(st.disk, DRBD_DISK_UPTODATE);
	assert_true(st.connected);
	assert_int_equal(st.peers, 1);
	assert_int_equal(st.peer_role, DRBD_ROLE_SECONDARY);
	assert_int_equal(st.peer_disk, DRBD_DISK_UPTODATE);
	assert_string_equal(st.cstate, "Connected");

	/* the link down: drbdsetup-84 shows the connection state, no peer role */
	assert_int_equal(status("r0 role:Primary\n  disk:UpToDate\n  peer connection:Connecting\n\n",
				"r0", &st, err, sizeof(err)), 0);
	assert_false(st.connected);
	assert_int_equal(st.peer_role, DRBD_ROLE_UNKNOWN);
	assert_int_equal(st.peer_disk, DRBD_DISK_DUNKNOWN);
	assert_string_equal(st.cstate, "Connecting");

	assert_int_equal(status("r0 role:Secondary\n  disk:Outdated\n  peer connection:StandAlone\n",
				"r0", &st, err, sizeof(err)), 0);
	assert_int_equal(st.disk, DRBD_DISK_OUTDATED);
	assert_string_equal(st.cstate, "StandAlone");

	/* resync in progress: connected, the local disk is not yet good */
	assert_int_equal(status("r0 role:Secondary\n  disk:Inconsistent\n  peer role:Primary\n"
				"    replication:SyncTarget peer-disk:UpToDate done:42.17\n\n",
				"r0", &st, err, sizeof(err)), 0);
	assert_true(st.connected);
	assert_int_equal(st.disk, DRBD_DISK_INCONSISTENT);
	assert_int_equal(st.peer_role, DRBD_ROLE_PRIMARY);

	/* handshake not finished: replication Off is not connected */
	assert_int_equal(status("r0 role:Secondary\n  disk:UpToDate\n  peer role:Unknown\n"
				"    replication:Off peer-disk:DUnknown\n",
				"r0", &st, err, sizeof(err)), 0);
	assert_false(st.connected);
}

static void status_9(void **state)
{
	struct drbd_status st;
	char err[128] = "";
	(void)state;

	assert_int_equal(status("r0 role:Secondary\n  disk:UpToDate\n  node2 role:Primary\n"
				"    peer-disk:UpToDate\n\n", "r0", &st, err, sizeof(err)), 0);
	assert_int_equal(st.role, DRBD_ROLE_SECONDARY);
	assert_true(st.connected);
	assert_int_equal(st.peer_role, DRBD_ROLE_PRIMARY);
	assert_int_equal(st.peer_disk, DRBD_DISK_UPTODATE);

	/* three nodes, one link down: not connected, and the lost peer might be Primary */
	assert_int_equal(status("web role:Secondary\n  disk:UpToDate\n  node2 role:Secondary\n"
				"    peer-disk:UpToDate\n  node3 connection:Connecting\n\n",
				"web", &st, err, sizeof(err)), 0);
	assert_false(st.connected);
	assert_int_equal(st.peers, 2);
	assert_int_equal(st.peer_role, DRBD_ROLE_UNKNOWN);
	assert_int_equal(st.peer_disk, DRBD_DISK_DUNKNOWN);
	assert_string_equal(st.cstate, "Connecting");

	/* verbose, with statistics lines */
	assert_int_equal(status(
		"r0 node-id:0 role:Primary suspended:no\n"
		"    write-ordering:flush\n"
		"  volume:0 minor:0 disk:UpToDate\n"
		"      size:4056 read:1032 written:4112 al-writes:1 bm-writes:0 upper-pending:0\n"
		"      lower-pending:0 al-suspended:no blocked:no\n"
		"  tom node-id:1 connection:Connected role:Secondary congested:no\n"
		"    volume:0 replication:Established peer-disk:UpToDate resync-suspended:no\n"
		"        received:5088 sent:56 out-of-sync:0 pending:0 unacked:0\n",
		"r0", &st, err, sizeof(err)), 0);
	assert_int_equal(st.role, DRBD_ROLE_PRIMARY);
	assert_true(st.connected);
	assert_int_equal(st.peer_role, DRBD_ROLE_SECONDARY);

	/* two volumes: the worst disk on either side */
	assert_int_equal(status("r0 role:Primary\n  volume:0 disk:UpToDate\n  volume:1 disk:Outdated\n"
				"  node2 role:Secondary\n    volume:0 peer-disk:UpToDate\n"
				"    volume:1 replication:SyncSource peer-disk:Inconsistent done:3.00\n\n",
				"r0", &st, err, sizeof(err)), 0);
	assert_int_equal(st.disk, DRBD_DISK_OUTDATED);
	assert_int_equal(st.peer_disk, DRBD_DISK_INCONSISTENT);
	assert_true(st.connected);

	/* intentional diskless client and newer fields */
	assert_int_equal(status("r0 role:Secondary\n  disk:Diskless client:yes open:no\n"
				"  node1 role:Primary\n    peer-disk:UpToDate\n",
				"r0", &st, err, sizeof(err)), 0);
	assert_int_equal(st.disk, DRBD_DISK_DISKLESS);

	/* no connections at all */
	assert_int_equal(status("r0 role:Primary\n  disk:UpToDate\n\n", "r0", &st, err, sizeof(err)), 0);
	assert_false(st.connected);
	assert_int_equal(st.peers, 0);
	assert_string_equal(st.cstate, "");
}

static void status_picks_resource(void **state)
{
	struct drbd_status st;
	char err[128] = "";
	static const char two[] =
		"db role:Primary\n  disk:UpToDate\n  peer role:Secondary\n"
		"    replication:Established peer-disk:UpToDate\n\n"
		"web role:Secondary\n  disk:Outdated\n  peer connection:Connecting\n\n";
	(void)state;

	assert_int_equal(status(two, "web", &st, err, sizeof(err)), 0);
	assert_int_equal(st.role, DRBD_ROLE_SECONDARY);
	assert_int_equal(st.disk, DRBD_DISK_OUTDATED);
	assert_false(st.connected);
	assert_int_equal(status(two, "db", &st, err, sizeof(err)), 0);
	assert_int_equal(st.role, DRBD_ROLE_PRIMARY);
	assert_true(st.connected);
	assert_int_equal(status(two, NULL, &st, err, sizeof(err)), 0);
	assert_int_equal(st.role, DRBD_ROLE_PRIMARY);
	/* a prefix of a name is not the name */
	assert_int_equal(status(two, "we", &st, err, sizeof(err)), -1);
	assert_string_equal(err, "resource 'we' is not in drbdadm status");
	assert_int_equal(st.role, DRBD_ROLE_UNKNOWN);
	assert_false(st.connected);
}

static void status_wrapped_and_coloured(void **state)
{
	struct drbd_status st;
	char err[128] = "";
	(void)state;

	/* an 80-column wrap puts the role on a continuation line */
	assert_int_equal(status(
		"a-resource-name-that-is-long-enough-to-push-the-role-past-eighty-columns-x\n"
		"    role:Secondary suspended:no\n"
		"  disk:UpToDate\n"
		"  peer role:Primary\n"
		"    replication:Established peer-disk:UpToDate\n",
		NULL, &st, err, sizeof(err)), 0);
	assert_int_equal(st.role, DRBD_ROLE_SECONDARY);
	assert_int_equal(st.peer_role, DRBD_ROLE_PRIMARY);

	assert_int_equal(status(
		"r0 role:\033[1;36mPrimary\033[0m\n"
		"  disk:\033[1;32mUpToDate\033[0m\n"
		"  peer role:\033[36mSecondary\033[0m\n"
		"    replication:\033[32mEstablished\033[0m peer-disk:\033[32mUpToDate\033[0m\n",
		"r0", &st, err, sizeof(err)), 0);
	assert_int_equal(st.role, DRBD_ROLE_PRIMARY);
	assert_int_equal(st.disk, DRBD_DISK_UPTODATE);
	assert_true(st.connected);
	assert_int_equal(st.peer_disk, DRBD_DISK_UPTODATE);

	/* CRLF and no final newline */
	assert_int_equal(status("r0 role:Primary\r\n  disk:UpToDate\r\n  peer role:Secondary\r\n"
				"    replication:Established peer-disk:UpToDate", "r0", &st, err, sizeof(err)), 0);
	assert_true(st.connected);
	assert_int_equal(st.peer_disk, DRBD_DISK_UPTODATE);
}

static void status_errors(void **state)
{
	struct drbd_status st;
	char err[128];
	(void)state;

	assert_int_equal(status("# No currently configured DRBD found.\n", NULL, &st, err, sizeof(err)), -1);
	assert_string_equal(err, "drbdadm status shows no resource");
	assert_int_equal(status("", "r0", &st, err, sizeof(err)), -1);
	assert_int_equal(status("r0 role:Boss\n  disk:UpToDate\n", "r0", &st, err, sizeof(err)), -1);
	assert_int_equal(st.role, DRBD_ROLE_UNKNOWN);
	assert_int_equal(st.disk, DRBD_DISK_UPTODATE);   /* the rest is still read */
	assert_int_equal(status("r0 role:Primary\n  disk:Shiny\n", "r0", &st, err, sizeof(err)), -1);
	assert_int_equal(st.disk, DRBD_DISK_UNKNOWN);
	assert_int_equal(status("r0 role:Primary\n", "r0", &st, err, sizeof(err)), -1);
	assert_string_equal(err, "drbdadm status shows no disk");
	assert_int_equal(status("r0\n  disk:UpToDate\n", "r0", &st, err, sizeof(err)), -1);
	assert_string_equal(err, "drbdadm status shows no role");
	assert_int_equal(status("r0 role:Primary\n  disk:UpToDate\n  peer connection:Sleeping\n",
				"r0", &st, err, sizeof(err)), -1);
	assert_false(st.connected);
	assert_int_equal(status("r0 role:Primary\n  disk:UpToDate\n  peer role:Secondary\n"
				"    replication:Flying peer-disk:UpToDate\n", "r0", &st, err, sizeof(err)), -1);
	assert_false(st.connected);
	assert_int_equal(status("r0 role:Primary role:Secondary\n  disk:UpToDate\n",
				"r0", &st, err, sizeof(err)), -1);
	/* a peer line with neither role nor connection is not a live link */
	assert_int_equal(status("r0 role:Primary\n  disk:UpToDate\n  peer\n", "r0", &st, err, sizeof(err)), 0);
	assert_false(st.connected);
	assert_string_equal(st.cstate, "Unconnected");
}

/* ---- stderr ---------------------------------------------------------------- */

static void error_lines(void **state)
{
	char dst[256];
	(void)state;

	assert_int_equal(errline("0: State change failed: (-1) Multiple primaries not allowed by config\n"
				 "Command 'drbdsetup-84 primary 0' terminated with exit code 11\n",
				 dst, sizeof(dst)),
			 strlen("0: State change failed: (-1) Multiple primaries not allowed by config"));
	assert_string_equal(dst, "0: State change failed: (-1) Multiple primaries not allowed by config");

	errline("r0: State change failed: (-2) Need access to UpToDate data\n"
		"additional info from kernel:\n"
		"Refusing to be Primary without at least one UpToDate disk\n"
		"Command 'drbdsetup primary r0 --force=no' terminated with exit code 17\n", dst, sizeof(dst));
	assert_string_equal(dst, "r0: State change failed: (-2) Need access to UpToDate data "
			    "(Refusing to be Primary without at least one UpToDate disk)");

	errline("  0: State change failed: (-12) Device is held open by someone  \r\n"
		"Command 'drbdsetup-84 secondary 0' terminated with exit code 11", dst, sizeof(dst));
	assert_string_equal(dst, "0: State change failed: (-12) Device is held open by someone");

	errline("'r9' not defined in your config (for this host).\n", dst, sizeof(dst));
	assert_string_equal(dst, "'r9' not defined in your config (for this host).");

	errline("0: Failure: (127) Device minor not allocated\nadditional info from kernel:\n"
		"unknown minor\nCommand 'drbdsetup-84 primary 0' terminated with exit code 10\n", dst, sizeof(dst));
	assert_string_equal(dst, "0: Failure: (127) Device minor not allocated");

	/* a warning first: DRBD's own line still wins */
	errline("drbd.d/r0.res:3: Parse warning: 'syncer' section is deprecated\n"
		"0: State change failed: (-1) Multiple primaries not allowed by config\n", dst, sizeof(dst));
	assert_string_equal(dst, "0: State change failed: (-1) Multiple primaries not allowed by config");

	errline("\n\nCommand 'drbdsetup-84 primary 0' terminated with exit code 20\n", dst, sizeof(dst));
	assert_string_equal(dst, "Command 'drbdsetup-84 primary 0' terminated with exit code 20");

	errline("no resources defined!\nCommand 'x' terminated with exit code 1\n", dst, sizeof(dst));
	assert_string_equal(dst, "no resources defined!");

	assert_int_equal(errline("", dst, sizeof(dst)), 0);
	assert_string_equal(dst, "");
	assert_int_equal(errline(" \n\t\n\r\n", dst, sizeof(dst)), 0);
	assert_int_equal(drbd_error_line(NULL, 10, dst, sizeof(dst)), 0);
	assert_string_equal(dst, "");

	/* non-printable bytes do not reach handoffctl's terminal */
	errline("0: State change failed: \033[31m(-1)\x01\n", dst, sizeof(dst));
	assert_string_equal(dst, "0: State change failed: ?[31m(-1)?");
}

static void error_line_bounds(void **state)
{
	char dst[16];
	const char *msg = "0: State change failed: (-1) Multiple primaries not allowed by config\n";
	(void)state;

	memset(dst, 'X', sizeof(dst));
	assert_int_equal(errline(msg, dst, 8), 7);
	assert_string_equal(dst, "0: Stat");
	assert_int_equal(dst[8], 'X');
	assert_int_equal(errline(msg, dst, 1), 0);
	assert_string_equal(dst, "");
	dst[0] = 'X';
	assert_int_equal(errline(msg, dst, 0), 0);
	assert_int_equal(dst[0], 'X');
}

static void exit_codes(void **state)
{
	char dst[256];
	const char *msg = "0: State change failed: (-1) Multiple primaries not allowed by config\n"
			  "Command 'drbdsetup-84 primary 0' terminated with exit code 11\n";
	(void)state;

	assert_string_equal(drbd_exit_reason(11), "refused by DRBD");
	assert_non_null(strstr(drbd_exit_reason(17), "UpToDate"));
	assert_string_equal(drbd_exit_reason(20), "drbdadm error");
	assert_string_equal(drbd_exit_reason(-1), "drbdadm failed");
	assert_string_equal(drbd_exit_reason(126), "drbdadm failed");

	drbd_describe_failure(11, msg, strlen(msg), dst, sizeof(dst));
	assert_string_equal(dst, "refused by DRBD: 0: State change failed: (-1) Multiple "
			    "primaries not allowed by config");
	drbd_describe_failure(11, "", 0, dst, sizeof(dst));
	assert_string_equal(dst, "refused by DRBD");
	drbd_describe_failure(127, NULL, 0, dst, sizeof(dst));
	assert_string_equal(dst, "drbdadm failed (exit code 127)");
	assert_int_equal(drbd_describe_failure(11, msg, strlen(msg), dst, 10), 9);
	assert_string_equal(dst, "refused b");
	assert_int_equal(drbd_describe_failure(11, msg, strlen(msg), dst, 0), 0);
}

/* ---- garbage ----------------------------------------------------------------- */

static void parse_all(const char *buf, size_t len)
{
	struct drbd_roles r;
	struct drbd_cstate c;
	struct drbd_dstate d;
	struct drbd_status st;
	char err[64] = "", line[64];
	char *p = exact(buf, len);

	/* garbage may fail or, by chance, parse; it must never crash or overrun */
	(void)drbd_parse_role(p, len, &r, err, sizeof(err));
	(void)drbd_parse_cstate(p, len, &c, err, sizeof(err));
	(void)drbd_parse_dstate(p, len, &d, err, sizeof(err));
	(void)drbd_parse_status(p, len, "r0", &st, err, sizeof(err));
	(void)drbd_parse_status(p, len, NULL, &st, NULL, 0);
	(void)drbd_error_line(p, len, line, sizeof(line));
	assert_true(strlen(err) < sizeof(err));
	assert_true(strnlen(c.name, sizeof(c.name)) < sizeof(c.name));
	free(p);
}

static void garbage_is_unknown(void **state)
{
	struct drbd_roles r;
	struct drbd_cstate c;
	struct drbd_dstate d;
	struct drbd_status st;
	char err[64];
	static const char bin[] = "\x00\xff\xfe\x01Primary\x00/Secondary\n\x7f\x80";
	(void)state;

	/* NUL inside a word: not the word */
	assert_int_equal(drbd_parse_role(bin, sizeof(bin) - 1, &r, err, sizeof(err)), -1);
	assert_int_equal(r.local, DRBD_ROLE_UNKNOWN);
	assert_int_equal(drbd_parse_role("Prim\0ary", 8, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "not a DRBD role: 'Prim?ary'");
	assert_int_equal(drbd_parse_role("Primary\0", 8, &r, err, sizeof(err)), -1);
	assert_int_equal(drbd_parse_cstate(bin, sizeof(bin) - 1, &c, err, sizeof(err)), -1);
	assert_false(c.connected);
	assert_int_equal(drbd_parse_dstate(bin, sizeof(bin) - 1, &d, err, sizeof(err)), -1);
	assert_int_equal(drbd_parse_status(bin, sizeof(bin) - 1, NULL, &st, err, sizeof(err)), -1);
	assert_false(st.connected);
	assert_int_equal(st.role, DRBD_ROLE_UNKNOWN);

	/* a length shorter than the text: only the prefix counts */
	assert_int_equal(drbd_parse_role("Primary/Secondary\n", 7, &r, err, sizeof(err)), 0);
	assert_false(r.have_peer);
	assert_int_equal(drbd_parse_role("Primary/Secondary\n", 3, &r, err, sizeof(err)), -1);

	/* NULL and zero-length, with and without an error buffer */
	assert_int_equal(drbd_parse_role(NULL, 100, &r, NULL, 0), -1);
	assert_int_equal(drbd_parse_cstate(NULL, 0, &c, err, 1), -1);
	assert_string_equal(err, "");
	assert_int_equal(drbd_parse_dstate("", 0, &d, NULL, 0), -1);
	assert_int_equal(drbd_parse_status(NULL, 0, "r0", &st, err, sizeof(err)), -1);
}

static void long_lines(void **state)
{
	size_t n = 1 << 20;
	char *big = malloc(n);
	struct drbd_roles r;
	struct drbd_cstate c;
	struct drbd_status st;
	char err[128];
	(void)state;

	assert_non_null(big);
	memset(big, 'A', n);
	assert_int_equal(drbd_parse_role(big, n, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "..."));
	assert_int_equal(drbd_parse_status(big, n, NULL, &st, err, sizeof(err)), -1);

	/* "Primary" repeated without a blank: one enormous word */
	for (size_t i = 0; i + 7 <= n; i += 7)
		memcpy(big + i, "Primary", 7);
	assert_int_equal(drbd_parse_role(big, n - n % 7, &r, err, sizeof(err)), -1);
	assert_int_equal(drbd_parse_cstate(big, n, &c, err, sizeof(err)), -1);

	/* a real answer after a megabyte of blanks still parses */
	memset(big, ' ', n);
	memcpy(big + n - 10, "Connected\n", 10);
	assert_int_equal(drbd_parse_cstate(big, n, &c, err, sizeof(err)), 0);
	assert_true(c.connected);

	/* a status block whose lines are all enormous */
	memset(big, 'x', n);
	memcpy(big, "r0 role:Primary\n  disk:", 23);
	assert_int_equal(drbd_parse_status(big, n, "r0", &st, err, sizeof(err)), -1);
	assert_int_equal(st.role, DRBD_ROLE_PRIMARY);
	assert_int_equal(st.disk, DRBD_DISK_UNKNOWN);
	free(big);
}

static void random_bytes(void **state)
{
	uint32_t x = 2463534242u;
	char buf[4096];
	static const char *const words[] = { "Primary", "Secondary", "/", "\n", " ", ":",
		"role:", "disk:", "peer", "  ", "    ", "connection:", "replication:",
		"peer-disk:", "UpToDate", "Connected", "r0", "\033[", "\r", "volume:0" };
	(void)state;

	for (int round = 0; round < 3000; round++) {
		size_t len = 0, want;

		x ^= x << 13; x ^= x >> 17; x ^= x << 5;
		want = x % sizeof(buf);
		while (len < want) {
			x ^= x << 13; x ^= x >> 17; x ^= x << 5;
			if (round % 2) {
				buf[len++] = (char)(x & 0xff);
			} else {
				const char *w = words[x % (sizeof(words) / sizeof(words[0]))];
				size_t wl = strlen(w);
				if (len + wl > sizeof(buf))
					break;
				memcpy(buf + len, w, wl);
				len += wl;
			}
		}
		parse_all(buf, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(role_84),
		cmocka_unit_test(role_9),
		cmocka_unit_test(role_errors),
		cmocka_unit_test(cstate_both),
		cmocka_unit_test(cstate_errors),
		cmocka_unit_test(dstate_both),
		cmocka_unit_test(dstate_errors),
		cmocka_unit_test(disk_order),
		cmocka_unit_test(status_84),
		cmocka_unit_test(status_9),
		cmocka_unit_test(status_picks_resource),
		cmocka_unit_test(status_wrapped_and_coloured),
		cmocka_unit_test(status_errors),
		cmocka_unit_test(error_lines),
		cmocka_unit_test(error_line_bounds),
		cmocka_unit_test(exit_codes),
		cmocka_unit_test(garbage_is_unknown),
		cmocka_unit_test(long_lines),
		cmocka_unit_test(random_bytes),
	};
	return cmocka_run_group_tests_name("drbd_parse", tests, NULL, NULL);
}
