from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class YearTextForm(FlaskForm):
    text = TextAreaField(
        _l("Holidays and make-up working days"),
        validators=[Optional(), Length(max=20000)],
        description=_l("One date a line: YYYY-MM-DD, then holiday (休) or workday (班), then an optional "
                       "name. Weekends need no line; list only holidays and worked weekend days."),
        render_kw={"rows": 20, "class": "font-monospace"},
    )
    submit = SubmitField(_l("Load this year"))


class NewYearForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    submit = SubmitField(_l("Open"))

