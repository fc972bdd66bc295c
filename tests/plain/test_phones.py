"""Phone numbers and country names."""

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.language import LANGUAGES, country_names, names_from_cldr
from components.phones import COUNTRY_CODES


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_country_phonenumbers_knows_has_its_cldr_name_in_every_language(language):
    assert COUNTRY_CODES == phonenumbers.SUPPORTED_REGIONS
    assert country_names(language) == names_from_cldr(language, COUNTRY_CODES)


@pytest.mark.parametrize(
    "number",
    [
        "+870 773 111 632",
        "+881 6 3123 4567",
        "+882 16 1234 5678",
        "+883 510 012345",
        "+979 123 456 789",
        "+800 1234 5678",
        "+808 1234 5678",
    ],
)
def test_satellite_and_international_service_numbers_get_no_code(visitor, outbox, number):
    page = visitor.sign_up(phone=number)
    assert page.status_code == 422
    assert page.context["errors"]["phone"].startswith("Enter a mobile number from a country")
    assert outbox.messages() == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    country_code=st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)),
    national=st.text(alphabet="0123456789", min_size=4, max_size=14),
)
def test_no_parseable_number_gets_a_server_error(new_visitor, country_code, national):
    visitor = new_visitor(address=f"198.51.{country_code % 250}.{len(national)}")
    page = visitor.sign_up(email=f"n{country_code}x{national}@example.com", phone=f"+{country_code}{national}")
    assert page.status_code in (200, 422, 429), page.text[:300]
