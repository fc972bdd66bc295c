"""Phone numbers and country names."""

import phonenumbers

from components.country_names import NAMES


def test_every_country_phonenumbers_knows_is_listed_by_its_geocoder_name():
    from phonenumbers.geocoder import (
        country_name_for_number,  # 100 MB of data: tests only
    )

    assert set(NAMES) == phonenumbers.SUPPORTED_REGIONS
    for region, name in NAMES.items():
        example = phonenumbers.example_number(region)
        # A few regions have no English name there (Kosovo, Saint Martin, ...): ours are written by hand.
        assert name == ((example and country_name_for_number(example, "en")) or name), region
