from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from .models import OfflineChannel, RejectionReason, RespondentType, SectionKind

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class ConsultationForm(FlaskForm):
    # Not limited to the listed choices: another unit's item is answered 403 by the access check.
    decision_id = SelectField(_l("Decision item"), coerce=int, validators=[DataRequired()], validate_choice=False)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    draft = TextAreaField(_l("Text of the draft"), validators=[Optional()], render_kw={"rows": 14},
                          description=_l("Paste the whole draft: it is split into sections on its 第X章 and "
                                         "第X条 headings, which you can then correct one by one."))
    explanation = TextAreaField(_l("Explanation of the draft (起草说明)"), validators=[Optional()],
                                render_kw={"rows": 6})
    interpretation = TextAreaField(_l("Interpretation (草案解读), optional"), validators=[Optional()],
                                   render_kw={"rows": 4})
    opens_at = DateTimeLocalField(_l("Opens at"), format=DATETIME_FORMATS, validators=[DataRequired()])
    closes_at = DateTimeLocalField(_l("Closes at"), format=DATETIME_FORMATS, validators=[DataRequired()])
    short_period_reason = TextAreaField(_l("Reason for a period shorter than the minimum"),
                                        validators=[Optional()], render_kw={"rows": 2},
                                        description=_l("Required, and published, when the period is shorter "
                                                       "than the legal minimum."))
    contact_address = StringField(_l("Postal address for letters"), validators=[Optional(), Length(max=200)])
    contact_email = StringField(_l("Email for comments"), validators=[Optional(), Email(), Length(max=254)])
    contact_phone = StringField(_l("Phone for comments"), validators=[Optional(), Length(max=40)])
    submit = SubmitField(_l("Save"))


class ConsultationEditForm(ConsultationForm):
    decision_id = None
    draft = None


class SectionForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=SectionKind.choices(), validators=[DataRequired()])
    number = StringField(_l("Number (e.g. 第五条)"), validators=[Optional(), Length(max=30)])
    heading = StringField(_l("Heading"), validators=[Optional(), Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[Optional()], render_kw={"rows": 8})
    submit = SubmitField(_l("Save"))


class ImportDraftForm(FlaskForm):
    draft = TextAreaField(_l("Text of the draft"), validators=[DataRequired()], render_kw={"rows": 16},
                          description=_l("Replaces every section with those split from this text."))
    submit = SubmitField(_l("Split into sections"))


class ExtendForm(FlaskForm):
    closes_at = DateTimeLocalField(_l("New closing time"), format=DATETIME_FORMATS, validators=[DataRequired()])
    reason = TextAreaField(_l("Public reason for the extension"), validators=[DataRequired()],
                           render_kw={"rows": 3})
    submit = SubmitField(_l("Extend the period"))


class CommentForm(FlaskForm):
    section_id = SelectField(_l("Comment on"), coerce=int, validators=[Optional()])
    text = TextAreaField(_l("Your comment"), validators=[DataRequired(message=_l("Enter your comment."))],
                         render_kw={"rows": 8},
                         description=_l("Plain text, line breaks are kept. Comments are reviewed before "
                                        "they are published."))
    respondent_type = SelectField(_l("You are commenting as"), choices=RespondentType.choices(),
                                  default="citizen")
    show_as = RadioField(_l("Publish my comment under"),
                         choices=[("masked", _l("My masked name (e.g. 张**)")), ("anonymous", _l("Anonymous (匿名)"))],
                         default="masked")
    consent = BooleanField(_l("I agree that my comment is published on this portal under the name chosen "
                              "above, and processed to prepare the decision (PIPL art. 25)."))
    submit = SubmitField(_l("Submit comment"))

    def __init__(self, *args, consultation=None, max_length=2000, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(0, _l("The whole draft"))]
        if consultation is not None:
            choices += [(s.id, s.label) for s in consultation.sections]
        self.section_id.choices = choices
        self.text.render_kw = {**self.text.render_kw, "maxlength": max_length,
                               "data-maxlength-counter": "comment-counter"}


class ModerationForm(FlaskForm):
    comment_ids = SelectMultipleField(_l("Comments"), coerce=int, validate_choice=False)
    action = SelectField(_l("Action"), choices=[("publish", _l("Publish")), ("reject", _l("Reject"))])
    reason = SelectField(_l("Reason for rejecting"), choices=[("", "—"), *RejectionReason.choices()],
                         validators=[Optional()])
    note = StringField(_l("Note to the author"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Apply to selected comments"))


class RedactForm(FlaskForm):
    """Hide a part of one comment's text in what is published (the original stays)."""
    hide = StringField(_l("Text to hide"), validators=[DataRequired(), Length(max=500)],
                       description=_l("Type the text, or select it in the comment: every occurrence is "
                                      "replaced by [已隐去] in the published text."))
    submit = SubmitField(_l("Hide in the published text"))


class OfflineOpinionForm(FlaskForm):
    channel = SelectField(_l("Channel"), choices=OfflineChannel.choices(), validators=[DataRequired()])
    held_on = DateField(_l("Date"), validators=[InputRequired()])
    participants = IntegerField(_l("Number of participants"),
                                validators=[InputRequired(), NumberRange(min=0, max=1_000_000)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired()], render_kw={"rows": 5})
    items = TextAreaField(_l("Individual opinions, optional"), validators=[Optional()], render_kw={"rows": 6},
                          description=_l("One opinion per line; start a line with a section number and a "
                                         "colon (第五条：...) to assign it to that section."))
    submit = SubmitField(_l("Record"))
