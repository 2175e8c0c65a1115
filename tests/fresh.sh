# tests/fresh.sh: run a suite on a private copy of this machine.  bash only.
#
# For the suites that install Coffer the way an operator does, into /usr,
# /etc, /var and /run (systemd_units_test.sh, readme_install_test.sh): they
# must not see what an earlier run or the developer left there, must leave
# nothing behind, and must not collide with other servers on this host.
#
# Source it first thing and call `fresh_reexec "$@"`: unless the suite runs
# inside already, it runs again, as root, in new mount, network and pid
# namespaces:
#   - /etc, /usr, /var and /run are overlays: the suite reads this
#     machine's files, and its writes land in a temporary folder that is
#     removed afterwards;
#   - the network is loopback alone, so ports 80 and 443 are free and what
#     the suite starts is reachable from nowhere else;
#   - every process the suite starts (daemonized servers too) dies with it.
# The kernel keyring is per uid, not per namespace: a suite that unseals a
# store must seal it again before it ends (tests/lib.sh has the same rule).
#
# Sets COFFER_FRESH (the temporary folder; its "tmp" is free for the suite).

fresh_reexec() {
	[ -n "${COFFER_FRESH:-}" ] && return 0
	local dir rc
	dir=$(mktemp -d "${TMPDIR:-/tmp}/coffer-fresh.XXXXXX") || exit 1
	mkdir -p "$dir/tmp"
	# shellcheck disable=SC2016
	COFFER_FRESH=$dir unshare --mount --net --pid --fork --kill-child \
	    --mount-proc --propagation private bash -c '
		set -e
		for d in etc usr var run; do
			mkdir -p "$COFFER_FRESH/$d.up" "$COFFER_FRESH/$d.work"
			mount -t overlay "fresh-$d" -o "lowerdir=/$d,upperdir=$COFFER_FRESH/$d.up,workdir=$COFFER_FRESH/$d.work" "/$d"
		done
		ip link set lo up
		exec "$@"' fresh bash "$0" "$@"
	rc=$?
	rm -rf "$dir"
	exit "$rc"
}
