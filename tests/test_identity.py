"""Personal identity numbers: Luhn check digits computed by hand, normalisation, keyed pseudonyms."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pandas as pd
import pytest

from likvard.sources import identity


# Check digits worked out by hand (weights 2,1,2,1,…; digit sums of products; 10 - sum mod 10):
# 811218-987: 16→7,1,2,2,2,8,18→9,8,14→5 = 44 → 6
# 121212-121 (Skatteverket's "Tolvan Tolvansson"): nine products/digit sums of 2 → 18 → 2
# 701063-239 (samordningsnummer, day 3 + 60): 14→5,0,2,0,12→3,3,4,3,18→9 = 29 → 1
# 000101-000: 0,0,0,1,0,1,0,0,0 = 2 → 8
@pytest.mark.parametrize("nine,check", [("811218987", 6), ("121212121", 2), ("701063239", 1), ("000101000", 8)])
def test_luhn_check_digit_matches_hand_computation(nine, check):
    assert identity.luhn_check_digit(nine) == check


@pytest.mark.parametrize(
    "text", ["811218-9876", "8112189876", "19811218-9876", "198112189876", "121212+1212", "701063-2391", " 811218-9876 "]
)
def test_valid_numbers_are_recognised(text):
    assert identity.is_identity_number(text)


@pytest.mark.parametrize(
    "text", ["811218-9875", "811318-9876", "811200-9876", "12345678", "81121898761", "abc", "", "2024",
             "21811218-9876", "556000-1234", "12345678.5"]
)
def test_invalid_numbers_are_rejected(text):
    assert not identity.is_identity_number(text)


def test_bad_check_digit_still_looks_like_a_number():
    assert identity.looks_like_identity_number("811218-9875")
    assert not identity.looks_like_identity_number("811318-9875")  # month 13


def test_normalisation_infers_century():
    today = dt.date(2026, 11, 22)
    assert identity.normalise_identity_number("121212-1212", today) == "201212121212"
    assert identity.normalise_identity_number("121212+1212", today) == "191212121212"
    assert identity.normalise_identity_number("811218-9876", today) == "198112189876"
    assert identity.normalise_identity_number("19811218-9876", today) == "198112189876"


def test_pseudonym_is_stable_keyed_and_form_independent():
    key_a, key_b = b"a" * 32, b"b" * 32
    p = identity.pseudonym("811218-9876", key_a)
    assert p == identity.pseudonym("198112189876", key_a) == identity.pseudonym("19811218-9876", key_a)
    assert p == identity.pseudonym("811218-9876", key_a)  # stable
    assert p != identity.pseudonym("811218-9876", key_b)  # keyed
    assert p != identity.pseudonym("121212-1212", key_a)
    assert p.startswith("p_") and "811218" not in p and len(p) == 34
    import hashlib
    import hmac

    assert p[2:] == hmac.new(key_a, b"198112189876", hashlib.sha256).hexdigest()[:32]


def test_key_file_created_once_with_mode_600(tmp_path):
    path = tmp_path / "cfg" / "pseudonym.key"
    key = identity.load_or_create_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert identity.load_or_create_key(path) == key
    assert identity.load_or_create_key(tmp_path / "other.key") != key


def test_default_key_lives_in_user_config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LIKVARD_CONFIG_DIR", str(tmp_path / "conf"))
    key = identity.load_or_create_key()
    assert (tmp_path / "conf" / "pseudonym.key").exists()
    assert bytes.fromhex((tmp_path / "conf" / "pseudonym.key").read_text().strip()) == key


def test_corrupt_key_file_gives_clear_error(tmp_path):
    path = tmp_path / "pseudonym.key"
    path.write_text("not hex")
    path.chmod(0o600)
    with pytest.raises(ValueError, match="skadad"):
        identity.load_or_create_key(path)


def test_identity_mask_on_a_column():
    s = pd.Series(["811218-9876", "abc", None, "811218-9875", "12345678", "701063-2391"])
    valid, bad = identity.identity_mask(s)
    assert valid.tolist() == [True, False, False, False, False, True]
    assert bad.tolist() == [False, False, False, True, False, False]


# 2011-02-22-5636: 1,1,0,2,2,2,5,6,3 x 2,1,2,… = 2,1,0,2,4,2,10→1,6,6 = 24 → check 6 (as written)
# 20101214-1238: 2,0,2,2,2,4,2,2,6 = 22 → 8. 0102225638 (born 2001): 0,1,0,2,4,2,1,6,6 = 22 → 8.
SPELLINGS = [
    "20110222-5636", "201102225636", "110222-5636", "1102225636", "20110222 5636", "110222 5636",
    "20110222\u20135636", "20110222\u20145636", "20110222\u22125636", "20110222\u00a05636", "20110222\u202f5636",
    "20110222_5636", "2011-02-22-5636", "2011-02-22 5636", "'20110222-5636", "201102225636.0", "1102225636.0",
    " 20110222-5636 ", "20110222 - 5636", "2011 02 22-5636", "20110222\t5636", "\ufeff20110222-5636",
]


@pytest.mark.parametrize("text", SPELLINGS)
def test_every_spelling_is_recognised_and_gives_the_same_pseudonym(text):
    key = b"k" * 32
    assert identity.is_identity_number(text)
    assert identity.normalise_identity_number(text, dt.date(2026, 1, 1)) == "201102225636"
    assert identity.pseudonym(text, key) == identity.pseudonym("201102225636", key)


def test_lost_leading_zero_and_plus_sign():
    today = dt.date(2026, 1, 1)
    assert identity.normalise_identity_number("0102225638", today) == "200102225638"
    assert identity.normalise_identity_number("102225638", today) == "200102225638"  # Excel dropped the 0
    assert identity.normalise_identity_number("102225638.0", today) == "200102225638"
    assert identity.normalise_identity_number("010222+5638", today) == "190102225638"  # aged 100+
    assert not identity.is_identity_number("102225637")  # wrong check digit
    # samordningsnummer: day + 60 (3 → 63), any spelling
    assert identity.normalise_identity_number("701063\u20132391", today) == "197010632391"
    assert identity.is_identity_number("19701063 2391")


def test_numbers_are_found_inside_free_text_and_redacted():
    text = "syster till 20101214-1238, bror 101214\u20131238 och 0102225638"
    hits = identity.find_identity_numbers(text)
    assert len(hits) == 3 and all(ok for _, _, ok in hits)
    red = identity.redact(text)
    assert red == "syster till [personnummer], bror [personnummer] och [personnummer]"
    # a mistyped number (wrong check digit) is still a person's number
    assert identity.find_identity_numbers("ring 20101214-1239") == [(5, 18, False)]
    assert identity.redact("20101214-1239") == "[personnummer]"
    # phone numbers, school codes, organisation numbers, coordinates are not numbers of persons
    for other in ("070-123 45 67", "skola 12345678", "556000-1234", "6571000,5", "2024/25", "08-123 456 78"):
        assert identity.find_identity_numbers(other) == [], other
        assert identity.redact(other) == other


def test_text_mask_flags_cells_with_a_number_anywhere():
    s = pd.Series(["Norrskolan", "syster till 20101214_1238", None, "ring 070-1234567", "x 1012141238 y"])
    assert identity.text_mask(s).tolist() == [False, True, False, False, True]


def test_identity_mask_reads_every_spelling():
    s = pd.Series(SPELLINGS + ["102225638", "e1", "12345678"])
    valid, bad = identity.identity_mask(s)
    assert valid.tolist() == [True] * (len(SPELLINGS) + 1) + [False, False]
    assert not bad.any()


def test_key_readable_by_others_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "pseudonym.key"
    first = identity.load_key(path)
    assert first.created and len(first.fingerprint) == 16
    again = identity.load_key(path)
    assert not again.created and again.fingerprint == first.fingerprint
    assert again.fingerprint == identity.key_fingerprint(first.secret)
    assert first.fingerprint not in first.secret.hex()  # the fingerprint does not reveal the key
    path.chmod(0o644)
    with pytest.raises(identity.KeyFileError, match="chmod 600"):
        identity.load_key(path)
    path.chmod(0o600)
    with pytest.raises(identity.KeyFileError, match="finns inte"):
        identity.load_key(tmp_path / "saknas.key", create=False)


def test_key_folder_created_private(tmp_path):
    identity.load_key(tmp_path / "ny" / "mapp" / "pseudonym.key")
    assert stat.S_IMODE(os.stat(tmp_path / "ny").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "ny" / "mapp").st_mode) == 0o700
