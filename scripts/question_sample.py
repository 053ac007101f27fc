#!/usr/bin/env python3
"""Draws a blind-review sample of generated questions from a demo's bank.

Usage:
    cargo run --release -- demo --material ../shared/corpus --no-serve --data-dir /tmp/review
    python3 scripts/question_sample.py /tmp/review/suyuan.db --count 50 --seed 2026 > sample.md

Each question is printed as a member would see it, with the keyed answer
and the source a reviewer checks it against; the reviewer marks each one
answerable and well-formed or not, with a reason, without looking at how
the questions were made. Only questions tagged 自动生成 (generated) are
drawn; the seed makes the draw repeatable.
"""

import argparse
import json
import random
import sqlite3

GENERATED = "自动生成"
KINDS = {"single": "单选", "multiple": "多选", "true_false": "判断", "blank": "填空", "short": "简答"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", help="the demo's suyuan.db")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    db = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True)
    rows = db.execute(
        "SELECT id, kind, text, answer, explanation FROM questions ORDER BY id"
    ).fetchall()
    generated = [r for r in rows if GENERATED in json.loads(
        db.execute("SELECT tags FROM questions WHERE id = ?", (r[0],)).fetchone()[0]
    )]
    sample = random.Random(args.seed).sample(generated, min(args.count, len(generated)))

    print(f"# Generated questions: a sample of {len(sample)} of {len(generated)}")
    print(f"\nDrawn with seed {args.seed}.\n")
    for number, (qid, kind, text, answer, explanation) in enumerate(sample, 1):
        answer = json.loads(answer)
        print(f"## {number}. ({KINDS.get(kind, kind)}, question {qid})\n")
        print(text + "\n")
        if kind in ("single", "multiple"):
            for letter, choice in zip("ABCDEFGHIJ", answer["choices"]):
                mark = " ✓" if choice["weight"] > 0 else ""
                print(f"- {letter}. {choice['text']}{mark}")
            print()
        elif kind == "true_false":
            print(f"Key: {'对' if answer['correct'] else '错'}\n")
        elif kind == "blank":
            print(f"Key: {' / '.join(answer['accepted'])}\n")
        print(f"Explanation: {explanation}\n")


if __name__ == "__main__":
    main()
