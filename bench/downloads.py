"""How long `relreg check-download` takes on large downloads: a Facebook download of 5,000
friends (the target: under 2 s, reading and checking) and of 20,000, checked by a teacher
of a seeded trust against their school.

    python3 bench/downloads.py [--people N] [--friends 5000 20000]

The friends are invented names from seed/names.py; one in fifty is a pupil or a parent of
the teacher's school, written as people write names (some in other case, some with short
forms), so that the policy is asked about each of those.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = dt.date(2026, 11, 22)


def facebook_download(names: list[str]) -> bytes:
    friends = {"friends_v2": [{"name": n.encode().decode("latin-1"), "timestamp": 1600000000 + i}
                              for i, n in enumerate(names)]}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("connections/friends/your_friends.json", json.dumps(friends))
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000, help="people in the seeded trust")
    parser.add_argument("--friends", type=int, nargs="+", default=[5_000, 20_000])
    args = parser.parse_args()

    from graph.download_check import candidates, check_download
    from graph.intake.downloads import read_download
    from graph.intake.exchange import read_folder
    from graph.model import Role
    from graph.store.embedded import EmbeddedStore
    from seed.generator import generate_trust
    from seed.names import ADULT_FEMALE, ADULT_MALE, FAMILY, YOUNG_FEMALE, YOUNG_MALE

    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as data:
        generate_trust(Path(folder) / "trust", people=args.people, seed=1, as_of=AS_OF)
        with EmbeddedStore(data) as store:
            store.import_world(read_folder(Path(folder) / "trust"))
            world = store.export_world()
            teacher = sorted(m.person_id for m in world.memberships
                             if m.role is Role.STAFF and m.position is None and m.active_on(AS_OF))[0]
            started = time.perf_counter()
            school_people = candidates(store, teacher, AS_OF)
            print(f"trust of {len(world.people):,} people; teacher {teacher}: "
                  f"{len(school_people):,} pupils, ex-pupils and family to match against "
                  f"(gathered in {time.perf_counter() - started:.2f} s)")
            known = sorted(school_people.values(), key=lambda c: c.person.person_id)
            given = YOUNG_FEMALE + YOUNG_MALE + ADULT_FEMALE + ADULT_MALE
            for size in args.friends:
                names = []
                for i in range(size):
                    if i % 50 == 0:
                        person = rng.choice(known).person
                        names.append(rng.choice([person.name, person.name.upper(),
                                                 f"{person.given_name.split()[0]} {person.family_name}"]))
                    else:
                        names.append(f"{rng.choice(given)} {rng.choice(FAMILY)}")
                zipped = facebook_download(names)
                started = time.perf_counter()
                download = read_download(zipped, file_name="facebook.zip")
                read_at = time.perf_counter()
                result = check_download(store, teacher, download, AS_OF)
                done = time.perf_counter()
                suggested = {}
                for match in result.matches:
                    suggested[match.policy.suggested] = suggested.get(match.policy.suggested, 0) + 1
                print(f"{size:>6,} friends ({len(zipped) / 1024:,.0f} KB zip): read "
                      f"{read_at - started:.2f} s, checked {done - read_at:.2f} s, total "
                      f"{done - started:.2f} s; {len(result.matches)} likely matches "
                      f"{json.dumps(suggested, sort_keys=True)}")


if __name__ == "__main__":
    main()
