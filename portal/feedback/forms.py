from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .models import REASON_REQUIRED, Disposition
from .themes import TEXT_MAX, TITLE_MAX


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ThemeForm(FlaskForm):
    title = StringField(_l("Theme"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=TEXT_MAX)])
    marked_concentrated = BooleanField(
        _l("Concentrated opinion (较为集中意见)"),
        description=_l("A theme is also concentrated when it holds enough comments and opinions."))
    submit = SubmitField(_l("Save theme"))


class DispositionForm(FlaskForm):
    disposition = SelectField(_l("Disposition"), choices=[("", _l("Not decided yet")), *Disposition.choices()],
                              validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=TEXT_MAX)],
                           description=_l("Required when the theme is partly adopted or not adopted; published."))
    section_ids = MultiCheckboxField(_l("Sections changed"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Save disposition"))

    def validate_reason(self, field):
        if self.disposition.data in REASON_REQUIRED and not (field.data or "").strip():
            raise ValidationError(_l("A reason is required when a theme is partly adopted or not adopted."))


class AssignForm(FlaskForm):
    theme_id = SelectField(_l("Assign the selected items to the theme"), coerce=int, validators=[DataRequired()])
    comment_ids = SelectMultipleField(coerce=int, validate_choice=False)
    offline_item_ids = SelectMultipleField(coerce=int, validate_choice=False)
    submit = SubmitField(_l("Assign to theme"))


class CampaignAssignForm(FlaskForm):
    campaign_id = SelectField(_l("Campaign"), coerce=int, validators=[DataRequired()])
    theme_id = SelectField(_l("Theme"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Assign the whole campaign"))


class UnassignForm(FlaskForm):
    comment_ids = SelectMultipleField(coerce=int, validate_choice=False)
    offline_item_ids = SelectMultipleField(coerce=int, validate_choice=False)
    submit = SubmitField(_l("Remove the selected items from the theme"))


class ReportForm(FlaskForm):
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=20000)],
                            description=_l("Published at the top of the report."))
    show_comments = BooleanField(_l("List the individual comments with their disposition in the report"))
    submit = SubmitField(_l("Save report"))


class PublishForm(FlaskForm):
    correction_reason = TextAreaField(_l("Reason for the correction"), validators=[Optional(), Length(max=TEXT_MAX)],
                                      description=_l("Required to publish a correction; shown publicly."))
    submit = SubmitField(_l("Publish"))
