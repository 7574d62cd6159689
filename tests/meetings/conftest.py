import pytest
from flask_babel import force_locale


@pytest.fixture(autouse=True)
def english_services(app):
    """Services called directly (outside a request) speak English, their msgids, so that the
    assertions on messages read the same whatever the catalog; pages keep the default zh_CN."""
    with force_locale("en"):
        yield
