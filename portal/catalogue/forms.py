from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from .models import DecisionKind, DocumentKind


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


QUARTERS = [("", _l("Not set")), ("1", _l("First quarter")), ("2", _l("Second quarter")),
            ("3", _l("Third quarter")), ("4", _l("Fourth quarter"))]


class ItemForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=30)],
                       description=_l("Unique within the unit and year, e.g. 2026-03."))
    kind = SelectField(_l("Kind"), choices=DecisionKind.choices(), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    topic_ids = MultiCheckboxField(_l("Topics"), coerce=int, validate_choice=False)
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=5000)])
    legal_basis = TextAreaField(_l("Legal basis"), validators=[Optional(), Length(max=5000)])
    background = TextAreaField(_l("Background"), validators=[Optional(), Length(max=20000)])
    planned_quarter = SelectField(_l("Planned completion"), choices=QUARTERS, validators=[Optional()])
    hearing_planned = BooleanField(_l("A hearing is planned"))
    risk_assessment = BooleanField(_l("Social stability risk assessment"))
    expert_review = BooleanField(_l("Expert review"))
    legality_review = BooleanField(_l("Legality review"))
    change_reason = TextAreaField(
        _l("Reason for adding it to the published catalogue"), validators=[Optional(), Length(max=2000)],
        description=_l("Needed only when the unit's catalogue of this year is already published: "
                       "shown publicly in the catalogue's history."))
    submit = SubmitField(_l("Save"))


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), validators=[DataRequired()])
    reason = TextAreaField(_l("Public reason"), validators=[Optional(), Length(max=2000)],
                           description=_l("Required to withdraw or postpone the item; shown publicly."))
    submit = SubmitField(_l("Change status"))


class DocumentForm(FlaskForm):
    kind = SelectField(_l("Kind of document"), choices=DocumentKind.choices(),
                       validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)],
                        description=_l("Leave empty to use the kind of document as title."))
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=200000)])
    file = FileField(_l("Or a file"), description=_l("PDF, DOC, DOCX, XLS, XLSX, PNG or JPEG."))
    submit = SubmitField(_l("Add document"))


class DecisionForm(FlaskForm):
    decision_title = StringField(_l("Title of the decision document"),
                                 validators=[DataRequired(), Length(max=200)])
    decision_number = StringField(_l("Document number"), validators=[DataRequired(), Length(max=60)],
                                  description=_l("e.g. 青府发〔2026〕5号"))
    issue_date = DateField(_l("Issue date"), validators=[DataRequired()])
    decision_text = TextAreaField(_l("Text of the decision"), validators=[Optional(), Length(max=200000)],
                                  description=_l("With its 第X章 / 第X条 headings (or as a .docx file), the issued "
                                                 "text is compared article by article with the consulted draft."))
    file = FileField(_l("Or the file of the decision"), description=_l("PDF, DOC, DOCX, XLS, XLSX, PNG or JPEG."))
    no_consultation_reason = TextAreaField(
        _l("Reason for not consulting the public"), validators=[Optional(), Length(max=2000)],
        description=_l("Required when no public consultation on this item has closed; published on the item's page."))
    submit = SubmitField(_l("Record the decision"))


class ReviewForm(FlaskForm):
    """The district office's review of a submitted catalogue (approve, or return with comments)."""
    comment = TextAreaField(_l("Comments of the district office"), validators=[Optional(), Length(max=2000)],
                            description=_l("Required to return the catalogue; the unit sees them."))
    approve = SubmitField(_l("Approve"))
    send_back = SubmitField(_l("Return for revision"))


class TopicForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=30)])
    slug = StringField(_l("Address name (slug)"),
                       validators=[DataRequired(), Length(max=40),
                                   Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                          message=_l("Use lower-case letters, digits and hyphens only."))])
    position = IntegerField(_l("Position in the list"), default=0,
                            validators=[Optional(), NumberRange(min=0, max=9999)])
    submit = SubmitField(_l("Save"))


class NewCatalogueYearForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    submit = SubmitField(_l("Open"))
