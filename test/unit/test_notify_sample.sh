#!/bin/sh
# agents/handoff-notify-sample: what it logs for an event, that it mails
# only what needs a person and only when MAILTO is set and mail exists,
# and that hostile values stay data.  Stand-ins for logger and mail record
# their arguments and input.  Speaks TAP.

here=$(cd "$(dirname "$0")" && pwd)
SAMPLE=${HANDOFF_SRCDIR:-$here/../..}/agents/handoff-notify-sample
T=$(mktemp -d "${TMPDIR:-/tmp}/test_notify_sample.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
n=0
failed=0

mkdir "$T/bin"
cat >"$T/bin/logger" <<STUB
#!/bin/sh
printf '%s\n' "\$*" >>"$T/logged"
STUB
cat >"$T/bin/mail" <<STUB
#!/bin/sh
printf 'ARGS %s\n' "\$*" >>"$T/mailed"; cat >>"$T/mailed"
STUB
chmod +x "$T/bin/logger" "$T/bin/mail"
sed 's/^MAILTO=""/MAILTO="ops@example.org"/' "$SAMPLE" >"$T/with-mail"
chmod +x "$T/with-mail"

ok() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=$((failed + 1)); fi
}
# run SCRIPT EVENT RESULT [REASON]: the sample as handoffd runs it
run() {
	rm -f "$T/logged" "$T/mailed"
	env -i PATH="$T/bin:/usr/bin:/bin" HANDOFF_EVENT="$2" HANDOFF_RESOURCE=web \
		HANDOFF_NODE=node2 HANDOFF_NODEID=2 HANDOFF_RESULT="$3" HANDOFF_REASON="${4:-}" \
		HANDOFF_SOURCE=node1 HANDOFF_TARGET=node2 HANDOFF_TOTAL_MS=812 HANDOFF_FROZEN_MS=95 \
		"$1" "$2"
}

run "$SAMPLE" migrated ok migrated; rc=$?
ok "exit 0" "[ $rc -eq 0 ]"
ok "a migration is logged at notice with where and how long" \
	"grep -qx -- '-t handoff-notify -p daemon.notice -- migrated web on node2 (node 2): ok (migrated); node1 -> node2, total 812 ms, frozen 95 ms' '$T/logged'"
run "$T/with-mail" start ok
ok "a start that worked is not mailed" "[ ! -e '$T/mailed' ]"
run "$SAMPLE" failover failed 'boom'
ok "without MAILTO nothing is mailed" "[ ! -e '$T/mailed' ]"
ok "a failure is logged at err" "grep -q 'daemon.err -- failover web on node2 (node 2): failed (boom)' '$T/logged'"
run "$T/with-mail" start failed '$(touch '"$T"'/pwned); `touch '"$T"'/pwned2`'
ok "a failure is mailed to MAILTO with the HANDOFF_ variables" \
	"grep -q '^ARGS -s handoff: start web on node2' '$T/mailed' && grep -q '^HANDOFF_RESULT=failed' '$T/mailed' && grep -q -- '-- ops@example.org\$' '$T/mailed'"
ok "a hostile reason stays data" "[ ! -e '$T/pwned' ] && [ ! -e '$T/pwned2' ]"
run "$T/with-mail" self-fence ok 'quorum lost'
ok "a self-fence is mailed" "grep -q '^ARGS -s handoff: self-fence web on node2' '$T/mailed'"
rm "$T/bin/mail"
run "$T/with-mail" failed failed 'gone'; rc=$?
ok "without mail(1) it still logs and exits 0" "[ $rc -eq 0 ] && [ ! -e '$T/mailed' ] && grep -q 'failed web' '$T/logged'"

echo "1..$n"
[ "$failed" -eq 0 ]
