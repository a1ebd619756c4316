#!/usr/bin/env python3
"""Addresses and the line editor in tmux against Dovecot: the query menu
(Q) listing aliases and query_command's answers, tagging two and writing
to them (crispin compose with a scripted $EDITOR), Ctrl-G killing a slow
query_command; Tab completing an alias and ^T query_command's answers
one after the other in an address prompt; the prompt's keys going through
the editor map (a `bind editor` from the rc file, kill-word,
transpose-chars and capitalize-word on UTF-8, upcase-word after
backward-word, history and its search)."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from crispintest import Suite, account_rc, rc_text  # noqa: E402
from dovecot import Dovecot  # noqa: E402
from tuitest import Tui, last_line, line_with  # noqa: E402
import samplemail  # noqa: E402

T = Suite(__file__)
dc = None
tui = None

QUERY_SCRIPT = """#!/bin/sh
printf '%s' "$1" > "$(dirname "$0")/query-arg"
echo "Directory: 2 entries"
printf 'anna.smith@example.org\\tAnna Smith\\tSales\\n'
printf 'bob.smith@example.org\\tBob Smith\\tR&D\\n'
"""

SLOW_SCRIPT = """#!/bin/sh
echo $$ > "$(dirname "$0")/slow-pid"
exec sleep 60
"""

EDITOR_SCRIPT = """#!/bin/sh
cp "$1" "$(dirname "$0")/draft-seen"
exit 1
"""


def script(name, text):
    path = os.path.join(T.workdir, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)
    return path


def setup():
    global dc, tui
    tui = Tui(T)
    dc = Dovecot().start()
    samplemail.populate(dc, "alice")


def teardown():
    if tui:
        tui.close()
    if dc:
        dc.stop()


def start(extra="", env=None):
    rc = T.write("crispinrc", rc_text(account_rc(dc)) + extra)
    tui.start(rc, extra_env=env)
    return tui.wait(lambda s: "(live)" in last_line(s), "the index, idling")


@T.case("the prompt: bind editor from the rc, kill-word, transpose, upcase, history")
def _():
    start(extra="bind editor ^X kill-line\nbind editor ^Y transpose-chars\n")
    try:
        tui.keys(":")
        tui.text("set something")
        tui.wait(lambda s: last_line(s).startswith(":set something"), "typed")
        tui.keys("C-x")
        tui.wait(lambda s: last_line(s).strip() == ":", "^X killed the line")
        tui.text("abc def")
        tui.keys("C-w")
        tui.wait(lambda s: last_line(s).rstrip() == ":abc", "^W killed a word")
        tui.text("xy")
        tui.keys("C-y")
        tui.wait(lambda s: last_line(s).rstrip() == ":abc yx",
                 "^Y swapped the last two characters")
        tui.keys("Escape", "b")
        tui.keys("Escape", "u")
        tui.wait(lambda s: last_line(s).rstrip() == ":abc YX",
                 "Esc b then Esc u upper-cased the last word")
        # Characters, not bytes: two-byte letters swap and change case whole.
        tui.keys("C-x")
        tui.text("élan añ")
        tui.keys("C-y")
        tui.wait(lambda s: last_line(s).rstrip() == ":élan ña",
                 "^Y swapped two non-ASCII characters")
        tui.keys("C-a")
        tui.keys("Escape", "c")
        tui.wait(lambda s: last_line(s).rstrip() == ":Élan ña",
                 "Esc c capitalized a word starting with é")
        tui.keys("Escape", "u")
        tui.wait(lambda s: last_line(s).rstrip() == ":Élan ÑA",
                 "Esc u upper-cased the next word")
        # Esc alone still cancels.
        tui.keys("Escape")
        tui.wait(lambda s: "(live)" in last_line(s), "Esc cancelled")
        tui.keys(":")
        tui.text("set sort?")
        tui.keys("Enter")
        tui.wait(lambda s: "sort=" in last_line(s), "the command ran")
        tui.keys(":")
        tui.keys("Up")
        tui.wait(lambda s: last_line(s).rstrip() == ":set sort?",
                 "history-up recalled it")
        tui.keys("C-u")
        tui.text("sort")
        tui.keys("C-r")
        tui.wait(lambda s: last_line(s).rstrip() == ":set sort?",
                 "history-search found it")
        tui.keys("C-g")
        tui.wait(lambda s: "(live)" in last_line(s), "Ctrl-G cancelled")
        # Backspace on the empty line cancels, as in mutt.
        tui.keys(":")
        tui.wait(lambda s: last_line(s).rstrip() == ":", "the prompt again")
        tui.keys("BSpace")
        tui.wait(lambda s: "(live)" in last_line(s), "backspace cancelled")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("Q lists aliases and query_command's answers; t and m write to them")
def _():
    query = script("query.sh", QUERY_SCRIPT)
    editor = script("editor.sh", EDITOR_SCRIPT)
    seen = os.path.join(T.workdir, "draft-seen")
    start(extra="alias carol 'Carol Smith <carol@example.org>'\n"
                "set edit_headers = yes\n"
                "set query_command = \"%s '%%s'\"\n" % query,
          env={"EDITOR": editor, "VISUAL": editor})
    try:
        tui.keys("Q")
        tui.wait(lambda s: last_line(s).startswith("Query:"), "the question")
        tui.text("smith")
        tui.keys("Enter")
        text = tui.wait(lambda s: "bob.smith@example.org" in s and
                        "3 matches" in s, "the menu with three entries")
        T.expect("carol@example.org" in text, "the alias first:\n" + text)
        T.expect("Sales" in text, "the third column:\n" + text)
        with open(os.path.join(T.workdir, "query-arg")) as f:
            T.expect_eq(f.read(), "smith", "the query as the argument")
        # Tag Carol and Bob (the second entry is Anna: skipped).
        tui.keys("t", "j", "t")
        tui.wait(lambda s: (line_with(s, "bob.smith") or "").startswith("*"),
                 "Bob tagged")
        tui.keys("m")
        tui.wait(lambda s: "Press any key" in s, "the editor ran and gave up")
        tui.keys("Enter")
        tui.wait(lambda s: "Not sent" in last_line(s), "back, nothing sent")
        with open(seen) as f:
            draft = f.read()
        to = [l for l in draft.splitlines() if l.startswith("To:")]
        T.expect(to and "carol@example.org" in to[0] and
                 "bob.smith@example.org" in to[0] and
                 "anna" not in to[0], "To of the draft: %r" % to)
        tui.keys("q")
        tui.wait(lambda s: "(live)" in last_line(s), "back in the index")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("address prompts: Tab completes an alias, ^T asks query_command, again for the next")
def _():
    query = script("query.sh", QUERY_SCRIPT)
    start(extra="alias carol 'Carol Smith <carol@example.org>'\n"
                "set query_command = \"%s '%%s'\"\n" % query)
    try:
        # bounce-message asks for addresses (any address prompt would do).
        tui.keys("b")
        tui.wait(lambda s: "ounce" in last_line(s), "the address prompt")
        tui.text("car")
        tui.keys("Tab")
        tui.wait(lambda s: last_line(s).rstrip().endswith(
            "Carol Smith <carol@example.org>"), "the alias completed")
        tui.text(", smi")
        tui.keys("C-t")
        tui.wait(lambda s: last_line(s).rstrip().endswith(
            "Carol Smith <carol@example.org>, Anna Smith <anna.smith@example.org>"),
            "the first answer of query_command")
        tui.keys("C-t")
        tui.wait(lambda s: last_line(s).rstrip().endswith(
            "Carol Smith <carol@example.org>, Bob Smith <bob.smith@example.org>"),
            "the next answer in its place")
        tui.keys("C-g")
        tui.wait(lambda s: "(live)" in last_line(s), "cancelled")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


@T.case("Ctrl-G stops a slow query_command and kills it")
def _():
    slow = script("slow.sh", SLOW_SCRIPT)
    pidfile = os.path.join(T.workdir, "slow-pid")
    start(extra="set query_command = \"%s %%s\"\n" % slow)
    try:
        tui.keys("Q")
        tui.text("anyone")
        tui.keys("Enter")
        tui.wait(lambda s: "looking up" in s, "the menu waiting")
        deadline = time.monotonic() + 10
        while not os.path.exists(pidfile) and time.monotonic() < deadline:
            time.sleep(0.05)
        with open(pidfile) as f:
            pid = int(f.read().strip())
        # The screen still answers while it runs.
        tui.keys("?")
        tui.wait(lambda s: "looking up" not in s, "help over the menu")
        tui.keys("q")
        tui.wait(lambda s: "looking up" in s, "the menu again")
        tui.keys("C-g")
        tui.wait(lambda s: "Query stopped" in last_line(s), "stopped")
        deadline = time.monotonic() + 5
        alive = True
        while alive and time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
                time.sleep(0.05)
            except ProcessLookupError:
                alive = False
        T.expect(not alive, "the command still runs")
        T.expect_eq(tui.quit(), "EXIT=0", "exit status")
    finally:
        tui.stop()


T.main(setup=setup, teardown=teardown)
