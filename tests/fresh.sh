# tests/fresh.sh: run a suite on a private copy of this machine.  bash only.
#
# For the suites that install Coffer the way an operator does, into /usr,
# /etc, /var and /run (systemd_units_test.sh, readme_install_test.sh): they
# must not see what an earlier run or the developer left there, must leave
# nothing behind, and must not collide with other servers on this host.
#
# fresh_run CMD...: run CMD as root on a fresh private copy, in new mount,
# network and pid namespaces; its exit status is CMD's:
#   - /etc, /usr, /var and /run are overlays: CMD reads this machine's
#     files, and its writes land in a temporary folder that is removed
#     afterwards;
#   - the network is loopback alone, so ports 80 and 443 are free and what
#     CMD starts is reachable from nowhere else;
#   - every process CMD starts (daemonized servers too) dies with it.
# /tmp is shared: CMD can leave results there.  COFFER_FRESH is the
# temporary folder inside; its "tmp" is free for CMD.
# The kernel keyring is per uid, not per namespace: whatever unseals a store
# must seal it again before it ends (tests/lib.sh has the same rule).
fresh_run() {
	local dir rc
	dir=$(mktemp -d "${TMPDIR:-/tmp}/coffer-fresh.XXXXXX") || return 1
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
		exec "$@"' fresh "$@"
	rc=$?
	rm -rf "$dir"
	return "$rc"
}

# fresh_reexec "$@": first thing in a suite that runs whole on one fresh
# copy: unless inside one already, run the suite again there, and exit
# with its status.
fresh_reexec() {
	[ -n "${COFFER_FRESH:-}" ] && return 0
	fresh_run bash "$0" "$@"
	exit
}
