"""python -m seed --out DIR [--schools N] [--people N] [--seed N] [--as-of YYYY-MM-DD]"""

import argparse
import datetime
import sys
import time

from .generator import generate_trust


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m seed",
        description="Write an exchange folder of invented schools, people and connections.")
    parser.add_argument("--out", required=True, help="folder to write the CSV files into")
    parser.add_argument("--schools", type=int, default=4,
                        help="number of schools (a minimum when --people is large)")
    parser.add_argument("--people", type=int, default=5000, help="approximate number of people")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument("--as-of", type=datetime.date.fromisoformat,
                        default=datetime.date(2026, 11, 22), help="evaluation date")
    args = parser.parse_args(argv)

    started = time.monotonic()

    def progress(n: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{n:>10,} / ~{args.people:,} people", end="", file=sys.stderr, flush=True)

    try:
        counts = generate_trust(args.out, schools=args.schools, people=args.people,
                                seed=args.seed, as_of=args.as_of, progress=progress)
    except ValueError as e:
        parser.error(str(e))
    if sys.stderr.isatty():
        print(file=sys.stderr)
    for name, rows in counts.items():
        print(f"{name:<20} {rows:>10,}")
    print(f"written to {args.out} in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
