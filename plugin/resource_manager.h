/*
 * resource_manager.h - the daemon's glue between corosync, the replicated
 * state machine (rsm.h), the drivers (driver.h) and handoffctl.
 *
 * It feeds the rsm every confchg and every delivered message, carries out
 * the actions the rsm addresses to this node, multicasts STATE with its
 * local facts (cached where no local op touched them since their probe:
 * doc/architecture.md), and answers handoffctl once its request has been
 * decided in the total order.  The quorum gate (S4) is asked here before
 * any start and before sending any request that changes state.
 */
#ifndef HANDOFF_RESOURCE_MANAGER_H
#define HANDOFF_RESOURCE_MANAGER_H

#include <json-c/json.h>
#include <qb/qbipcs.h>
#include <stdint.h>

#include "driver.h"
#include "local_state.h"
#include "rsm.h"
#include "self_fence.h"

struct handoffd;
struct pending_request;
struct failover_ctx;
struct local_entry;
struct rm_events;

struct resource_manager {
	struct handoffd *d;
	struct driver_env env;
	struct rsm rsm;
	bool ready;                    /* rsm initialised for this connection */
	struct rsm_actions acts;
	uint32_t next_req_id;
	struct pending_request *pending;
	struct failover_ctx *failovers;  /* rm_migrate.c: waiting out fence_delay */
	/* STATE: facts come from the cache where it is fresh, the rest is
	 * probed first, then the message goes out (doc/architecture.md) */
	struct wire_fact *facts;       /* one per resource */
	bool *fact_ok;                 /* per resource: facts[i] may go out unprobed */
	uint32_t *fact_gen;            /* per resource: bumped as a local op begins, ends */
	uint32_t *probe_gen;           /* per resource: fact_gen when its probe began */
	bool *probe_want;              /* per resource: in the current round */
	size_t probes_left;            /* of this round, not yet answered */
	size_t probe_next;             /* the next resource to probe */
	size_t probes_running;
	bool round_sends_state;        /* the round ends with a STATE; else it verifies */
	bool verify_changed;           /* the verifying round found other facts */
	bool state_again;              /* another STATE was asked while probing */
	bool state_waiting;            /* STATE waits for this ring's quorum */
	bool state_said_quorate;       /* our last STATE's WIRE_STATE_QUORATE_NOW */
	/* the last confchg changed corosync's membership: its totem ring
	 * comes after it; until then the gate still speaks of the old ring */
	bool ring_expected;
	struct ring_id confchg_ring;   /* the CPG ring when that confchg came */
	/* who speaks for a node: members silent in a sync, since when (by this
	 * node's clock), and the timer that names them in a FOREIGN */
	struct { uint32_t nodeid, pid; uint64_t since_ms; } silent[RSM_MAX_MEMBERS];
	size_t n_silent;
	bool foreign_timer_armed;
	qb_loop_timer_handle foreign_timer;
	uint64_t drops_logged;         /* rsm.n_dropped at the last log line */
	uint64_t drop_log_ms;          /* when the current window of lines began */
	unsigned drop_lines;           /* lines written in it */
	bool state_wait_expired;
	bool state_timer_armed;
	qb_loop_timer_handle state_timer;
	uint64_t *autostart_epoch;     /* per resource: epoch we asked autostart at */
	bool *op_busy;                 /* per resource: a local start/stop runs */
	struct wire_msg *last_report;  /* per resource: our last migration report */
	/* what this node saw of migrations, by its own clock (rm_observe) */
	uint8_t *seen_phase;           /* per resource: phase after the last event */
	uint64_t *t_migrate, *t_release;   /* per resource: when PREPARING, RELEASING began */
	struct rm_seen_times {
		uint64_t seq;          /* of the history entry they belong to */
		uint64_t total_ms;     /* MIGRATE delivered -> the end */
		uint64_t frozen_ms;    /* RELEASING (the dump began) -> the end */
	} seen[RSM_HISTORY];           /* by the entry's seq % RSM_HISTORY */
	uint64_t seen_seq;             /* the newest entry seen at the last event */
	struct self_fence fence;
	uint64_t quorum_losses;       /* NOT_QUORATE / NO_COROSYNC verdicts seen */
	/* fence_peer.c: when each node left corosync's quorate membership */
	uint32_t quorum_seen[RSM_MAX_NODES];
	size_t n_quorum_seen;
	struct { uint32_t nodeid; uint64_t at_ms; } left[RSM_MAX_NODES];
	uint64_t first_quorum_ms;      /* the first quorum notification seen */
	/* rm_local_state.c: per resource what the local state file holds */
	struct local_state kept;       /* res: one per resource; hist: RSM_HISTORY */
	uint64_t kept_hist_changes;    /* rsm.hist_changes when kept was taken */
	bool kept_dirty;               /* the table moved on since the last write */
	bool kept_timer_armed;
	qb_loop_timer_handle kept_timer;
	/* rm_monitor.c: per resource, only once something runs here */
	struct rm_mon *mon;
	size_t n_mon;
	uint64_t mon_gen;              /* bumped when mon goes: late checks answer no one */
	/* rm_reload.c: a reload waiting for the delivery of this node's STATE
	 * that announces its digest (rule 36), who waits for its answer, and
	 * configurations replaced while a step may still use their resources */
	struct handoff_config *reload_pending;
	uint64_t reload_digest;
	qb_ipcs_connection_t *reload_conn;
	struct retired_config *retired;
	struct rm_events *events;      /* rm_watch.c: the events2 child, while wanted */
};

/* For rm_migrate.c: multicast MSG (nodeid filled in); 0 or -1. */
int rm_send(struct resource_manager *rm, struct wire_msg *msg);
/* R's index in the table; R may be of a configuration a reload replaced
 * (found by name): SIZE_MAX when the reload removed it (rm_reload.c). */
size_t rm_res_index(struct resource_manager *rm, const struct resource_conf *r);
/* Answer handoffctl's command CMD on C with DOC. */
void rm_respond(qb_ipcs_connection_t *c, int32_t cmd, int32_t error, json_object *doc);
/* Send a STATE flagged RESYNC (after probing): every member syncs again. */
void rm_ask_for_resync(struct resource_manager *rm, const char *why);
/* A local op on resource I begins or ends: its cached facts are stale. */
void rm_facts_touch(struct resource_manager *rm, size_t i);
bool rm_gate_open(struct resource_manager *rm, char *why, size_t len);

/* rm_migrate.c: carry out a migration action addressed to this node, and
 * after a sync send again a report a confchg may have dropped. */
void rm_migration_action(struct resource_manager *rm, const struct rsm_action *a);
void rm_resend_reports(struct resource_manager *rm);
/* ACT_FAILOVER: after fence_delay, if it is still ours, take it over. */
void rm_fail_over(struct resource_manager *rm, const struct rsm_action *a);
/* After every event and connection change: drop the failovers that are no
 * longer this node's, timers and all. */
void rm_prune_failovers(struct resource_manager *rm);
/* After every event: note phase changes and time the history's new entries. */
void rm_observe(struct resource_manager *rm);
/* handoffctl standby|unstandby NODE: {"node": N, "on": bool}; deferred. */
int rm_standby(struct resource_manager *rm, qb_ipcs_connection_t *conn, json_object *args,
	       json_object **result);
/* handoffctl maintenance on|off RES|NODE|--all: {"on": bool, "target": X}
 * or {"on": bool, "all": true}; deferred. */
int rm_maintenance(struct resource_manager *rm, qb_ipcs_connection_t *conn, json_object *args,
		   json_object **result);
/* fence_peer.c: note who left the quorum membership (every gate change);
 * answer handoff-fence-peer {"node": N}. */
void fence_watch_quorum(struct resource_manager *rm);
/* What this node knows of NODE's self-fence: its own state for the local
 * node; for a node outside a quorate membership: "fenced" once confirmed
 * (FENCE_CONFIRM) or, with a watchdog, once self_fence_timeout + its
 * watchdog's timeout passed since it left ("fencing" until then);
 * "unknown" without a watchdog; else "". */
const char *rm_peer_fence_state(struct resource_manager *rm, uint32_t node, uint64_t *left_ms);
/* Is this node quorate only thanks to votequorum's two_node (a split
 * 2-node cluster without a quorum device)? */
bool rm_two_node_split(struct resource_manager *rm);
/* handoffctl fence-confirm NODE: {"node": N}; deferred like rm_request. */
int rm_fence_confirm(struct resource_manager *rm, qb_ipcs_connection_t *conn, json_object *args,
		     json_object **result);
/* Is NODEID in corosync's current quorum membership? */
bool rm_in_quorum(struct resource_manager *rm, uint32_t nodeid);
/* A node by name (corosync's nodelist) or nodeid; 0 when unknown. */
uint32_t rm_node_id(struct resource_manager *rm, const char *name);
int rm_fence_peer(struct resource_manager *rm, json_object *args, json_object **result);
/* handoffctl history [RES]: newest first. */
int rm_history(struct resource_manager *rm, json_object *args, json_object **result);

/* rm_local_state.c: seed the new table from the local state file; note
 * after every event whether it must be written (soon); write it now. */
void rm_local_state_seed(struct resource_manager *rm);
void rm_local_state_note(struct resource_manager *rm);
void rm_local_state_flush(struct resource_manager *rm);

/* rm_notify.c: the notify events (doc/notify.md): take the new table as
 * seen; run what the last event asks of this node; the self-fence's. */
void rm_notify_reset(struct resource_manager *rm);
void rm_notify_observe(struct resource_manager *rm);
void rm_notify_self_fence(struct resource_manager *rm, bool ok, const char *reason);
/* rm_monitor.c: after every event, arm or drop the monitor timers (one per
 * resource RUNNING here with monitor_interval > 0, none otherwise); at a
 * new connection or the end, drop them all. */
void rm_monitor_update(struct resource_manager *rm);
void rm_monitor_fini(struct resource_manager *rm);

/* rm_reload.c: handoffctl reload (CONN) or SIGHUP (CONN NULL: logged
 * only): 0 or -errno with *RESULT, or 1 when the answer comes with the
 * delivery of this node's STATE (rule 36). */
int rm_reload(struct resource_manager *rm, qb_ipcs_connection_t *conn, json_object **result);
/* The digest this node's STATE announces instead of the table's, if any. */
bool rm_reload_announces(struct resource_manager *rm, uint64_t *digest);
/* Before the rsm sees MSG from PID: the pending reload applies at its STATE. */
void rm_reload_delivered(struct resource_manager *rm, const struct wire_msg *msg, uint32_t pid);
/* The pending reload will not be delivered (disconnected, stopping). */
void rm_reload_drop(struct resource_manager *rm, const char *why);
/* Free the retired configurations once no step runs; at the end, all. */
void rm_reload_tidy(struct resource_manager *rm);
void rm_reload_fini(struct resource_manager *rm);

void rm_init(struct resource_manager *rm, struct handoffd *d);
void rm_fini(struct resource_manager *rm);

/* A CPG member as the table sees it: "handoffd", "foreign", "unknown". */
const char *rm_member_role(struct resource_manager *rm, uint32_t nodeid, uint32_t pid);
/* Is NODEID (or the whole cluster) in maintenance, as the table says? */
bool rm_node_in_maintenance(struct resource_manager *rm, uint32_t nodeid);

/* handoffctl: status into *RESULT; 0 or -errno. */
int rm_status(struct resource_manager *rm, json_object **result);
/*
 * handoffctl start/stop/cleanup: validated locally (quorum gate, known
 * resource), then multicast; the answer comes when it is delivered.
 * Returns 1 when the answer is deferred (CONN is kept), or -errno with
 * *RESULT set.
 */
/*
 * probe {"resource": R}: run the driver's probe of R on this node now and
 * answer with what it found (DRBD role, disk, connection; mounted; the
 * workload running).  Read-only; deferred like rm_request.
 */
int rm_probe(struct resource_manager *rm, qb_ipcs_connection_t *conn, json_object *args,
	     json_object **result);
int rm_request(struct resource_manager *rm, qb_ipcs_connection_t *conn, int32_t cmd,
	       json_object *args, json_object **result);

#endif
