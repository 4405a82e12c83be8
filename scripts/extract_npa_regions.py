#!/usr/bin/env python3
"""Rebuilds crates/jurisdiction/data/npa-regions.csv: North American area code (NPA) -> the US
state, territory or Canadian province it serves, from libphonenumber's geocoding data.

    python3 -m venv /tmp/npa && /tmp/npa/bin/pip install phonenumbers==9.0.19
    /tmp/npa/bin/python scripts/extract_npa_regions.py > crates/jurisdiction/data/npa-regions.csv

For each NPA 200-999 that libphonenumber places in the US, Canada or a US territory: the
two-letter code most of its exchanges' descriptions end in ("Lawrence, KS"), else its own
description mapped from the state or province name. NPAs of other NANP countries, and
non-geographic NPAs (800, 900, ...), are left out.
"""
import collections
import sys

import phonenumbers
from phonenumbers.geodata import GEOCODE_DATA

NAMES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA",
    "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA",
    "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD",
    "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS",
    "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH",
    "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
    "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA",
    "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN",
    "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington State": "WA",
    "Washington D.C.": "DC", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
    "Alberta": "AB", "British Columbia": "BC", "British Colombia": "BC", "Manitoba": "MB",
    "New Brunswick": "NB", "Newfoundland and Labrador": "NL", "Nova Scotia/Prince Edward Island": "NS",
    "Ontario": "ON", "Toronto": "ON", "Philadelphia": "PA", "Quebec": "QC", "Saskatchewan": "SK", "Northwest Territories/Nunavut/Yukon": "NT",
}
US_TERRITORIES = {"PR", "VI", "GU", "AS", "MP"}
CODES = set(NAMES.values()) | US_TERRITORIES


def region_of(npa):
    key = "1%03d" % npa
    country = phonenumbers.region_code_for_number(phonenumbers.parse("+1%03d2345678" % npa))
    if country in US_TERRITORIES:
        return country
    if country not in ("US", "CA"):
        return None
    votes = collections.Counter()
    for prefix, names in GEOCODE_DATA.items():
        if prefix.startswith(key) and len(prefix) > 4:
            suffix = names.get("en", "").rsplit(", ", 1)[-1]
            if suffix in CODES:
                votes[suffix] += 1
    if votes:
        return votes.most_common(1)[0][0]
    own = GEOCODE_DATA.get(key, {}).get("en")
    if not own:
        return None
    suffix = own.rsplit(", ", 1)[-1]
    return suffix if suffix in CODES else NAMES.get(own)


def main():
    rows = [(npa, region_of(npa)) for npa in range(200, 1000)]
    out = sys.stdout
    out.write("npa,region\n")
    for npa, region in rows:
        if region:
            out.write("%03d,%s\n" % (npa, region))


if __name__ == "__main__":
    main()
