"""The popular-topic home (issue 22): one product topic with 20,000 threads, 60,000 answers and 100,000
votes by ~2,000 authors of whom a few are very active, plus 20 smaller topics (~228k messages).

    python bench/popular.py [--scale 1.0] [--out DIR]    # builds (or finds) the home and prints its shape

Every message is a real signed envelope (Ed25519 over the canonical payload, as `protocol.sign` makes it,
without verifying each one back) written through `Store.add_many` in big transactions, so the build
costs the signing (~100 us a message) and SQLite. Homes are cached under bench/.cache keyed by the
parameters; `fresh_home(dest)` copies one for a run that writes into it. `--scale 0.01` is a small
version of the same shape for tests. The home's own identity trusts the ten busiest authors;
`fixture.json` in the home says who the busiest author is, the big topic and its vendor.
"""
from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from antiport.crypto import Identity
from antiport.node.home import Home, now_ms
from antiport.node.store import Store
from antiport.protocol import Message, codec
from antiport.protocol.envelope import DOMAIN, VERSION, message_id

VERSION_OF_SHAPE = 1  # bump when the shape changes: the cache key includes it
CACHE = Path(__file__).resolve().parent / ".cache"
TOPIC, VENDOR = "acme/widget", "Acme"
DAY = 86_400_000
WORDS = ("widget reset firmware battery screen button beeps blinks update crash sync bluetooth wifi pairing"
         " charger cable display sound noise app login account error code warranty replace manual settings"
         " slow fast hot cold red green light motor sensor fan filter leak water power restart loop").split()
SMALL_TOPICS = [f"{v}/{p}" for v, p in itertools.product(("acme", "globex", "initech", "umbrella", "hooli"),
                                                         ("gadget", "router", "phone", "kettle"))]


def shape(scale: float) -> dict:
    """How many of each: the big topic's, and each small topic's."""
    def n(x: float) -> int:
        return max(1, round(x * scale))
    return {"authors": max(20, n(2000)), "threads": n(20_000), "answers": n(60_000), "votes": n(100_000),
            "accepts": n(7_000), "resolves": n(4_000), "statuses": n(2_000), "reports": n(300),
            "trusts": n(1_000), "small": {"threads": n(300), "answers": n(650), "votes": n(650), "accepts": n(50)}}


class Signer:
    """Signs as `protocol.sign` does (the same bytes), without parsing each envelope back."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, who: Identity, kind: str, topic: str, body: dict, refs: tuple[str, ...] = (), *,
                 created: int) -> Message:
        payload = codec.encode({"v": VERSION, "kind": kind, "author": who.public_key, "topic": topic,
                                "created": created, "refs": [bytes.fromhex(r) for r in refs], "body": body})
        raw = codec.encode([payload, who.sign(DOMAIN + payload)])
        self.count += 1
        return Message(id=message_id(raw), raw=raw, kind=kind, author=who.public_key, topic=topic,
                       created=created, refs=tuple(refs), body=body)


def _people(n: int, label: bytes) -> list[Identity]:
    return [Identity(hashlib.blake2b(label + b"/%d" % i, digest_size=32).digest()) for i in range(n)]


class Skewed:
    """Picks index i with weight 1/(i+1)**s (Zipf): the first few are picked very often."""

    def __init__(self, rnd: random.Random, n: int, s: float = 1.0):
        self.rnd, self.cum = rnd, list(itertools.accumulate(1 / (i + 1) ** s for i in range(n)))

    def __call__(self) -> int:
        return bisect.bisect(self.cum, self.rnd.random() * self.cum[-1])


def after(rnd: random.Random, t: int, mean: int) -> int:
    """A reply's time: strictly after its target (so creation order puts targets first), within 20 days."""
    return t + 1 + min(int(rnd.expovariate(1 / mean)), 20 * DAY)


def _title(rnd: random.Random, i: int) -> str:
    return f"{' '.join(rnd.sample(WORDS, 4)).capitalize()} ({i})"


def _text(rnd: random.Random, words: int) -> str:
    return " ".join(rnd.choices(WORDS, k=words)).capitalize() + "."


def topic_messages(sign: Signer, rnd: random.Random, topic: str, people: list[Identity], counts: dict,
                   start: int, end: int, vendor: Identity | None = None):
    """The messages of one topic, a phase at a time (roots, answers, the rest): each phase a list."""
    pick = Skewed(rnd, len(people))
    by_key = {p.public_key: i for i, p in enumerate(people)}
    roots = []
    for i, created in enumerate(sorted(rnd.randrange(start, end) for _ in range(counts["threads"]))):
        kind = "complaint" if i % 10 == 9 else "request"
        roots.append(sign(people[pick()], kind, topic, {"title": _title(rnd, i), "text": _text(rnd, 30)},
                          created=created))
    yield roots
    big = Skewed(rnd, len(roots), 0.9)  # a few threads gather hundreds of answers
    answers = []
    for _ in range(counts["answers"]):
        root = roots[big()]
        created = after(rnd, root.created, DAY // 4)
        answers.append(sign(people[pick()], "answer", topic, {"text": _text(rnd, 40)}, (root.id,), created=created))
    yield answers
    rest = []
    for _ in range(counts["votes"]):
        target = rnd.choice(answers) if answers and rnd.random() < 0.9 else rnd.choice(roots)
        voter = people[pick()]
        if voter.public_key == target.author:
            voter = people[(by_key[voter.public_key] + 1) % len(people)]
        value = "down" if rnd.random() < 0.15 else "up"
        rest.append(sign(voter, "vote", topic, {"value": value}, (target.id,),
                         created=after(rnd, target.created, DAY)))
    by_root: dict[str, list[Message]] = {}
    for a in answers:
        by_root.setdefault(a.refs[0], []).append(a)
    by_id = {r.id: r for r in roots}
    answered = list(by_root)
    for root_id in rnd.sample(answered, min(counts["accepts"], len(answered))):
        a = rnd.choice(by_root[root_id])
        asker = people[by_key[by_id[root_id].author]]
        rest.append(sign(asker, "accept", topic, {}, (a.id,), created=after(rnd, a.created, DAY)))
    for root in rnd.sample(roots, min(counts.get("resolves", 0), len(roots))):
        asker = people[by_key[root.author]]
        rest.append(sign(asker, "resolve", topic, {}, (root.id,), created=after(rnd, root.created, 2 * DAY)))
    for root in rnd.sample(roots, min(counts.get("statuses", 0), len(roots))) if vendor else ():
        state = rnd.choice(("acknowledged", "in-progress", "resolved", "wont-fix"))
        rest.append(sign(vendor, "status", topic, {"state": state}, (root.id,),
                         created=after(rnd, root.created, 3 * DAY)))
    for _ in range(counts.get("reports", 0)):
        target = rnd.choice(answers)
        rest.append(sign(people[rnd.randrange(len(people))], "report", topic, {"reason": "spam"}, (target.id,),
                         created=after(rnd, target.created, DAY)))
    yield rest


def build(dest: Path, scale: float = 1.0, seed: int = 1, progress=None) -> dict:
    """Make the popular-topic home at `dest` (which must not hold one). Returns what fixture.json says."""
    rnd, sign, t0 = random.Random(seed), Signer(), time.perf_counter()
    counts = shape(scale)
    home = Home(dest)
    me = home.init("viewer")
    people = _people(counts["authors"], b"popular/%d" % seed)
    vendors = {"Acme": Identity(hashlib.blake2b(b"popular/acme", digest_size=32).digest()),
               "Globex": Identity(hashlib.blake2b(b"popular/globex", digest_size=32).digest())}
    end = now_ms() - 45 * DAY  # replies come up to 40 days after their roots
    start = end - 365 * DAY
    store = Store(home.db_file)

    def put(msgs: list[Message]) -> None:
        for i in range(0, len(msgs), 20_000):
            store.add_many(msgs[i:i + 20_000], end)
        if progress and len(msgs) > 10_000:
            progress(f"{sign.count:,} messages signed and stored, {time.perf_counter() - t0:.0f} s")

    meta = [sign(p, "profile", "", {"name": f"Person {i}"}, created=start - DAY + i) for i, p in enumerate(people)]
    for name, v in vendors.items():
        claimed = [t for t in [TOPIC, *SMALL_TOPICS] if t.startswith(name.lower() + "/")]
        meta.append(sign(v, "vendor", "", {"org": name, "topics": claimed}, created=start - DAY))
    busy = Skewed(rnd, len(people))
    for i in range(counts["trusts"]):
        a, b = people[rnd.randrange(len(people))], people[busy()]
        if a is not b:
            meta.append(sign(a, "trust", "", {"subject": b.public_key, "value": "trust"}, created=start + i))
    meta += [sign(me, "trust", "", {"subject": p.public_key, "value": "trust"}, created=start - DAY + i)
             for i, p in enumerate(people[:10])]
    put(meta)
    for phase in topic_messages(sign, rnd, TOPIC, people, counts, start, end, vendors["Acme"]):
        put(phase)
    for topic in SMALL_TOPICS:
        vendor = vendors.get(topic.split("/")[0].capitalize())
        small = {**counts["small"], "statuses": counts["small"]["threads"] // 10 if vendor else 0}
        for phase in topic_messages(sign, rnd, topic, people, small, start, end, vendor):
            put(phase)
    for topic in [TOPIC, *SMALL_TOPICS]:
        store.follow(topic, end)
    total = store.count()
    store.close()
    info = {"scale": scale, "seed": seed, "messages": total, "topic": TOPIC, "vendor": VENDOR,
            "busiest": people[0].did, "viewer": me.did, "small_topics": SMALL_TOPICS,
            "seconds": round(time.perf_counter() - t0, 1)}
    (dest / "fixture.json").write_text(json.dumps(info, indent=1))
    home.make_private()
    return info


def cached_home(scale: float = 1.0, seed: int = 1, progress=None) -> Path:
    """The cached home for these parameters, built the first time (into a temporary name, then renamed)."""
    path = CACHE / f"popular-v{VERSION_OF_SHAPE}-scale{scale:g}-seed{seed}"
    if not (path / "fixture.json").exists():
        CACHE.mkdir(exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=CACHE, prefix=".building-"))
        build(tmp / "home", scale, seed, progress)
        shutil.rmtree(path, ignore_errors=True)
        (tmp / "home").rename(path)
        tmp.rmdir()
    return path


def fresh_home(dest: Path, scale: float = 1.0, seed: int = 1, progress=None) -> dict:
    """A copy of the cached home at `dest`, to run a node on and write into. Returns its fixture.json."""
    shutil.copytree(cached_home(scale, seed, progress), dest)
    return json.loads((dest / "fixture.json").read_text())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="every count times this (0.01 for a small home)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, help="build here instead of the cache")
    args = ap.parse_args()
    if args.out:
        info = build(args.out, args.scale, args.seed, print)
    else:
        path = cached_home(args.scale, args.seed, print)
        info = json.loads((path / "fixture.json").read_text())
        print(path)
    print(json.dumps(info, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
