from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import Length

from .models import Frequency


class FollowForm(FlaskForm):
    """Follow something: an account only chooses how often; a visitor also gives an address."""

    target = HiddenField()
    target_id = HiddenField()
    email = StringField(_l("Email address"), validators=[Length(max=254)],
                        description=_l("A confirmation link is sent to this address; nothing is sent before you "
                                       "open it. No account is needed."))
    name = StringField(_l("Your name (optional)"), validators=[Length(max=50)],
                       description=_l("Used only to greet you in the emails."))
    frequency = RadioField(_l("How often"), choices=Frequency.choices(), default=Frequency.instant.value)
