#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bytes that are not UTF-8, controls and JSON specials in the path, argv and env: the JSON is
# valid UTF-8, and python's surrogateescape decoding recovers the exact bytes (PEP 383). jq
# reads it too. The lists below mirror tests/progs/nonutf8.c.
. "$(dirname "$0")/lib.sh"
need_ptrace
need_cmd python3

ew_record -- "$EW_PROGS/nonutf8" "$T"
assert_status 0
assert_count 2 'execs' "exec events"
assert_json '[execs][1] | .retval == 0 and (.argv | length) == 12 and .argv[2] == "a\tb\nc" and
	.argv[8] == "q\"\\/" and .argv[4] == "café"' "jq sees the valid strings exactly"
EW_T="$T" py_check '
import os
t = os.environ["EW_T"].encode()
want_argv = [b"ew-nonutf8", b"\xff\xfe", b"a\tb\nc", b"\x1b[31m", b"caf\xc3\xa9", b"\xed\xa0\x80",
             b"\xc0\xaf", b"\xf0\x9f\x98\x80", b"q\"\\/", b"\x7f\x01", b"", b"trail\xe2\x82"]
want_env = [b"EW_BIN=\x80\x81", b"EW_CTRL=a\tb\nc\x1b[0m", b"EW_UTF8=\xc3\xa9",
            b"PATH=/usr/bin:/bin"]
e = [x for x in evs if x["event"] == "exec"][1]
got_argv = [b(a) for a in e["argv"]]
got_env = [b(a) for a in e["env"]]
assert got_argv == want_argv, "argv bytes differ:\n got  %r\n want %r" % (got_argv, want_argv)
assert got_env == want_env, "env bytes differ:\n got  %r\n want %r" % (got_env, want_env)
assert b(e["path"]) == t + b"/ew\xff\xfeprog", "path bytes differ: %r" % b(e["path"])
assert e["argv_bytes"] == sum(map(len, want_argv)), "argv_bytes %d" % e["argv_bytes"]
assert e["env_bytes"] == sum(map(len, want_env)), "env_bytes %d" % e["env_bytes"]
assert b(e["procname"]) == t + b"/ew\xff\xfeprog", "procname bytes differ: %r" % b(e["procname"])
'
# The raw file must be plain ASCII or valid UTF-8 (python above read it strictly), and a non-UTF-8
# byte must be written as the escape \udcXX, never as a raw byte or U+FFFD.
grep -qi '\\udcff\\udcfe' "$EW_JSON" || fail 'the bytes ff fe are not escaped as \udcff\udcfe'
if grep -q $'\xef\xbf\xbd' "$EW_JSON"; then fail "U+FFFD in the JSON: bytes were lost"; fi

# The database: path as a BLOB of the exact bytes (not valid UTF-8), argv as JSON text with the
# same escapes, so the same decoding recovers the bytes.
need_cmd sqlite3
assert_sql "blob|$(printf '%s' "$T/ew" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)FFFE70726F67" \
	"SELECT typeof(path), hex(path) FROM execs ORDER BY seq DESC LIMIT 1" "path bytes in the DB"
out=$(python3 - "$EW_DB" <<'PY' 2>&1
import json, sqlite3, sys
con = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
argv, = con.execute("SELECT argv FROM execs ORDER BY seq DESC LIMIT 1").fetchone()
got = [a.encode("utf-8", "surrogateescape") for a in json.loads(argv)]
want = [b"ew-nonutf8", b"\xff\xfe", b"a\tb\nc", b"\x1b[31m", b"caf\xc3\xa9", b"\xed\xa0\x80",
        b"\xc0\xaf", b"\xf0\x9f\x98\x80", b"q\"\\/", b"\x7f\x01", b"", b"trail\xe2\x82"]
assert got == want, "DB argv bytes differ:\n got  %r\n want %r" % (got, want)
PY
) || fail "database argv: $out"
