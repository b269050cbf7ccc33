"""Generators of valid Belgian identifiers, for demo data and tests.

Each one follows the official check-digit rule, so python-stdnum and schwifty
accept what they produce.
"""

import datetime
import random

BANK_CODES = ["001", "068", "310", "363", "539", "630", "735", "000", "979", "132"]


def _mod97_check(number: int) -> int:
    return number % 97 or 97


def belgian_iban(rng: random.Random) -> str:
    account = int(rng.choice(BANK_CODES) + f"{rng.randrange(10**7):07d}")
    bban = f"{account:010d}{_mod97_check(account):02d}"
    # ISO 13616: move "BE00" to the end, letters as numbers (B=11, E=14).
    check = 98 - int(bban + "111400") % 97
    return f"BE{check:02d}{bban}"


def belgian_enterprise_number(rng: random.Random) -> str:
    # 8 digits starting with 0 or 1, then 97 - (those 8 digits mod 97).
    base = rng.randrange(2 * 10**6, 2 * 10**7)
    return f"{base:08d}{97 - base % 97:02d}"


def belgian_national_number(rng: random.Random, birth: datetime.date) -> str:
    counter = rng.randrange(1, 998)
    body = int(f"{birth:%y%m%d}{counter:03d}")
    check = 97 - ((2 * 10**9 + body) if birth.year >= 2000 else body) % 97
    return f"{body:09d}{check:02d}"


def belgian_mobile(rng: random.Random) -> str:
    pairs = " ".join(f"{rng.randrange(100):02d}" for _ in range(3))
    return f"+32 4{rng.randrange(70, 100)} {pairs}"
