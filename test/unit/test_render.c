/* handoffctl's output: table, -d DELIM and --json, and incomplete answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ctl_render.h"

static const char MEMBERS[] =
	"{\"group\":\"handoff\",\"local_nodeid\":2,\"members\":["
	"{\"nodeid\":1,\"pid\":101,\"name\":\"node1\",\"local\":false,\"role\":\"handoffd\"},"
	"{\"nodeid\":2,\"pid\":202,\"name\":\"node2\",\"local\":true},"
	"{\"nodeid\":3,\"pid\":303,\"name\":\"\",\"local\":false,\"role\":\"foreign\"},"
	"{\"nodeid\":4,\"pid\":404,\"name\":\"node4\",\"role\":\"handoffd\",\"maintenance\":true}]}";

static const char QUORUM[] =
	"{\"local_nodeid\":1,\"quorate\":true,\"ring_id\":\"1.2c\","
	"\"expected_votes\":3,\"highest_expected\":3,\"total_votes\":2,"
	"\"quorum\":2,\"node_votes\":1,\"flags\":[\"wait_for_all\"],"
	"\"members\":[{\"nodeid\":1,\"name\":\"node1\"},{\"nodeid\":2,\"name\":\"node2\"}],"
	"\"gate\":{\"open\":true,\"reason\":\"open\",\"cpg_ring_id\":\"1.2c\"}}";

struct capture {
	char *out, *err;
	size_t out_len, err_len;
	int rc;
};

typedef int (*render_fn)(FILE *, FILE *, json_object *, const struct render_opts *);

static struct capture run(render_fn fn, const char *json, enum render_format fmt,
			  const char *delim)
{
	struct capture c = { 0 };
	struct render_opts o = { .format = fmt, .delim = delim };
	FILE *out = open_memstream(&c.out, &c.out_len);
	FILE *err = open_memstream(&c.err, &c.err_len);
	json_object *doc = json_tokener_parse(json);

	assert_non_null(doc);
	c.rc = fn(out, err, doc, &o);
	fclose(out);
	fclose(err);
	json_object_put(doc);
	return c;
}

static void done(struct capture *c)
{
	free(c->out);
	free(c->err);
}

static void members_table(void **state)
{
	struct capture c = run(render_members, MEMBERS, RENDER_TABLE, NULL);
	(void)state;
	assert_int_equal(c.rc, 0);
	assert_non_null(strstr(c.out, "Group: handoff (4 members)\n"));
	/* its node in maintenance (rule 33) */
	assert_non_null(strstr(c.out, "         4        404  handoffd  node4 MAINTENANCE\n"));
	assert_non_null(strstr(c.out, "   Node ID        PID  Role      Name\n"));
	/* a daemon that names no role (an older one) took every member for a handoffd */
	assert_non_null(strstr(c.out, "         2        202  handoffd  node2 (local)\n"));
	/* a CPG process that is not handoffd (issue 16) */
	assert_non_null(strstr(c.out, "         3        303  foreign   -\n"));
	done(&c);
}

static void members_delim(void **state)
{
	struct capture c = run(render_members, MEMBERS, RENDER_DELIM, ":");
	(void)state;
	assert_int_equal(c.rc, 0);
	assert_string_equal(c.out, "1:101:node1:handoffd:0\n2:202:node2:handoffd:0\n3:303::foreign:0\n"
			    "4:404:node4:handoffd:1\n");
	done(&c);
}

static void members_json_roundtrips(void **state)
{
	struct capture c = run(render_members, MEMBERS, RENDER_JSON, NULL);
	json_object *back, *arr;
	(void)state;
	assert_int_equal(c.rc, 0);
	back = json_tokener_parse(c.out);
	assert_non_null(back);
	assert_true(json_object_object_get_ex(back, "members", &arr));
	assert_int_equal(json_object_array_length(arr), 4);
	json_object_put(back);
	done(&c);
}

static void members_missing_field(void **state)
{
	struct capture c = run(render_members, "{\"group\":\"x\"}", RENDER_TABLE, NULL);
	(void)state;
	assert_int_equal(c.rc, -1);
	assert_non_null(strstr(c.err, "lacks 'members'"));
	done(&c);
}

static void members_mistyped_entries_do_not_crash(void **state)
{
	struct capture c = run(render_members,
		"{\"members\":[{\"nodeid\":\"one\"},7,null]}", RENDER_DELIM, ",");
	(void)state;
	assert_int_equal(c.rc, 0);
	assert_string_equal(c.out, "-1,-1,,handoffd,0\n-1,-1,,handoffd,0\n-1,-1,,handoffd,0\n");
	done(&c);
}

static void quorum_table(void **state)
{
	struct capture c = run(render_quorum, QUORUM, RENDER_TABLE, NULL);
	(void)state;
	assert_int_equal(c.rc, 0);
	assert_non_null(strstr(c.out, "Quorate:          Yes\n"));
	assert_non_null(strstr(c.out, "Ring ID:          1.2c\n"));
	assert_non_null(strstr(c.out, "Total votes:      2\n"));
	assert_non_null(strstr(c.out, "Flags:            wait_for_all\n"));
	assert_non_null(strstr(c.out, "Quorum gate:      open (ring 1.2c)\n"));
	assert_non_null(strstr(c.out, "         1  node1 (local)\n"));
	done(&c);
}

static void quorum_delim(void **state)
{
	struct capture c = run(render_quorum, QUORUM, RENDER_DELIM, "\t");
	(void)state;
	assert_int_equal(c.rc, 0);
	assert_string_equal(c.out,
		"quorate\t1\nring_id\t1.2c\nexpected_votes\t3\ntotal_votes\t2\n"
		"quorum\t2\nflags\twait_for_all\ngate\topen\nmembers\t1\t2\n");
	done(&c);
}

static void quorum_closed_gate_says_why(void **state)
{
	struct capture c = run(render_quorum,
		"{\"quorate\":false,\"members\":[],\"gate\":{\"open\":false,"
		"\"reason\":\"not quorate\"}}", RENDER_TABLE, NULL);
	(void)state;
	assert_int_equal(c.rc, 0);
	assert_non_null(strstr(c.out, "Quorate:          No\n"));
	assert_non_null(strstr(c.out, "Quorum gate:      closed: not quorate\n"));
	assert_non_null(strstr(c.out, "Flags:            -\n"));
	done(&c);
}

static void quorum_missing_gate(void **state)
{
	struct capture c = run(render_quorum, "{\"members\":[]}", RENDER_TABLE, NULL);
	(void)state;
	assert_int_equal(c.rc, -1);
	assert_non_null(strstr(c.err, "lacks 'gate'"));
	done(&c);
}

static const char STATUS[] =
	"{\"gate_open\":true,\"gate\":\"open\",\"syncing\":false,\"nodes\":["
	"{\"nodeid\":1,\"name\":\"node1\",\"member\":true,\"eligible\":true,\"config\":\"ok\"},"
	"{\"nodeid\":2,\"name\":\"node2\",\"member\":true,\"eligible\":false,\"config\":\"differs\"},"
	"{\"nodeid\":3,\"name\":\"node3\",\"member\":false,\"eligible\":false,\"config\":\"\","
	"\"self_fence\":\"fencing\"},"
	"{\"nodeid\":4,\"name\":\"node4\",\"member\":true,\"eligible\":true,\"config\":\"ok\","
	"\"standby\":true,\"maintenance\":true},"
	"{\"nodeid\":5,\"name\":\"node5\",\"member\":true,\"eligible\":true,\"config\":\"ok\","
	"\"timing\":\"its fence_delay (36000 ms) does not cover node 1's self-fence deadline\"},"
	"{\"nodeid\":6,\"name\":\"node6\",\"member\":false,\"eligible\":false,\"config\":\"\","
	"\"self_fence\":\"unknown\"}],"
	"\"resources\":[{\"name\":\"web\",\"phase\":\"RUNNING\",\"owner\":1,\"owner_name\":\"node1\","
	"\"owner_lost\":false,\"epoch\":4,\"nodes\":[\"node1\",\"node3\"],\"last_error\":\"\","
	"\"fail_count\":2,\"max_restarts\":3,\"last_failure_ms\":1800000000123,"
	"\"last_failure\":\"workload on node 1: monitor\"},"
	"{\"name\":\"mail\",\"phase\":\"STOPPING\",\"owner\":2,\"owner_name\":\"node2\","
	"\"epoch\":8,\"nodes\":[\"node2\",\"node4\"],\"last_error\":\"\",\"target\":4,"
	"\"target_name\":\"node4\",\"relocating\":true,\"reloc_count\":1,"
	"\"max_relocations\":2,\"fail_count\":0,\"last_failure_ms\":1800000000123,"
	"\"last_failure\":\"storage on node 2: disk Failed\"},"
	"{\"name\":\"db\",\"phase\":\"FAILED\",\"owner\":3,\"owner_name\":\"node3\","
	"\"owner_lost\":true,\"epoch\":2,\"nodes\":[\"node3\"],\"last_error\":\"start on node 3: boom\"},"
	"{\"name\":\"app\",\"phase\":\"FAILING_OVER\",\"owner\":4,\"owner_name\":\"node4\","
	"\"epoch\":3,\"nodes\":[\"node4\"],\"last_error\":\"\",\"maintenance\":true,"
	"\"maintenance_why\":\"its owner, node 4, is in maintenance\",\"lost_owners\":["
	"{\"nodeid\":6,\"name\":\"node6\",\"fence\":\"unfenced\"},"
	"{\"nodeid\":3,\"name\":\"\",\"fence\":\"watchdog\"}]}]}";

static void status_table(void **state)
{
	struct capture c = run(render_status, STATUS, RENDER_TABLE, NULL);
	(void)state;
	assert_int_equal(c.rc, 0);
	assert_non_null(strstr(c.out, "Quorum:   quorate (gate open)\n"));
	assert_non_null(strstr(c.out, "node1            yes      ok\n"));
	assert_non_null(strstr(c.out, "node2            yes      DIFFERS: INELIGIBLE\n"));
	assert_non_null(strstr(c.out, "node3            no       -, SELF-FENCING\n"));
	assert_non_null(strstr(c.out, "node4            yes      ok, STANDBY, MAINTENANCE\n"));
	/* maintenance, loudly: a banner, a marker and why (rule 33) */
	assert_non_null(strstr(c.out, "MAINTENANCE: 1 node, 1 resource: handoffd leaves it alone "
			       "(handoffctl maintenance off)\n"));
	assert_non_null(strstr(c.out, "app              FAILING_OVER node4                 3  node4  MAINT\n"
			       "                 MAINTENANCE: its owner, node 4, is in maintenance; "
			       "not monitored, nothing decided\n"));
	assert_null(strstr(c.out, "web              RUNNING   node1                 4  node1 node3  MAINT"));
	assert_non_null(strstr(c.out, "web              RUNNING   node1                 4  node1 node3\n"));
	assert_non_null(strstr(c.out, "db               FAILED    node3 (LOST)          2  node3\n"));
	assert_non_null(strstr(c.out, "last error: start on node 3: boom\n"));
	/* issue 17: the fail count and the last failure with its time */
	assert_non_null(strstr(c.out, "node1 node3\n                 failures: 2 of at most 3 "
			       "restarts; last at 2027-01-15 08:00:00 UTC: workload on node 1: "
			       "monitor\n"));
	/* a relocation under way and the count (rules 29-32) */
	assert_non_null(strstr(c.out, "node2 node4\n                 relocating to node4: a cold "
			       "start there once the stop ends\n                 relocations: 1 of "
			       "at most 2\n                 failures: 0 of at most 0 restarts; last "
			       "at 2027-01-15 08:00:00 UTC: storage on node 2: disk Failed\n"));
	/* issue 15: timings across nodes, a node no timer calls fenced, and
	 * the lost owners a failover waits for */
	assert_non_null(strstr(c.out, "node5            yes      TIMING: INELIGIBLE\n"
			       "            its fence_delay (36000 ms) does not cover node 1's"));
	assert_non_null(strstr(c.out, "node6            no       -, NOT FENCED (no watchdog)\n"));
	assert_non_null(strstr(c.out, "lost owners: node6 (NOT FENCED: handoffctl fence-confirm "
			       "once it is down), 3 (its watchdog: fenced after fence_delay)\n"));
	done(&c);
}

static void status_delim(void **state)
{
	struct capture c = run(render_status, STATUS, RENDER_DELIM, ":");
	(void)state;
	assert_int_equal(c.rc, 0);
	assert_string_equal(c.out, "web:RUNNING:1:4::2:1800000000123:workload on node 1: monitor:0:0:\n"
			    "mail:STOPPING:2:8::0:1800000000123:storage on node 2: disk Failed:1:0:\n"
			    "db:FAILED:3:2:start on node 3: boom:0:0::0:0:\n"
			    "app:FAILING_OVER:4:3::0:0::0:1:its owner, node 4, is in maintenance\n");
	done(&c);
}

/* The whole cluster in maintenance: one banner says so */
static void status_cluster_maintenance(void **state)
{
	struct capture c = run(render_status, "{\"gate_open\":true,\"maintenance\":true,"
			       "\"nodes\":[],\"resources\":[]}", RENDER_TABLE, NULL);
	(void)state;
	assert_int_equal(c.rc, 0);
	assert_non_null(strstr(c.out, "MAINTENANCE: the whole cluster: handoffd monitors, restarts, "
			       "fails over and moves nothing (handoffctl maintenance off --all)\n"));
	done(&c);
	c = run(render_status, "{\"nodes\":[],\"resources\":[]}", RENDER_TABLE, NULL);
	assert_null(strstr(c.out, "MAINTENANCE"));
	done(&c);
}

static void status_missing_resources(void **state)
{
	struct capture c = run(render_status, "{\"nodes\":[]}", RENDER_TABLE, NULL);
	(void)state;
	assert_int_equal(c.rc, -1);
	assert_non_null(strstr(c.err, "lacks 'resources'"));
	done(&c);
}

static void message_formats(void **state)
{
	const char *doc = "{\"ok\":true,\"resource\":\"web\",\"epoch\":5,"
			  "\"message\":\"starting web on node 2 (epoch 5)\"}";
	struct capture c = run(render_message, doc, RENDER_TABLE, NULL);
	(void)state;
	assert_string_equal(c.out, "starting web on node 2 (epoch 5)\n");
	done(&c);
	c = run(render_message, doc, RENDER_DELIM, "|");
	assert_string_equal(c.out, "web|5|starting web on node 2 (epoch 5)\n");
	done(&c);
	c = run(render_message, "{\"ok\":true}", RENDER_TABLE, NULL);
	assert_int_equal(c.rc, -1);
	done(&c);
}

static void reload_formats(void **state)
{
	const char *doc = "{\"ok\":true,\"message\":\"/etc/handoff/handoff.conf reloaded: 1 added, "
			  "0 removed, 2 changed; digest 00000000000000aa, was 00000000000000bb\","
			  "\"digest\":\"00000000000000aa\",\"previous_digest\":\"00000000000000bb\","
			  "\"changes\":[{\"kind\":\"added\",\"resource\":\"db\",\"keys\":\"\"},"
			  "{\"kind\":\"changed\",\"resource\":\"web\",\"keys\":\"timeout_start, max_restarts\"},"
			  "{\"kind\":\"changed\",\"resource\":\"\",\"keys\":\"notify\"}],"
			  "\"warning\":\"stop path too long\"}";
	struct capture c = run(render_reload, doc, RENDER_TABLE, NULL);
	(void)state;
	assert_int_equal(c.rc, 0);
	assert_string_equal(c.out, "/etc/handoff/handoff.conf reloaded: 1 added, 0 removed, 2 changed; "
			    "digest 00000000000000aa, was 00000000000000bb\n"
			    "warning: stop path too long\n"
			    "  added    db\n"
			    "  changed  web: timeout_start, max_restarts\n"
			    "  changed  [cluster]: notify\n");
	done(&c);
	c = run(render_reload, doc, RENDER_DELIM, "|");
	assert_string_equal(c.out, "added|db|\nchanged|web|timeout_start, max_restarts\n"
			    "changed||notify\n");
	done(&c);
	c = run(render_reload, "{\"ok\":true,\"message\":\"x\"}", RENDER_TABLE, NULL);
	assert_int_equal(c.rc, -1);
	assert_non_null(strstr(c.err, "'changes'"));
	done(&c);
	c = run(render_reload, "{\"message\":\"x\",\"changes\":[7,{\"kind\":1}]}", RENDER_DELIM, "|");
	assert_int_equal(c.rc, 0);      /* mistyped entries print as what they lack */
	done(&c);
}

static void probe_formats(void **state)
{
	const char *drbd = "{\"resource\":\"web\",\"nodeid\":2,\"storage\":\"drbd\","
			   "\"role\":\"Primary\",\"disk\":\"UpToDate\",\"connection\":\"Connected\","
			   "\"mounted\":true,\"running\":false}";
	const char *shared = "{\"resource\":\"job\",\"nodeid\":1,\"storage\":\"shared\","
			     "\"role\":null,\"disk\":null,\"connection\":null,"
			     "\"mounted\":false,\"running\":false}";
	struct capture c = run(render_probe, drbd, RENDER_TABLE, NULL);
	(void)state;
	assert_string_equal(c.out, "web on node 2: DRBD Primary, UpToDate, Connected; mounted; "
			    "workload not running\n");
	done(&c);
	c = run(render_probe, drbd, RENDER_DELIM, ":");
	assert_string_equal(c.out, "web:2:Primary:UpToDate:Connected:mounted:stopped\n");
	done(&c);
	c = run(render_probe, shared, RENDER_TABLE, NULL);
	assert_string_equal(c.out, "job on node 1: not mounted; workload not running\n");
	done(&c);
	c = run(render_probe, shared, RENDER_DELIM, ":");
	assert_string_equal(c.out, "job:1:-:-:-:unmounted:stopped\n");
	done(&c);
	c = run(render_probe, "{\"nodeid\":1}", RENDER_TABLE, NULL);
	assert_int_equal(c.rc, -1);
	done(&c);
}

static const char HISTORY[] =
	"{\"history\":[{\"resource\":\"web\",\"epoch\":3,\"kind\":\"migration\",\"source\":2,"
	"\"source_name\":\"node2\",\"target\":1,\"target_name\":\"\",\"ok\":false,"
	"\"result\":\"rolled back on the source: umount: busy\",\"phases\":{\"dump_ms\":40,"
	"\"sync_ms\":5,\"umount_ms\":3,\"demote_ms\":0,\"promote_ms\":0,\"mount_ms\":0,"
	"\"restore_ms\":90},\"frozen_ms\":150,\"total_ms\":210}]}";

static void history_formats(void **state)
{
	struct capture c = run(render_history, HISTORY, RENDER_TABLE, NULL);
	json_object *entry, *list;
	(void)state;
	assert_int_equal(c.rc, 0);
	assert_non_null(strstr(c.out, "Resource          Epoch Kind"));
	/* a target without a name shows its nodeid */
	assert_non_null(strstr(c.out, "web                   3 migration node2      1             "
				   "150ms    210ms  rolled back on the source: umount: busy\n"));
	done(&c);
	c = run(render_history, HISTORY, RENDER_DELIM, "|");
	assert_string_equal(c.out, "web|3|migration|node2|1|failed|40|5|3|0|0|0|90|150|210|"
			    "rolled back on the source: umount: busy\n");
	done(&c);
	c = run(render_history, "{\"history\":[]}", RENDER_TABLE, NULL);
	assert_string_equal(c.out, "no migrations yet\n");
	done(&c);
	c = run(render_history, "{\"hist\":[]}", RENDER_TABLE, NULL);
	assert_int_equal(c.rc, -1);
	done(&c);

	list = json_tokener_parse(HISTORY);
	assert_true(json_object_object_get_ex(list, "history", &entry));
	entry = json_object_array_get_idx(entry, 0);
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		render_breakdown(f, entry);
		fclose(f);
		assert_string_equal(buf, "phase times (ms): dump 40 sync 5 umount 3 demote 0 promote 0 "
				    "mount 0 restore 90\ntotal 210 ms, workload frozen 150 ms (phases: 138 ms)\n");
		free(buf);
	}
	json_object_put(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(members_table),
		cmocka_unit_test(members_delim),
		cmocka_unit_test(members_json_roundtrips),
		cmocka_unit_test(members_missing_field),
		cmocka_unit_test(members_mistyped_entries_do_not_crash),
		cmocka_unit_test(quorum_table),
		cmocka_unit_test(quorum_delim),
		cmocka_unit_test(quorum_closed_gate_says_why),
		cmocka_unit_test(quorum_missing_gate),
		cmocka_unit_test(status_table),
		cmocka_unit_test(status_delim),
		cmocka_unit_test(status_cluster_maintenance),
		cmocka_unit_test(status_missing_resources),
		cmocka_unit_test(message_formats),
		cmocka_unit_test(reload_formats),
		cmocka_unit_test(probe_formats),
		cmocka_unit_test(history_formats),
	};
	return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}
