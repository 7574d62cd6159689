from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..textutil import MOBILE_MESSAGE, normalize_mobile
from .models import ActivityKind

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def mainland_mobile(form, field) -> None:
    """The one mainland-mobile check (``textutil.normalize_mobile``), its one message."""
    if field.data and normalize_mobile(field.data) is None:
        raise ValidationError(str(MOBILE_MESSAGE))


class ActivityForm(FlaskForm):
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    theme = StringField(_l("Theme"), validators=[Optional(), Length(max=100)],
                        description=_l("e.g. 营商环境, 民生保障, 一网通办"))
    kind = SelectField(_l("Type"), choices=ActivityKind.choices(), validators=[DataRequired()])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)],
                                description=_l("What visitors will see and do: Q&A, symposium, "
                                               "experience, questionnaire."))
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)],
                        description=_l("Not needed for an online activity: its online address is its place."))
    online_url = StringField(_l("Online address"), validators=[Optional(), Length(max=500)],
                             render_kw={"inputmode": "url", "autocomplete": "url", "placeholder": "https://"},
                             description=_l("For an online activity only: the https:// address of the live "
                                            "stream or online meeting."))
    accessibility = TextAreaField(_l("Accessibility information"), validators=[Optional(), Length(max=2000)],
                                  description=_l("Step-free access, lifts, accessible toilets, help on site."))
    registration_opens_at = DateTimeLocalField(_l("Registration opens"), format=DATETIME_FORMAT,
                                               validators=[InputRequired()])
    registration_closes_at = DateTimeLocalField(_l("Registration closes"), format=DATETIME_FORMAT,
                                                validators=[InputRequired()])
    cancel_cutoff_hours = IntegerField(_l("Cancellation cut-off (hours before the slot starts)"),
                                       default=24, validators=[InputRequired(), NumberRange(min=0, max=720)],
                                       description=_l("Later cancellations are still accepted but "
                                                      "recorded as late."))
    id_check_required = BooleanField(_l("ID is checked at the door"),
                                     description=_l("Not for an online activity: it has no door."))
    submit = SubmitField(_l("Save"))


class SlotForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Starts"), format=DATETIME_FORMAT, validators=[InputRequired()])
    ends_at = DateTimeLocalField(_l("Ends"), format=DATETIME_FORMAT, validators=[InputRequired()])
    capacity = IntegerField(_l("Seats"), validators=[InputRequired(), NumberRange(min=1, max=100000)])
    submit = SubmitField(_l("Add time slot"))


class RegistrationForm(FlaskForm):
    slot_id = RadioField(_l("Time slot"), coerce=int, validators=[InputRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=50)])
    mobile = StringField(_l("Mobile number"),
                         validators=[DataRequired(), mainland_mobile],
                         render_kw={"inputmode": "numeric", "autocomplete": "tel"})
    id_last4 = StringField(_l("Last 4 characters of your ID number"),
                           validators=[DataRequired(), Regexp(r"^[0-9]{3}[0-9Xx]$", message=_l(
                               "Please enter the last 4 characters of your ID number "
                               "(3 digits, then a digit or X)."))],
                           description=_l("Your ID card is checked at the door."))
    needs = TextAreaField(_l("Accessibility needs"), validators=[Optional(), Length(max=500)],
                          description=_l("e.g. wheelchair access, a companion, hearing support."))
    consent = BooleanField(_l("I agree that my name, mobile number and the data above are used to organise "
                              "this visit and deleted after it."), validators=[DataRequired()])
    submit = SubmitField(_l("Submit registration"))

    def __init__(self, *args, activity=None, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.slot_id.choices = [(s.id, s.label) for s in slots]
        if activity is not None and not activity.id_check_required:
            del self.id_last4


class CheckInForm(FlaskForm):
    code = StringField(_l("Check-in code"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "off", "autofocus": True, "autocapitalize": "characters"},
                       description=_l("Type the code or scan the QR image with a scanner."))
    submit = SubmitField(_l("Check in"))


class QuestionnaireForm(FlaskForm):
    rating = RadioField(_l("How would you rate the activity?"), coerce=int,
                        choices=[(5, _l("5 – very good")), (4, _l("4 – good")), (3, _l("3 – fair")),
                                 (2, _l("2 – poor")), (1, _l("1 – very poor"))],
                        validators=[InputRequired()])
    suggestions = TextAreaField(_l("Questions and suggestions"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Send"))


class SummaryItemForm(FlaskForm):
    question = TextAreaField(_l("Question or suggestion collected"), validators=[DataRequired(),
                                                                                 Length(max=2000)])
    response = TextAreaField(_l("The unit's response"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Add to the summary"))


class SummaryForm(FlaskForm):
    summary_text = TextAreaField(_l("Summary of the activity"), validators=[DataRequired(), Length(max=10000)],
                                 render_kw={"rows": 8})
    submit = SubmitField(_l("Publish the summary"))
