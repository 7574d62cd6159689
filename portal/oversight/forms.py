from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length, Optional


class PublishAssessmentForm(FlaskForm):
    note = TextAreaField(_l("Note published with the results"), validators=[Optional(), Length(max=2000)],
                         description=_l("For a re-publication, say what was corrected."),
                         render_kw={"rows": 3})
    submit = SubmitField(_l("Publish the results"))
