#!/usr/bin/env python3
"""crispin query: aliases and query_command's answers (the query reaching
the command as one argument, whatever it holds), text and JSON Lines,
duplicates dropped, exit 1 when nothing matches, a failing command's
words on stderr."""

import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite  # noqa: E402

T = Suite(__file__)

SCRIPT = """#!/bin/sh
printf '%s' "$1" > "$(dirname "$0")/arg"
echo "Directory: 2 entries"
printf 'carol@example.org\\tCarol S.\\n'
printf 'dan.smith@example.org\\tDan Smith\\tOps\\n'
"""


def rc_file(command):
    path = os.path.join(T.workdir, "query.sh")
    with open(path, "w") as f:
        f.write(SCRIPT)
    os.chmod(path, 0o755)
    return T.write("crispinrc",
                   "alias carol 'Carol Smith <carol@example.org>'\n"
                   "alias team 'a@example.org, b@example.org'\n"
                   "set query_command = \"%s\"\n" % command.replace(
                       "SCRIPT", path))


@T.case("aliases first, then the command's answers, one argument, no duplicates")
def _():
    rc = rc_file("SCRIPT '%s'")
    r = T.crispin("query", "smi; $(touch pwned)", rcfile=rc, trace=False)
    T.expect_code(r, 0)
    with open(os.path.join(T.workdir, "arg")) as f:
        T.expect_eq(f.read(), "smi; $(touch pwned)", "the argument")
    T.expect(not os.path.exists(os.path.join(T.workdir, "pwned")),
             "the query ran as shell text")
    r = T.crispin("query", "smi", rcfile=rc, trace=False)
    T.expect_eq(r.out.splitlines(), [
        "carol@example.org\tCarol Smith\tcarol",
        "dan.smith@example.org\tDan Smith\tOps",
    ], "lines")
    r = T.crispin("query", "--json", "team", rcfile=rc, trace=False)
    rows = [json.loads(l) for l in r.out.splitlines()]
    T.expect_eq([(x["address"], x["source"]) for x in rows], [
        ("a@example.org", "alias"), ("b@example.org", "alias"),
        ("carol@example.org", "query"), ("dan.smith@example.org", "query")],
        "JSON rows")


@T.case("nothing found is exit 1; a failing command says why")
def _():
    rc = T.write("crispinrc-none", "set query_command = \"sh -c 'echo No "
                 "entries; exit 1'\"\n")
    r = T.crispin("query", "zzz", rcfile=rc, trace=False)
    T.expect_code(r, 1)
    T.expect_eq(r.out, "", "stdout")
    T.expect("No entries" in r.err, r.err)
    rc = T.write("crispinrc-bad", "set query_command = \"/nonexistent/q %s\"\n")
    r = T.crispin("query", "x", rcfile=rc, trace=False)
    T.expect_code(r, 1)
    T.expect("cannot run" in r.err, r.err)
    r = T.crispin("query", rcfile=rc, trace=False)
    T.expect_code(r, 2)


T.main()
