from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from .models import MessageKind, Rating


class AskForm(FlaskForm):
    decision_id = HiddenField()
    unit_id = SelectField(_l("To the unit"), coerce=int, validate_choice=False, validators=[Optional()],
                          description=_l("The unit responsible for the matter."))
    topic_id = SelectField(_l("Topic, optional"), coerce=int, validate_choice=False, validators=[Optional()])
    kind = RadioField(_l("Type of message"), choices=MessageKind.choices(), default=MessageKind.question.value)
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Enter a title.")), Length(max=100)])
    text = TextAreaField(_l("Your message"), validators=[DataRequired(message=_l("Enter your message."))],
                         render_kw={"rows": 8},
                         description=_l("Plain text. Do not write your ID number, phone number or address: "
                                        "they are hidden if your message is published."))
    attachment = FileField(_l("Attachment, optional"), description=_l("An image (PNG, JPEG) or a PDF file."))
    may_publish = BooleanField(_l("The message and its reply may be published on the board (without my "
                                  "name or personal data)."), default=True)
    consent = BooleanField(_l("I agree that my message is passed to the responsible unit and processed to "
                              "answer it (PIPL art. 13)."))
    submit = SubmitField(_l("Send message"))

    def __init__(self, *args, max_length=2000, **kwargs):
        super().__init__(*args, **kwargs)
        self.text.render_kw = {**self.text.render_kw, "maxlength": max_length,
                               "data-maxlength-counter": "message-counter"}


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("Reply"), validators=[DataRequired(message=_l("Enter the reply."))],
                         render_kw={"rows": 8},
                         description=_l("Sent to the resident once another member of staff (or the unit's "
                                        "approver) has signed it off."))
    submit = SubmitField(_l("Submit for sign-off"))


class ReturnForm(FlaskForm):
    note = TextAreaField(_l("What should change"), validators=[DataRequired(message=_l("Say what should change in the reply."))],
                         render_kw={"rows": 3})
    submit = SubmitField(_l("Return to the drafter"))


class TransferForm(FlaskForm):
    unit_id = SelectField(_l("Transfer to"), coerce=int, validate_choice=False, validators=[DataRequired()])
    reason = TextAreaField(_l("Reason for the transfer"),
                           validators=[DataRequired(message=_l("Give the reason for the transfer."))],
                           render_kw={"rows": 3})
    submit = SubmitField(_l("Transfer"))


class RateForm(FlaskForm):
    rating = RadioField(_l("How satisfied are you with the reply?"), choices=Rating.choices(),
                        validators=[DataRequired(message=_l("Choose how satisfied you are with the reply."))])
    reason = TextAreaField(_l("Reason, optional"), validators=[Optional(), Length(max=500)], render_kw={"rows": 3})
    submit = SubmitField(_l("Rate the reply"))


class FollowUpForm(FlaskForm):
    text = TextAreaField(_l("Your follow-up question"),
                         validators=[DataRequired(message=_l("Enter your follow-up question."))],
                         render_kw={"rows": 5})
    submit = SubmitField(_l("Ask a follow-up question"))


class RedactForm(FlaskForm):
    hide = StringField(_l("Text to hide"), validators=[DataRequired(), Length(max=500)],
                       description=_l("Every occurrence is replaced by [已隐去] in the published message."))
    submit = SubmitField(_l("Hide in the published text"))


class EvaluationForm(FlaskForm):
    score = RadioField(_l("Your rating of this policy"), choices=[(str(n), str(n)) for n in range(5, 0, -1)],
                       validators=[DataRequired(message=_l("Choose a rating from 1 to 5."))],
                       description=_l("5: very good, 1: very poor."))
    suggestion = TextAreaField(_l("Suggestion, optional"), validators=[Optional(), Length(max=1000)],
                               render_kw={"rows": 4}, description=_l("Read by the unit that drafted the policy."))
    submit = SubmitField(_l("Send my evaluation"))


class ApproverForm(FlaskForm):
    account_id = SelectField(_l("Approver"), coerce=int, validate_choice=False, validators=[Optional()])
    submit = SubmitField(_l("Save"))
