from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional

from .models import (
    CATEGORIES,
    Adoption,
    ApplicationStatus,
    MeetingType,
    SeatCategory,
    SelectionMethod,
)

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _when(label):
    return DateTimeLocalField(label, format=DATETIME_FORMAT, validators=[DataRequired(
        message=_l("Please enter a date and time."))])


class MeetingForm(FlaskForm):
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])
    meeting_type = SelectField(_l("Meeting type"), choices=MeetingType.choices(),
                               validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    decision_ids = SelectMultipleField(_l("Decision items discussed"), coerce=int,
                                       validators=[Optional()],
                                       description=_l("Only items of the meeting's unit."))
    starts_at = _when(_l("Meeting time"))
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=200)])
    live_url = URLField(_l("Live stream link (optional)"),
                        validators=[Optional(), URL(message=_l("Please enter a full web address.")),
                                    Length(max=500)])
    seats_stakeholder = IntegerField(_l("Seats for stakeholders"), default=0,
                                     validators=[InputRequired(), NumberRange(min=0, max=200)])
    seats_enterprise = IntegerField(_l("Seats for enterprise representatives"), default=0,
                                    validators=[InputRequired(), NumberRange(min=0, max=200)])
    seats_citizen = IntegerField(_l("Seats for citizen representatives"), default=0,
                                 validators=[InputRequired(), NumberRange(min=0, max=200)])
    seats_other = IntegerField(_l("Seats for others"), default=0,
                               validators=[InputRequired(), NumberRange(min=0, max=200)])
    eligibility = TextAreaField(_l("Who may apply"), validators=[DataRequired(), Length(max=4000)])
    signup_opens_at = _when(_l("Sign-up opens"))
    signup_closes_at = _when(_l("Sign-up closes"))
    selection_method = RadioField(_l("Selection method"), choices=SelectionMethod.choices(),
                                  validators=[DataRequired()])
    public_source = StringField(
        _l("Public value the lottery will also use"), validators=[Optional(), Length(max=300)],
        description=_l("For a lottery: a value nobody knows before sign-up closes and nobody can choose, "
                       "named precisely, e.g. \"the winning numbers of the China Welfare Lottery "
                       "Double Colour Ball draw no. 2026035\". Published with the meeting; it cannot "
                       "change later."))
    public_value_due = DateTimeLocalField(
        _l("The public value is known from"), format=DATETIME_FORMAT, validators=[Optional()],
        description=_l("For a lottery: after sign-up closes and before the meeting."))
    withdrawal_cutoff = _when(_l("Selected representatives may withdraw until"))
    submit = SubmitField(_l("Save"))

    def service_data(self) -> dict:
        data = {name: self[name].data for name in (
            "meeting_type", "title", "decision_ids", "starts_at", "place", "live_url", "eligibility",
            "signup_opens_at", "signup_closes_at", "selection_method", "withdrawal_cutoff",
            "public_source", "public_value_due")}
        data["seats"] = {c: self[f"seats_{c}"].data for c in CATEGORIES}
        return data


class ApplicationForm(FlaskForm):
    name = StringField(_l("Real name"), validators=[DataRequired(), Length(max=50)])
    mobile = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=20)],
                         description=_l("11-digit mainland mobile number, for the unit to contact you."))
    id_number = StringField(_l("ID number"), validators=[DataRequired(), Length(max=30)],
                            description=_l("Mainland resident identity card number. Only its last 4 digits "
                                           "and a one-way code are kept, never the full number."))
    category = SelectField(_l("I apply as"), validators=[DataRequired()])
    organisation = StringField(_l("Enterprise or organisation"), validators=[Optional(), Length(max=200)],
                               description=_l("Required for enterprise representatives."))
    relation = TextAreaField(_l("My relation to the topic"), validators=[DataRequired(), Length(max=2000)])
    points = TextAreaField(_l("Points I intend to raise"), validators=[DataRequired(), Length(max=4000)])
    interests = TextAreaField(_l("Declaration of interests"), validators=[DataRequired(), Length(max=2000)],
                              description=_l("Any interest you or your family have in the decision; "
                                             "write \"none\" if there is none."))
    consent = BooleanField(_l("I agree that the unit processes these data to select and contact "
                              "representatives, and that my masked name is published if I am selected."))
    submit = SubmitField(_l("Apply"))

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        offered = meeting.offered_categories if meeting is not None else list(CATEGORIES)
        self.category.choices = [(c, SeatCategory.label_of(c)) for c in offered]


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[
        (ApplicationStatus.selected.value, _l("Select")),
        (ApplicationStatus.alternate.value, _l("Make alternate")),
        (ApplicationStatus.not_selected.value, _l("Decline"))],
        validators=[DataRequired(message=_l("Please choose a decision."))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Save decision"))


class ExcludeForm(FlaskForm):
    reason = TextAreaField(_l("Why this application is not eligible"),
                           validators=[DataRequired(), Length(max=2000)],
                           description=_l("Published on the meeting page with the application number."))
    submit = SubmitField(_l("Exclude from the lottery"))


class ExtendForm(FlaskForm):
    closes_at = _when(_l("Sign-up now closes"))
    reason = TextAreaField(_l("Public reason for the extension"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Extend sign-up"))


class DrawForm(FlaskForm):
    public_value = StringField(_l("The public value, as published"),
                               validators=[DataRequired(), Length(max=200)])
    public_value_origin = StringField(_l("Where it was published"),
                                      validators=[DataRequired(), Length(max=500)],
                                      description=_l("e.g. the web address of the official announcement."))
    submit = SubmitField(_l("Draw the lottery"))


class RepresentativeForm(FlaskForm):
    attended = RadioField(_l("Attendance"), choices=[("yes", _l("Attended")), ("no", _l("Did not attend"))],
                          validators=[DataRequired(message=_l("Please record the attendance."))])
    opinion = TextAreaField(_l("Opinions expressed"), validators=[Optional(), Length(max=8000)])
    response = TextAreaField(_l("The unit's response"), validators=[Optional(), Length(max=8000)])
    adoption = SelectField(_l("Adoption"), choices=[("", "—")] + Adoption.choices(),
                           validators=[Optional()])
    adoption_reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=4000)],
                                    description=_l("Required when not or only partly adopted."))
    submit = SubmitField(_l("Save"))


class OutcomeForm(FlaskForm):
    outcome = TextAreaField(_l("Outcome of the meeting"), validators=[DataRequired(), Length(max=8000)])
    submit = SubmitField(_l("Save"))
