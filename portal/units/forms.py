from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from .models import UnitKind

KIND_LABELS = {
    UnitKind.district_government.value: _l("District government"),
    UnitKind.bureau.value: _l("Bureau"),
    UnitKind.town.value: _l("Town or street office"),
}


class UnitForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=100)])
    short_name = StringField(_l("Short name"), validators=[DataRequired(), Length(max=30)])
    slug = StringField(_l("Address name (slug)"),
                       validators=[DataRequired(), Length(max=60),
                                   Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                          message=_l("Use lower-case letters, digits and hyphens only."))],
                       description=_l("Used in web addresses, e.g. qingsong-fgw."))
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()), validators=[DataRequired()])
    address = StringField(_l("Contact address"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    submit = SubmitField(_l("Save"))
