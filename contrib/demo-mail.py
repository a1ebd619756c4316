#!/usr/bin/env python3
"""Sample mail for trying crispin (the same messages the tests use).

usage:
  contrib/demo-mail.py --summary            what would be generated
  contrib/demo-mail.py --maildir DIR        write a Maildir++ tree into DIR
  contrib/demo-mail.py --mbox DIR           write one mbox file per folder

The messages come from tests/lib/samplemail.py and are the same on every
run: plain text, text+HTML, a PDF and a PNG attachment, RFC 2047 subjects
and senders (UTF-8 and ISO-8859-1), format=flowed, a forwarded message,
a thread, and seen/unseen/flagged/answered/draft flags across folders
including "Entwürfe", "日本語" and "Projects/crispin". contrib/try loads
them into its demo Dovecot.
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import samplemail  # noqa: E402


def summary():
    counts = samplemail.expected_counts()
    for folder in samplemail.FOLDERS:
        total, unseen = counts[folder]
        print("%-20s %3d messages, %3d unseen" % (folder, total, unseen))


def write_mbox(outdir):
    os.makedirs(outdir, exist_ok=True)
    by_folder = {}
    for m in samplemail.messages():
        by_folder.setdefault(m.folder, []).append(m)
    for folder, msgs in by_folder.items():
        path = os.path.join(outdir, folder.replace("/", ".") + ".mbox")
        with open(path, "wb") as f:
            for m in msgs:
                f.write(b"From demo@example.org " +
                        m.date.strftime("%a %b %d %H:%M:%S %Y").encode() +
                        b"\n")
                status = b"RO" if "\\Seen" in m.flags else b"O"
                f.write(b"Status: " + status + b"\n")
                for line in m.raw.split(b"\n")[:-1]:
                    if line.lstrip(b">").startswith(b"From "):
                        line = b">" + line
                    f.write(line + b"\n")
                f.write(b"\n")
        print(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--summary", action="store_true")
    g.add_argument("--maildir", metavar="DIR")
    g.add_argument("--mbox", metavar="DIR")
    args = ap.parse_args()
    if args.summary:
        summary()
    elif args.maildir:
        samplemail.write_maildir(args.maildir)
        print("wrote %d messages into %s" % (len(samplemail.messages()),
                                             args.maildir))
    else:
        write_mbox(args.mbox)


if __name__ == "__main__":
    main()
