from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    HiddenField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from .services import EXPLANATION_MAX, TEXT_MAX


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class FinalTextForm(FlaskForm):
    text = TextAreaField(_l("Issued text"), validators=[Optional(), Length(max=TEXT_MAX)],
                         description=_l("Each chapter (第X章) and article (第X条) starts on its own line, as in the draft."))
    file = FileField(_l("Or the Word file of the issued text (.docx)"))
    submit = SubmitField(_l("Compare with the consulted draft"))


class MatchForm(FlaskForm):
    article_id = SelectField(_l("Article of the issued text"), coerce=int, validators=[DataRequired()])
    section_ids = SelectMultipleField(_l("Comes from these articles of the draft"), coerce=int,
                                      validate_choice=False,
                                      description=_l("Choose none for a new article; several for a merge. "
                                                     "Choosing the same draft article for two issued articles "
                                                     "records a split."))
    submit = SubmitField(_l("Correct the match"))


class ThemesForm(FlaskForm):
    key = HiddenField(validators=[DataRequired()])
    theme_ids = MultiCheckboxField(_l("Themes this change answers"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Save themes"))


class ExplanationForm(FlaskForm):
    key = HiddenField(validators=[DataRequired()])
    explanation = TextAreaField(_l("Explanation (published)"), validators=[Length(max=EXPLANATION_MAX)],
                                description=_l("e.g. 在实施细则中采纳"))
    submit = SubmitField(_l("Save explanation"))


class ResetForm(FlaskForm):
    submit = SubmitField(_l("Match every article automatically again"))
