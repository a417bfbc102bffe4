"""Keyed pseudonyms: DuckDB's computation equals Python's standard HMAC,
and the key rules."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pytest

from jdm.serve.pseudonyms import (DEMO_KEY, HEX_DIGITS, MissingKeyError, PseudonymKey, key_from_environment,
                            pseudonym, sql_macro)

IDS = ["JDM00042", "JDM00042-V003", " JDM00042", "", "ID with spaces, commas and 'quotes'", "Åsa-ü-名前", "x" * 500]


@pytest.mark.parametrize("secret", [b"k" * 32, b"a 64-byte key exactly: 0123456789abcdef0123456789abcdef0123456789",
                                    b"a key longer than one SHA-256 block " * 4])
def test_sql_pseudonyms_equal_python_hmac(secret: bytes) -> None:
    key = PseudonymKey(secret, is_demo=False)
    with duckdb.connect() as con:
        sql_macro(con, key)
        for kind, prefix in (("patient", "pt_"), ("record", "rc_")):
            got = con.execute("select list(pseudonym($kind, id) order by i) from"
                              " (select unnest($ids) as id, generate_subscripts($ids, 1) as i)",
                              {"kind": kind, "ids": IDS}).fetchone()[0]
            expected = [prefix + hmac.new(secret, f"{kind}:{i}".encode(), hashlib.sha256).hexdigest()[:HEX_DIGITS]
                        for i in IDS]
            assert got == expected == [pseudonym(key, kind, i) for i in IDS]
        assert con.execute("select pseudonym('patient', null)").fetchone()[0] is None


def test_kind_separates_patients_from_records() -> None:
    key = PseudonymKey(b"k" * 32, is_demo=False)
    assert pseudonym(key, "patient", "A1")[3:] != pseudonym(key, "record", "A1")[3:]


def test_key_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JDM_PSEUDONYM_KEY", raising=False)
    with pytest.raises(MissingKeyError, match="not set"):
        key_from_environment()
    demo = key_from_environment(allow_demo=True)
    assert demo.is_demo and demo.secret == DEMO_KEY.encode() and "DEMO" in demo.description
    monkeypatch.setenv("JDM_PSEUDONYM_KEY", "short")
    with pytest.raises(MissingKeyError, match="at least 32"):
        key_from_environment(allow_demo=True)  # a key that is set but weak is never replaced by the demo key
    monkeypatch.setenv("JDM_PSEUDONYM_KEY", "s" * 40)
    key = key_from_environment(allow_demo=True)
    assert not key.is_demo and key.fingerprint != demo.fingerprint and "s" * 40 not in key.description
