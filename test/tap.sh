# tap.sh - TAP helpers shared by the shell tests of every tier (bash).
#
#   check "what must hold" COMMAND...     one case: ok when COMMAND succeeds
#   check_fails "what must fail" COMMAND...
#   retry SECONDS COMMAND...              until COMMAND succeeds
#   json 'd["key"]'                       a field of the JSON on stdin
#   tap_plan                              prints 1..N; fails if a case failed
#
# A failing case prints the command's output as TAP comments.
_n=0
_failed=0
_out=$(mktemp /tmp/handoff-test.XXXXXX)

ok() { _n=$((_n + 1)); echo "ok $_n - $*"; }
not_ok() { _n=$((_n + 1)); _failed=$((_failed + 1)); echo "not ok $_n - $*"; }
diag() { sed 's/^/# /'; }

# check DESCRIPTION COMMAND...: one test case; the output of a failing
# command is shown as TAP comments.
check() {
	local desc=$1; shift
	if "$@" >"$_out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		diag <"$_out"
	fi
}

# check_fails DESCRIPTION COMMAND...: the command must fail.
check_fails() {
	local desc=$1; shift
	if "$@" >"$_out" 2>&1; then
		not_ok "$desc (it succeeded)"
		diag <"$_out"
	else
		ok "$desc"
	fi
}

# retry SECONDS COMMAND...: until it succeeds; the last output shows on failure.
retry() {
	local deadline=$((SECONDS + $1)) out; shift
	while true; do
		out=$("$@" 2>&1) && return 0
		if [ $SECONDS -ge $deadline ]; then
			echo "$out"
			return 1
		fi
		sleep 0.2
	done
}

# JSON field access without extra packages: python3 is in the base set.
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

tap_plan() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}
