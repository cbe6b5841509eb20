"""Swedish personal identity numbers (personnummer, samordningsnummer) and keyed pseudonyms.

A personal identity number is ``[CC]YYMMDD[-+]NNNC``: birth date (day + 60 for a
samordningsnummer), a three-digit serial and a check digit C computed with the Luhn
algorithm over the ten digits YYMMDDNNN (Skatteverket, SKV 704). In the ten-digit form ``+``
marks a person aged 100 or more.

Pseudonyms are HMAC-SHA256 (RFC 2104) of the normalised twelve-digit number with a secret
key kept in ``<user_config_dir>/pseudonym.key`` (created with mode 600 on first use; refused when
others may read it), never in the database. The same person gives the same pseudonym whatever
form the number was written in: every dash and space variant, ``_``, separators inside the date,
a leading ``'``, a trailing ``.0`` and a lost leading zero are read (see :func:`clean_spelling`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from likvard.errors import LikvardError
from likvard.files import make_private_dir
from likvard.paths import user_config_dir

KEY_FILE_NAME = "pseudonym.key"
PSEUDONYM_PREFIX = "p_"


class KeyFileError(LikvardError, ValueError):
    """The key file cannot be used (readable by others, damaged, missing)."""


_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d_"
"""Hyphen, non-breaking hyphen, figure dash, en and em dash, minus sign, small and full-width
hyphen-minus, and the underscore: all read as ``-``."""
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t"
"""No-break, narrow no-break, thin, figure and other Unicode spaces, and the tab: all read as a space."""
_TRANSLATE = str.maketrans({**{c: "-" for c in _DASHES}, **{c: " " for c in _SPACES}, "\u200b": "", "\ufeff": ""})

_SEP = r"[ ]?-?[ ]?"
_CORE = (r"(?P<cc>\d{2})?(?P<yy>\d{2})" + _SEP + r"(?P<mm>\d{2})" + _SEP + r"(?P<dd>\d{2})"
         r"[ ]?(?P<sign>[-+])?[ ]?(?P<serial>\d{3})[ ]?(?P<check>\d)")
_CELL = re.compile(r"^'?\s*" + _CORE + r"\s*(?:\.0+)?$")
_LOST_ZERO = re.compile(r"^'?\s*(?P<digits>\d{9})\s*(?:\.0+)?$")
_IN_TEXT = re.compile(r"(?<![\d.,])" + _CORE + r"(?![\d])")
_SHAPED = r"(?:\d{2})?\d{2}[ ]?-?[ ]?\d{2}[ ]?-?[ ]?\d{2}[ ]?[-+]?[ ]?\d{3}[ ]?\d"
"""Loose shape used to pick out candidate values quickly (vectorised) before the exact check."""


def clean_spelling(text: str) -> str:
    """Read every dash variant and ``_`` as ``-``, every Unicode space as a space; trim."""
    return str(text).translate(_TRANSLATE).strip()


def luhn_check_digit(nine_digits: str) -> int:
    """Luhn check digit of YYMMDDNNN: weights 2,1,2,…; digits of products summed; (10 - s % 10) % 10."""
    total = 0
    for i, ch in enumerate(nine_digits):
        p = int(ch) * (2 if i % 2 == 0 else 1)
        total += p // 10 + p % 10
    return (10 - total % 10) % 10


Parts = tuple[str | None, str, str, str, str | None, str, str]


def _groups(m: re.Match[str]) -> Parts:
    g = m.groupdict()
    return (g["cc"], g["yy"], g["mm"], g["dd"], g["sign"], g["serial"], g["check"])


def _parts(text: str) -> Parts | None:
    """The parts (century, YY, MM, DD, sign, serial, check) of one cell holding one number.

    Accepts every spelling in :func:`clean_spelling`, separators between the date parts
    (``2011-02-22-5636``), a leading ``'`` (Excel's text marker), a trailing ``.0`` (a number
    cell written as a float), and a ten-digit number whose leading zero was lost (9 digits).
    """
    t = clean_spelling(text)
    m = _CELL.match(t)
    if m is not None:
        return _groups(m)
    m = _LOST_ZERO.match(t)
    if m is not None:
        d = "0" + m.group("digits")
        return (None, d[0:2], d[2:4], d[4:6], None, d[6:9], d[9])
    return None


def _date_ok(century: str | None, yy: str, mm: str, dd: str) -> bool:
    month, day = int(mm), int(dd)
    if day > 60:  # samordningsnummer
        day -= 60
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return False
    if century is not None:
        if century not in ("18", "19", "20"):
            return False
        try:
            dt.date(int(century + yy), month, day)
        except ValueError:
            return False
    return True


def _valid(p: Parts) -> bool:
    return _date_ok(p[0], p[1], p[2], p[3]) and luhn_check_digit(p[1] + p[2] + p[3] + p[5]) == int(p[6])


def looks_like_identity_number(text: str) -> bool:
    """True if ``text`` has the shape of a personal identity number with a plausible birth date
    (whether or not its check digit is right)."""
    p = _parts(text)
    return p is not None and _date_ok(p[0], p[1], p[2], p[3])


def is_identity_number(text: str) -> bool:
    """True if ``text`` is a valid personnummer or samordningsnummer in any spelling (10 or 12
    digits, any dash or space variant, plausible date, correct Luhn check digit)."""
    p = _parts(text)
    return p is not None and _valid(p)


def _twelve(p: Parts, today: dt.date | None) -> str:
    century, yy, mm, dd, sign, serial, check = p
    if century is None:
        year_now = (today or dt.date.today()).year
        year = (year_now // 100) * 100 + int(yy)
        if year > year_now:
            year -= 100
        if sign == "+":
            year -= 100
        century = f"{year // 100:02d}"
    return f"{century}{yy}{mm}{dd}{serial}{check}"


def normalise_identity_number(text: str, today: dt.date | None = None) -> str:
    """The twelve-digit form ``CCYYMMDDNNNC``.

    For the ten-digit form the century is the latest one that does not put the birth year
    after ``today``'s year; a ``+`` separator adds a further hundred years (Folkbokföringslagen).
    """
    p = _parts(text)
    if p is None or not _valid(p):
        raise ValueError("inte ett giltigt personnummer")  # never echo the value
    return _twelve(p, today)


def find_identity_numbers(text: str) -> list[tuple[int, int, bool]]:
    """Personal identity numbers written anywhere in a free text: (start, end, check digit right).

    Only candidates with a plausible birth date count; ``(… , False)`` marks a number shaped like
    one whose check digit is wrong (a mistyped number is still a number of a person).
    """
    t = str(text).translate(_TRANSLATE)
    found = []
    for m in _IN_TEXT.finditer(t):
        p = _groups(m)
        if _date_ok(p[0], p[1], p[2], p[3]):
            found.append((m.start(), m.end(), _valid(p)))
    return found


REDACTED = "[personnummer]"


def redact(text: str) -> str:
    """``text`` with every personal identity number (any spelling, right check digit or not)
    replaced by ``[personnummer]``: for messages, which must never echo a number."""
    if is_identity_number(text) or looks_like_identity_number(text):
        return REDACTED
    hits = find_identity_numbers(text)
    if not hits:
        return str(text)
    t = str(text).translate(_TRANSLATE)
    out, last = [], 0
    for start, end, _ok in hits:
        out.append(t[last:start])
        out.append(REDACTED)
        last = end
    out.append(t[last:])
    return "".join(out)


def key_path() -> Path:
    """Where the pseudonymisation key is kept (outside any database)."""
    return user_config_dir() / KEY_FILE_NAME


@dataclass(frozen=True)
class PseudonymKey:
    """The secret key, where it is kept, whether this call created it, and its fingerprint.

    The fingerprint is ``HMAC-SHA256(key, "likvard-nyckelfingeravtryck")``, first 16 hex digits:
    it identifies the key (the store keeps it to detect a different key) without revealing it.
    """

    secret: bytes
    path: Path
    created: bool

    @property
    def fingerprint(self) -> str:
        return hmac.new(self.secret, FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:16]


FINGERPRINT_MESSAGE = b"likvard-nyckelfingeravtryck"


def key_fingerprint(key: bytes) -> str:
    """The public fingerprint of ``key`` (see :class:`PseudonymKey`)."""
    return hmac.new(key, FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:16]


def _check_permissions(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyFileError(
            f"Nyckelfilen {path} kan läsas eller ändras av andra användare (rättigheter {mode:03o}). "
            f"Den skyddar elevernas pseudonymer och används inte så. Gör den privat med "
            f"'chmod 600 {path}' och kontrollera att ingen annan har kopierat den."
        )


def load_key(path: Path | None = None, *, create: bool = True) -> PseudonymKey:
    """The key file at ``path`` (default :func:`key_path`), created with mode 600 when absent.

    Refused (:class:`KeyFileError`) when others may read or write it, when it is damaged, or
    when it is absent and ``create`` is false.
    """
    path = Path(path) if path is not None else key_path()
    created = False
    if not path.exists():
        if not create:
            raise KeyFileError(f"Nyckelfilen {path} finns inte. Den skapas vid första importen med personnummer.")
        make_private_dir(path.parent)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # created meanwhile by another process
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
            created = True
    _check_permissions(path)
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"Nyckelfilen {path} är skadad: den ska innehålla 64 hexadecimala tecken. "
                           "Återställ den från säkerhetskopian.") from exc
    except OSError as exc:
        raise KeyFileError(f"Nyckelfilen {path} kunde inte läsas ({exc.strerror}).") from exc
    if len(key) < 16:
        raise KeyFileError(f"Nyckelfilen {path} är för kort: minst 32 hexadecimala tecken krävs.")
    return PseudonymKey(key, path, created)


def load_or_create_key(path: Path | None = None) -> bytes:
    """The secret key bytes (see :func:`load_key`)."""
    return load_key(path).secret


def pseudonym(identity_number: str, key: bytes) -> str:
    """Keyed hash ``p_`` + first 32 hex digits of HMAC-SHA256(key, twelve-digit number)."""
    digest = hmac.new(key, normalise_identity_number(identity_number).encode("ascii"), hashlib.sha256)
    return PSEUDONYM_PREFIX + digest.hexdigest()[:32]


def identity_mask(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """For a column of cells, each holding one id: (valid identity number in any spelling,
    shaped like one with a plausible date but a wrong check digit).

    Vectorised over the distinct values, so scanning a large column is cheap.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    u_valid = np.zeros(len(uniques), dtype=bool)
    u_bad = np.zeros(len(uniques), dtype=bool)
    if len(uniques):
        u = pd.Series(uniques, dtype="string").str.translate(_TRANSLATE).str.strip()
        shaped = u.str.fullmatch(r"'?\s*" + _SHAPED + r"\s*(?:\.0+)?|'?\s*\d{9}\s*(?:\.0+)?")
        for j in np.flatnonzero(shaped.fillna(False).to_numpy(dtype=bool)):
            p = _parts(str(uniques[j]))
            if p is None or not _date_ok(p[0], p[1], p[2], p[3]):
                continue
            ok = _valid(p)
            u_valid[j] = ok
            u_bad[j] = not ok
    present = codes >= 0
    valid = np.zeros(len(codes), dtype=bool)
    bad = np.zeros(len(codes), dtype=bool)
    valid[present] = u_valid[codes[present]]
    bad[present] = u_bad[codes[present]]
    return valid, bad


def text_mask(values: pd.Series) -> np.ndarray:
    """For a column of free text: True where a cell contains a personal identity number anywhere
    (any spelling; a plausible date is enough, the check digit need not be right)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    hit = np.zeros(len(uniques), dtype=bool)
    if len(uniques):
        u = pd.Series(uniques, dtype="string").str.translate(_TRANSLATE)
        candidate = u.str.contains(r"\d{6}|\d{2}[ -]\d{2}[ -]\d{2}", regex=True).fillna(False).to_numpy(dtype=bool)
        for j in np.flatnonzero(candidate):
            text = str(uniques[j])
            hit[j] = looks_like_identity_number(text) or bool(find_identity_numbers(text))
    present = codes >= 0
    out = np.zeros(len(codes), dtype=bool)
    out[present] = hit[codes[present]]
    return out


def pseudonymise(values: Iterable[str], key: bytes) -> list[str]:
    """Replace each valid identity number by its pseudonym; other ids are kept as they are."""
    cache: dict[str, str] = {}
    out = []
    for v in values:
        if v not in cache:
            cache[v] = pseudonym(v, key) if is_identity_number(v) else v
        out.append(cache[v])
    return out
