"""Writes ed25519.json: signatures on the edges of the Ed25519 verification rule of 01 section 1.1.

    python specs/vectors/generate_ed25519.py          # rewrite ed25519.json
    python specs/vectors/generate_ed25519.py --check  # exit 1 if the committed file differs

The curve arithmetic is written out here (RFC 8032 section 5.1, affine coordinates, slow and plain)
because no signing library makes these: forgeries under small-order keys, signatures that hold only
under the cofactored equation, non-canonical S. `forge` is also used by generate.py for envelopes.
Each case records whether the cofactorless and the cofactored equations hold, so an implementer
sees which cases a library that checks only the equation would accept.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, -1, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
IDENTITY = (0, 1)


def add(a, b):
    (x1, y1), (x2, y2) = a, b
    t = D * x1 * x2 * y1 * y2 % P
    return ((x1 * y2 + x2 * y1) * pow(1 + t, -1, P) % P, (y1 * y2 + x1 * x2) * pow(1 - t, -1, P) % P)


def mul(k: int, a):
    out = IDENTITY
    while k:
        if k & 1:
            out = add(out, a)
        a, k = add(a, a), k >> 1
    return out


def neg(a):
    return (-a[0] % P, a[1])


def x_of(y: int, sign: int) -> int | None:
    """RFC 8032 5.1.3: the x for y with the given sign bit, or None when there is none. x = 0 with the sign bit
    set is let through (as libsodium's decoding does); the rule refuses those keys as small-order first."""
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if v * x * x % P == -u % P:
        x = x * SQRT_M1 % P
    if v * x * x % P != u:
        return None
    return P - x if x and x % 2 != sign else x


def encode(a) -> bytes:
    return (a[1] | (a[0] & 1) << 255).to_bytes(32, "little")


def decode(raw: bytes):
    """The point of 32 bytes, reading y modulo p (lenient, as libraries do; the rule refuses y >= p first)."""
    n = int.from_bytes(raw, "little")
    y, sign = (n & ((1 << 255) - 1)) % P, n >> 255
    x = x_of(y, sign)
    assert x is not None, raw.hex()
    return (x, y)


B = (x_of(4 * pow(5, -1, P) % P, 0), 4 * pow(5, -1, P) % P)
Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022
# The eight points of small order: identity, order 2, two of order 4, four of order 8 (01 section 1.1).
SMALL_ORDER = [IDENTITY, (0, P - 1), (SQRT_M1, 0), (P - SQRT_M1, 0),
               *((x, y) for y in (Y8, P - Y8) for x in (x_of(y, 0), x_of(y, 1)))]


def challenge(r: bytes, a: bytes, message: bytes) -> int:
    return int.from_bytes(hashlib.sha512(r + a + message).digest(), "little") % L


def secret(name: str) -> int:
    return int.from_bytes(hashlib.sha512(b"antiport/ed25519-vectors/" + name.encode()).digest(), "little") % L


def sig(r: bytes, s: int) -> bytes:
    return r + s.to_bytes(32, "little")


def cofactorless(a: bytes, message: bytes, signature: bytes) -> bool:
    r, s = signature[:32], int.from_bytes(signature[32:], "little")
    return encode(add(mul(s, B), neg(mul(challenge(r, a, message), decode(a))))) == r


def cofactored(a: bytes, message: bytes, signature: bytes) -> bool:
    r, s = signature[:32], int.from_bytes(signature[32:], "little")
    return mul(8, mul(s, B)) == mul(8, add(decode(r), mul(challenge(r, a, message), decode(a))))


def forge(a: bytes, message: bytes) -> bytes:
    """A signature under a small-order key T, made without any secret, that passes the cofactorless
    equation: R = [r]B - [k]T, S = r, for the k that the challenge h turns out to hit ([h]T = [k]T)."""
    torsion = decode(a)
    for i in range(1000):
        r = secret(f"forge/{a.hex()}/{i}")
        for k in range(8):
            r_bytes = encode(add(mul(r, B), neg(mul(k, torsion))))
            if mul(challenge(r_bytes, a, message), torsion) == mul(k, torsion):
                signature = sig(r_bytes, r)
                assert cofactorless(a, message, signature)
                return signature
    raise AssertionError("no forgery found")


def honest(x: int, message: bytes, key_point=None, r_extra=IDENTITY) -> tuple[bytes, bytes]:
    """(public key, signature) made with the secret scalar x; the key's point and R may carry a torsion part."""
    a = encode(key_point or mul(x, B))
    r = secret(f"honest/{x}/{message.hex()}")
    r_bytes = encode(add(mul(r, B), r_extra))
    return a, sig(r_bytes, (r + challenge(r_bytes, a, message) * x) % L)


def cases() -> list[dict]:
    out: list[dict] = []
    msg = b"antiport/msg/v1\x00vector"

    def case(name, a: bytes, signature: bytes, valid: bool, rule: str, message: bytes = msg):
        out.append({"name": name, "valid": valid, "rule": rule, "public_key": a.hex(), "message": message.hex(),
                    "signature": signature.hex(), "cofactorless": cofactorless(a, message, signature),
                    "cofactored": cofactored(a, message, signature)})

    x = secret("alice")
    a, s = honest(x, msg)
    case("honest", a, s, True, "an ordinary signature")
    case("s-plus-l", a, s[:32] + (int.from_bytes(s[32:], "little") + L).to_bytes(32, "little"), False,
         "S >= L: the honest signature with L added to S")
    for i, point in enumerate(SMALL_ORDER):
        key = encode(point)
        case(f"small-order-key-{i}", key, forge(key, msg), False,
             "A has small order: a forgery made without any secret, the cofactorless equation holds")
    for name, key in (("y-is-p", P.to_bytes(32, "little")), ("y-is-p-plus-1", (P + 1).to_bytes(32, "little")),
                      ("negative-zero", (1 | 1 << 255).to_bytes(32, "little"))):
        case(f"small-order-key-{name}", key, forge(key, msg), False,
             "A is a non-canonical encoding of a small-order point (y >= p, or x = 0 with the sign bit set)")
    ident = encode(IDENTITY)
    case("universal-forgery", ident, ident + bytes(32), False,
         "A and R are the identity and S = 0: the bare equation holds for every message")
    case("r-identity", a, sig(ident, challenge(ident, a, msg) * x % L), False,
         "R has small order (the identity); made with the secret key, the cofactorless equation holds")
    t8 = SMALL_ORDER[4]
    a2, s2 = honest(x, msg, r_extra=t8)
    case("r-mixed-order", a2, s2, False, "R = [r]B + T with T of order 8: only the cofactored equation holds")
    mixed = add(mul(x, B), t8)
    found: dict[bool, tuple] = {}
    for i in range(64):
        m = msg + b"/%d" % i
        a3, s3 = honest(x, m, key_point=mixed)
        found.setdefault(cofactorless(a3, m, s3), (a3, s3, m))
    a3, s3, m = found[False]
    case("key-mixed-order-cofactored-only", a3, s3, False,
         "A = [x]B + T with T of order 8 and [h]T not the identity: only the cofactored equation holds", m)
    a3, s3, m = found[True]
    case("key-mixed-order", a3, s3, True,
         "A = [x]B + T with T of order 8 (mixed order, not small order) and [h]T the identity: the cofactorless "
         "equation holds, so the signature is valid", m)
    return out


def build() -> dict[str, str]:
    doc = {"about": "Ed25519 signatures at the edges of 01 section 1.1: `valid` is what the rule decides; "
                    "`cofactorless` and `cofactored` say which bare equation holds (S reduced mod L, A decoded "
                    "leniently), so the cases a library refuses only by its extra checks are visible.",
           "cases": cases()}
    return {"ed25519.json": json.dumps(doc, indent=1) + "\n"}


def main(argv: list[str]) -> int:
    files = build()
    if "--check" in argv:
        stale = [n for n, data in files.items() if not (HERE / n).exists() or (HERE / n).read_text() != data]
        for n in stale:
            print(f"{n} differs from what generate_ed25519.py writes")
        return 1 if stale else 0
    for name, data in files.items():
        (HERE / name).write_text(data)
    print(f"wrote {', '.join(files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
