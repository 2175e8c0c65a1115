#!/usr/bin/env bash
# tests/layers.sh [TOP]: hold common/ to its layers (docs/architecture.md).
#
# common/ is a folder per layer.  LAYERS below ranks them, bottom up; a
# line of two names is two layers that stand beside each other (identity
# and the CA) and use neither.  Every `#include "..."` of common/,
# cgi-bin/ and tools/ is read, and each of these is an offence:
#
#   - an include in common/ that names no layer ("log.h" instead of
#     "base/log.h"), or a header that does not exist;
#   - an include of a higher layer (it climbs), or of a layer beside;
#   - a cycle between modules of common/, a module being a .c file and its
#     header (base/http: http.c, http.h): each module of the cycle is
#     named, and each include that closes it.
#
# The programs (cgi-bin/, tools/) stand above every layer; they may
# include any, through its folder, and their own folder's headers.
#
# Prints each offence as "file:line: why" (a cycle: its modules, then its
# includes) and exits 1 if there is any, 0 if none, 2 if it cannot look.
# tests/suites/layers_source_test.sh runs it, and plants offences in a copy
# to see it fail.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -uo pipefail

LAYERS='
base
crypto
backend
vault
identity ca
dialects
app
'

top=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
if ! cd "$top" 2>/dev/null || [ ! -d common ]; then
	echo "layers: no common/ in $top" >&2
	exit 2
fi

# Every file of common/, then the programs' sources: one path a line.
files=$({
	find common -name '*.[ch]' | sort &&
	    find cgi-bin tools -maxdepth 1 -name '*.[ch]' | sort
}) || exit 2
# A here-string, not a pipe: grep -q stops at the first match, and under
# pipefail the echo it leaves writing would fail the test (SIGPIPE).
if ! grep -q '^common/.*\.c$' <<<"$files"; then
	echo "layers: common/ holds no source" >&2
	exit 2
fi

# "file:line:text" of each quoted include; grep's 1 (none) is no failure.
includes=$(echo "$files" |
    xargs grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' --)
[ $? -le 1 ] || exit 2

{
	echo "$LAYERS" | awk 'NF { print "L", NR, $0 }'
	echo "$files" | sed 's/^/F /'
	printf '%s\n' "$includes" | sed -n 's/^/I /p'
} | awk '
function stem(p) { sub(/^.*\//, "", p); sub(/\.[ch]$/, "", p); return p }
function dir(p) { sub(/\/[^\/]*$/, "", p); return p }
function offence(s) {
	print s
	bad = 1
}
# Lines "file:line: ..." in file order, then line order.
function sortlines(s,   a, n, i, j, t, out) {
	n = split(s, a, "\n")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && before(a[j], a[j - 1]); j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	out = ""
	for (i = 1; i <= n; i++)
		out = out "\n" a[i]
	return out
}
function before(x, y,   p, q) {
	split(x, p, ":"); split(y, q, ":")
	if (p[1] != q[1])
		return p[1] < q[1]
	return p[2] + 0 < q[2] + 0
}
function sortwords(s,   a, n, i, j, t, out) {
	n = split(s, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	out = ""
	for (i = 1; i <= n; i++)
		out = out (i > 1 ? " " : "") a[i]
	return out
}
$1 == "L" {
	for (i = 3; i <= NF; i++)
		rank[$i] = $2
	next
}
$1 == "F" {
	exists[$2] = 1
	if ($2 ~ /^common\//)
		mod[substr(dir($2), 8) "/" stem($2)] = 1
	next
}
$1 == "I" {
	line = substr($0, 3)
	split(line, f, ":")
	file = f[1]; where = f[1] ":" f[2]
	hdr = line
	sub(/^[^"]*"/, "", hdr); sub(/".*$/, "", hdr)
	slash = index(hdr, "/")
	hl = slash ? substr(hdr, 1, slash - 1) : ""
	if (file !~ /^common\//) {
		# A program: its own folder, or a layer of common/.
		if (exists[dir(file) "/" hdr])
			next
		if (!(hl in rank) || !exists["common/" hdr])
			offence(where ": \"" hdr "\" is neither beside it nor in a layer of common/")
		next
	}
	fl = substr(dir(file), 8)
	if (!(fl in rank)) {
		offence(where ": common/" fl "/ is not a layer (tests/layers.sh: LAYERS)")
		next
	}
	if (!(hl in rank)) {
		offence(where ": \"" hdr "\" names no layer (write \"<layer>/" hdr "\")")
		next
	}
	if (!exists["common/" hdr]) {
		offence(where ": \"" hdr "\": no such header")
		next
	}
	if (rank[hl] > rank[fl])
		offence(where ": " fl " includes " hdr ", of a higher layer (" hl ")")
	else if (rank[hl] == rank[fl] && hl != fl)
		offence(where ": " fl " includes " hdr ", of the layer beside it (" hl ")")
	a = fl "/" stem(file); b = hl "/" stem(hdr)
	if (a != b) {
		edge[a, b] = 1
		how[a, b] = how[a, b] "\n\t" where ": " a " -> " b
	}
	next
}
END {
	n = 0
	for (m in mod)
		name[++n] = m
	for (i = 1; i <= n; i++)
		for (j = 1; j <= n; j++)
			reach[i, j] = ((name[i], name[j]) in edge)
	for (k = 1; k <= n; k++)
		for (i = 1; i <= n; i++)
			if (reach[i, k])
				for (j = 1; j <= n; j++)
					if (reach[k, j])
						reach[i, j] = 1
	for (i = 1; i <= n; i++) {
		if (!reach[i, i] || done[i])
			continue
		members = ""
		for (j = 1; j <= n; j++)
			if (reach[i, j] && reach[j, i]) {
				members = members " " name[j]
				done[j] = 1
			}
		members = sortwords(substr(members, 2))
		lines = ""
		split(members, ms, " ")
		for (x in ms)
			for (y in ms)
				if ((ms[x], ms[y]) in edge)
					lines = lines how[ms[x], ms[y]]
		gsub(/\n\t/, "\n", lines)
		lines = sortlines(substr(lines, 2))
		gsub(/\n/, "\n\t", lines)
		offence("cycle: " members lines)
	}
	exit bad
}'
