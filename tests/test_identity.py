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
    "text", ["811218-9875", "811318-9876", "811200-9876", "12345678", "81121898761", "abc", "", "2024", "19811218 9876"]
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
    with pytest.raises(ValueError, match="skadad"):
        identity.load_or_create_key(path)


def test_identity_mask_on_a_column():
    s = pd.Series(["811218-9876", "abc", None, "811218-9875", "12345678", "701063-2391"])
    valid, bad = identity.identity_mask(s)
    assert valid.tolist() == [True, False, False, False, False, True]
    assert bad.tolist() == [False, False, False, True, False, False]
