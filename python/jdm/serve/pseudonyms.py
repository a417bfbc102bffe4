"""Keyed pseudonyms for the served warehouse.

A registry id (patient, visit, medication ...) becomes
`<prefix>_<first 20 hex digits of HMAC-SHA256(key, "<kind>:<id>")>`.
Without the key nobody can go from a pseudonym back to the id, or from an
id to its pseudonym; with the same key the same id always gets the same
pseudonym, so analyses and dashboards stay comparable across rebuilds. The
kind in the message keeps a patient and a record that happen to share an id
apart. 80 bits make an accidental collision negligible even at millions of
ids, and the publisher checks for one anyway.

The key comes from the environment (`JDM_PSEUDONYM_KEY`) and is never
written to disk. The same HMAC is computed inside DuckDB (`sql_macro`) so a
large table is pseudonymised where it lies, and in Python (`pseudonym`) so a
key holder can look up the pseudonym of one id (`jdm pseudonym`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

KEY_VARIABLE = "JDM_PSEUDONYM_KEY"
# Used only when no key is set, so that the demo runs on a fresh machine.
# It is public (it is in this file): pseudonyms made with it protect nothing,
# and the served file says so in serving.publication.
DEMO_KEY = "jdm-demo-pseudonym-key--NOT-SECRET--set-JDM_PSEUDONYM_KEY"
MIN_KEY_LENGTH = 32
HEX_DIGITS = 20
PREFIXES = {"patient": "pt", "record": "rc"}
_BLOCK = 64  # SHA-256 block size in bytes (RFC 2104)


@dataclass(frozen=True)
class PseudonymKey:
    secret: bytes
    is_demo: bool

    @property
    def fingerprint(self) -> str:
        """Tells two publications' keys apart without revealing either."""
        return hmac.new(self.secret, b"jdm key fingerprint", hashlib.sha256).hexdigest()[:12]

    @property
    def description(self) -> str:
        if self.is_demo:
            return "DEMO KEY (public, not secret): pseudonyms protect nothing; set JDM_PSEUDONYM_KEY"
        return f"key from {KEY_VARIABLE}"

    def pads(self) -> tuple[bytes, bytes]:
        """HMAC's inner and outer padded keys, for computing it in SQL."""
        key = hashlib.sha256(self.secret).digest() if len(self.secret) > _BLOCK else self.secret
        key = key.ljust(_BLOCK, b"\0")
        return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


class MissingKeyError(RuntimeError):
    pass


def key_from_environment(*, allow_demo: bool = False) -> PseudonymKey:
    """The key in JDM_PSEUDONYM_KEY; the public demo key only if it is unset
    and `allow_demo` (what `make run` does on the synthetic registry)."""
    secret = os.environ.get(KEY_VARIABLE, "")
    if secret:
        if len(secret) < MIN_KEY_LENGTH:
            raise MissingKeyError(
                f"{KEY_VARIABLE} is {len(secret)} characters; use at least {MIN_KEY_LENGTH} "
                "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')")
        return PseudonymKey(secret.encode("utf-8"), is_demo=False)
    if not allow_demo:
        raise MissingKeyError(
            f"{KEY_VARIABLE} is not set. Set it to the registry's pseudonym key (keep it out of the "
            "repository), or pass --allow-demo-key to publish synthetic data with the public demo key.")
    return PseudonymKey(DEMO_KEY.encode("utf-8"), is_demo=True)


def pseudonym(key: PseudonymKey, kind: str, identifier: str) -> str:
    digest = hmac.new(key.secret, f"{kind}:{identifier}".encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{PREFIXES[kind]}_{digest[:HEX_DIGITS]}"


def sql_macro(con, key: PseudonymKey) -> None:
    """Define `pseudonym(kind, id)` in the connection's in-memory catalog:
    the same value as `pseudonym()` above, computed by DuckDB's sha256. The
    padded keys live in a temporary table of this connection only."""
    inner, outer = key.pads()
    con.execute("create or replace temp table pseudonym_pads as select $inner::blob as inner_pad, $outer::blob as outer_pad",
                {"inner": inner, "outer": outer})
    prefixes = " ".join(f"when '{kind}' then '{prefix}_'" for kind, prefix in PREFIXES.items())
    con.execute(f"""
        create or replace temp macro pseudonym(kind, identifier) as
            (case kind {prefixes} end) || left(sha256(
                (select outer_pad from pseudonym_pads)
                || unhex(sha256((select inner_pad from pseudonym_pads) || encode(kind || ':' || identifier)))
            ), {HEX_DIGITS})""")
