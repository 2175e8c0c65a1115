#!/usr/bin/env bash
# The API reference (docs/api/) is the programs' own list of routes: every
# method of every route a program prints with `--routes` (the programs
# tools/routes-doc joins into docs/routes.md) has an entry, no entry names
# a route no program serves, every entry lists its statuses, each a
# registered HTTP status, and every link into or within docs/api/ lands
# on a file and heading that exist.  Each check is seen to fail on a
# planted fault in a copy of the reference.  Starts no server.
#
# An entry is a heading, then a line
#   Route: `METHODS` `/fixed/path` + N segments — PROGRAM[, PROGRAM]
# whose methods and path are written as `--routes` prints them, then a
# table whose header is `| status | meaning |`.
. "$(dirname "$0")/../lib.sh"

REF=$COFFER_TOP/docs/api
COPY=

# The programs tools/routes-doc joins, from its own loop.
programs() {
	sed -n 's/^for p in \(.*\); do$/\1/p' "$COFFER_TOP/tools/routes-doc"
}

# "program|METHOD|path" for each method of each route the built programs
# print, sorted.
served() {
	local p
	for p in $(programs); do
		"$COFFER_BUILD/cgi-bin/$p" --routes |
		    awk -F' [|] ' -v p="$p" '
			/^[|] [A-Z]/ {
				sub(/^[|] /, "", $1)
				n = split($1, m, /, /)
				for (i = 1; i <= n; i++)
					print p "|" m[i] "|" $2
			}'
	done | sort -u
}

# "program|METHOD|path" for each method and program of each entry of the
# reference in DIR, sorted.
documented() {
	cat "$1"/*.md | awk '
		/^Route: `/ {
			line = $0
			sub(/^Route: `/, "", line)
			meth = line
			sub(/`.*/, "", meth)
			sub(/^[^`]*` /, "", line)
			k = index(line, " — ")
			path = substr(line, 1, k - 1)
			progs = substr(line, k + length(" — "))
			nm = split(meth, m, /, /)
			np = split(progs, q, /, /)
			for (i = 1; i <= nm; i++)
				for (j = 1; j <= np; j++)
					print q[j] "|" m[i] "|" path
		}' | sort -u
}

# The statuses IANA registers (RFC 9110 and the others it lists).
registered() {
	echo 100 101 102 103 200 201 202 203 204 205 206 207 208 226 \
	    300 301 302 303 304 305 307 308 400 401 402 403 404 405 406 407 \
	    408 409 410 411 412 413 414 415 416 417 421 422 423 424 425 426 \
	    428 429 431 451 500 501 502 503 504 505 506 507 508 510 511
}

# "file:line: why" for each status table row whose first cell is not a
# registered status, and for each entry without a status table (lines in
# fenced code blocks, which may start with "#", are no headings).
bad_statuses() {
	local codes
	codes=" $(registered) "
	awk -v codes="$codes" '
		function done_entry() {
			if (entry != "" && !tables)
				print entry ": no status table"
			entry = ""
		}
		FNR == 1 { done_entry(); intable = 0; fence = 0 }
		/^```/ { fence = !fence; next }
		fence { next }
		/^#/ { done_entry(); intable = 0 }
		/^Route: `/ { entry = FILENAME ":" FNR; tables = 0 }
		/^[|] status [|]/ { intable = 1; tables++; next }
		intable && /^[|] ---/ { next }
		intable && /^[|]/ {
			c = $0
			sub(/^[|] */, "", c)
			sub(/ *[|].*/, "", c)
			if (index(codes, " " c " ") == 0)
				print FILENAME ":" FNR ": " c \
				    " is not an HTTP status"
			next
		}
		{ intable = 0 }
		END { done_entry() }' "$1"/*.md
}

# The anchors of a Markdown file's headings, as GitHub makes them (the
# style suite's rule): lower case, punctuation dropped, spaces as hyphens.
anchors() {
	sed -n 's/^#\{1,6\} \{1,\}//p' "$1" | tr '[:upper:]' '[:lower:]' |
	    sed 's/[^a-z0-9 _-]//g; s/ /-/g'
}

# "missing REF (FILE:LINE)" for each link of FILE, relative to FILE, into
# or within docs/api/ whose file or heading is not there.
bad_links() {
	local file=$1 dir line ref target anchor
	dir=$(dirname "$file")
	grep -noE '\]\([A-Za-z0-9_./-]*(#[a-z0-9_-]+)?\)' "$file" |
	    while IFS= read -r line; do
		ref=${line#*](}
		ref=${ref%)}
		target=${ref%%#*}
		anchor=
		[ "$target" != "$ref" ] && anchor=${ref#*#}
		case "$target" in
		'') target=$file ;;
		http*) continue ;;
		*) target=$dir/$target ;;
		esac
		case "$(cd "$(dirname "$target")" 2>/dev/null && pwd)" in
		"$REF" | "$COFFER_TOP/docs") ;;
		*) continue ;;
		esac
		if [ ! -f "$target" ]; then
			echo "missing $ref ($file:${line%%:*})"
		elif [ -n "$anchor" ] &&
		    ! anchors "$target" | grep -qxF -- "$anchor"; then
			echo "missing $ref ($file:${line%%:*})"
		fi
	done
}

# copy_ref: the reference copied to $COPY.
copy_ref() {
	COPY=$(mktemp -d "${TMPDIR:-/tmp}/coffer-apiref.XXXXXX") || return 1
	cp "$REF"/*.md "$COPY"/
}

tearDown() {
	[ -n "$COPY" ] && rm -rf "$COPY"
	COPY=
}

test_every_route_served_has_an_entry() {
	local s
	s=$(served)
	assertNotNull "the programs print their routes" "$s"
	assertEquals "routes without an entry in docs/api/" "" \
	    "$(comm -23 <(echo "$s") <(documented "$REF"))"
}

test_every_entry_names_a_route_served() {
	local d
	d=$(documented "$REF")
	assertNotNull "the reference has entries" "$d"
	assertEquals "entries of docs/api/ for routes no program serves" "" \
	    "$(comm -13 <(served) <(echo "$d"))"
}

test_every_entry_lists_registered_statuses() {
	assertEquals "status tables" "" "$(bad_statuses "$REF")"
}

test_every_link_into_or_within_the_reference_lands() {
	local f out=
	for f in "$REF"/*.md "$COFFER_TOP"/docs/*.md "$COFFER_TOP/README.md"; do
		out+=$(bad_links "$f")
	done
	assertEquals "links" "" "$out"
	assertContains "README links the reference" \
	    "$(cat "$COFFER_TOP/README.md")" "docs/api/README.md"
	assertContains "docs/routes.md links the reference" \
	    "$(cat "$COFFER_TOP/docs/routes.md")" "api/README.md"
}

test_a_removed_entry_and_a_route_nobody_serves_are_found() {
	copy_ref || return 1
	sed -i '0,/^Route: `GET` `\/secrets\/v1\/ping`/s//Route: `GET` `\/secrets\/v1\/pong`/' \
	    "$COPY"/dcos-secrets.md
	assertContains "the missing one" \
	    "$(comm -23 <(served) <(documented "$COPY"))" \
	    'secrets|GET|`/secrets/v1/ping`'
	assertContains "the unserved one" \
	    "$(comm -13 <(served) <(documented "$COPY"))" \
	    'secrets|GET|`/secrets/v1/pong`'
}

test_a_bad_status_and_a_missing_table_are_found() {
	copy_ref || return 1
	printf '\n## Planted\n\nRoute: `GET` `/x` — secrets\n\n| status | meaning |\n| --- | --- |\n| 299 | no such status |\n' \
	    >>"$COPY"/dcos-secrets.md
	printf '\n## Planted\n\nRoute: `GET` `/y` — secrets\n\nno table\n' \
	    >>"$COPY"/dapr.md
	assertContains "$(bad_statuses "$COPY")" "299 is not an HTTP status"
	assertContains "$(bad_statuses "$COPY")" "dapr.md"
	assertContains "$(bad_statuses "$COPY")" ": no status table"
}

. /usr/share/shunit2/shunit2
