"""Swedish personal identity numbers (personnummer, samordningsnummer) and keyed pseudonyms.

A personal identity number is ``[CC]YYMMDD[-+]NNNC``: birth date (day + 60 for a
samordningsnummer), a three-digit serial and a check digit C computed with the Luhn
algorithm over the ten digits YYMMDDNNN (Skatteverket, SKV 704). In the ten-digit form ``+``
marks a person aged 100 or more.

Pseudonyms are HMAC-SHA256 (RFC 2104) of the normalised twelve-digit number with a secret
key kept in ``<user_config_dir>/pseudonym.key`` (created with mode 600 on first use), never in
the database. The same person gives the same pseudonym whatever form the number was written in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from likvard.paths import user_config_dir

KEY_FILE_NAME = "pseudonym.key"
PSEUDONYM_PREFIX = "p_"

_PATTERN = re.compile(r"^\s*(\d{2})?(\d{2})(\d{2})(\d{2})([-+])?(\d{3})(\d)\s*$")
_PATTERN_STR = r"\s*(?:\d{2})?\d{6}[-+]?\d{4}\s*"


def luhn_check_digit(nine_digits: str) -> int:
    """Luhn check digit of YYMMDDNNN: weights 2,1,2,…; digits of products summed; (10 - s % 10) % 10."""
    total = 0
    for i, ch in enumerate(nine_digits):
        p = int(ch) * (2 if i % 2 == 0 else 1)
        total += p // 10 + p % 10
    return (10 - total % 10) % 10


def _parts(text: str) -> tuple[str | None, str, str, str, str | None, str, str] | None:
    m = _PATTERN.match(str(text))
    return None if m is None else m.groups()  # type: ignore[return-value]


def _date_ok(century: str | None, yy: str, mm: str, dd: str) -> bool:
    month, day = int(mm), int(dd)
    if day > 60:  # samordningsnummer
        day -= 60
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return False
    if century is not None:
        try:
            dt.date(int(century + yy), month, day)
        except ValueError:
            return False
    return True


def looks_like_identity_number(text: str) -> bool:
    """True if ``text`` has the shape of a personal identity number with a plausible birth date
    (whether or not its check digit is right)."""
    p = _parts(text)
    return p is not None and _date_ok(p[0], p[1], p[2], p[3])


def is_identity_number(text: str) -> bool:
    """True if ``text`` is a valid personnummer or samordningsnummer (10 or 12 digits, with or
    without ``-``/``+``, plausible date, correct Luhn check digit)."""
    p = _parts(text)
    if p is None or not _date_ok(p[0], p[1], p[2], p[3]):
        return False
    nine = p[1] + p[2] + p[3] + p[5]
    return luhn_check_digit(nine) == int(p[6])


def normalise_identity_number(text: str, today: dt.date | None = None) -> str:
    """The twelve-digit form ``CCYYMMDDNNNC``.

    For the ten-digit form the century is the latest one that does not put the birth year
    after ``today``'s year; a ``+`` separator adds a further hundred years (Folkbokföringslagen).
    """
    p = _parts(text)
    if p is None or not is_identity_number(text):
        raise ValueError(f"inte ett giltigt personnummer: {text!r}")
    century, yy, mm, dd, sep, serial, check = p
    if century is None:
        year_now = (today or dt.date.today()).year
        year = (year_now // 100) * 100 + int(yy)
        if year > year_now:
            year -= 100
        if sep == "+":
            year -= 100
        century = f"{year // 100:02d}"
    return f"{century}{yy}{mm}{dd}{serial}{check}"


def key_path() -> Path:
    """Where the pseudonymisation key is kept (outside any database)."""
    return user_config_dir() / KEY_FILE_NAME


def load_or_create_key(path: Path | None = None) -> bytes:
    """The secret key (32 random bytes, stored hex-encoded), created with mode 600 if absent."""
    path = Path(path) if path is not None else key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # created meanwhile by another process
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    text = path.read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError as exc:
        raise ValueError(f"Nyckelfilen {path} är skadad: den ska innehålla 64 hexadecimala tecken.") from exc
    if len(key) < 16:
        raise ValueError(f"Nyckelfilen {path} är för kort: minst 32 hexadecimala tecken krävs.")
    return key


def pseudonym(identity_number: str, key: bytes) -> str:
    """Keyed hash ``p_`` + first 32 hex digits of HMAC-SHA256(key, twelve-digit number)."""
    digest = hmac.new(key, normalise_identity_number(identity_number).encode("ascii"), hashlib.sha256)
    return PSEUDONYM_PREFIX + digest.hexdigest()[:32]


def identity_mask(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """For a column of strings: (valid identity number, shaped like one but check digit wrong).

    Vectorised over the distinct values, so scanning a large column is cheap.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    u = pd.Series(uniques, dtype="string")
    shaped = u.str.fullmatch(_PATTERN_STR).fillna(False).to_numpy(dtype=bool)
    u_valid = np.zeros(len(u), dtype=bool)
    u_bad = np.zeros(len(u), dtype=bool)
    for j in np.flatnonzero(shaped):
        text = str(u.iloc[j])
        ok = is_identity_number(text)
        u_valid[j] = ok
        u_bad[j] = not ok and looks_like_identity_number(text)
    present = codes >= 0
    valid = np.zeros(len(codes), dtype=bool)
    bad = np.zeros(len(codes), dtype=bool)
    valid[present] = u_valid[codes[present]]
    bad[present] = u_bad[codes[present]]
    return valid, bad


def pseudonymise(values: Iterable[str], key: bytes) -> list[str]:
    """Replace each valid identity number by its pseudonym; other ids are kept as they are."""
    cache: dict[str, str] = {}
    out = []
    for v in values:
        if v not in cache:
            cache[v] = pseudonym(v, key) if is_identity_number(v) else v
        out.append(cache[v])
    return out
