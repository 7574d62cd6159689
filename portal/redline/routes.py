"""Redline pages: the public comparison /decisions/<id>/changes, a commenter's own thread, and the
staff page where the issued text is recorded, matches corrected and changes tied to themes."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.access import get_for_unit, staff_required
from ..catalogue.models import DecisionItem
from ..catalogue.services import is_public
from ..catalogue.uploads import Upload
from ..database import commit
from ..errors import DomainError, apply_to_form, form_status, refuse
from ..extensions import db
from ..security import form_view
from . import bp, render
from . import services as svc
from .forms import ExplanationForm, FinalTextForm, MatchForm, ResetForm, ThemesForm
from .models import ChangeKind, FinalText, TextSource


@bp.app_context_processor
def inject_redline_labels():
    return {"change_kinds": ChangeKind, "text_sources": TextSource}


@bp.app_template_global()
def redline_url(item_id: int) -> str | None:
    """The comparison page of an item, if its issued text is compared (for other features' pages)."""
    return url_for("redline.changes", item_id=item_id) if svc.final_text_of(item_id) is not None else None


@bp.app_template_global()
def redline_open_flags(item_id: int) -> int:
    """How many adopted themes and changes of an item are neither tied nor explained (staff pages)."""
    final = svc.final_text_of(item_id)
    if final is None:
        return 0
    view = svc.redline(final.decision, final, public=False)
    return sum(1 for flag in view.flags if not flag.explained)


def _public_item(item_id: int) -> DecisionItem:
    item = db.session.get(DecisionItem, item_id)
    if item is None or item.status not in svc.ISSUED_STATUSES or not is_public(item):
        abort(404)
    return item


@bp.route("/decisions/<int:item_id>/changes")
def changes(item_id: int):
    item = _public_item(item_id)
    final = svc.final_text_of(item) or abort(404)
    view = svc.redline(item, final, public=True)
    return render_template("redline/changes.html", item=item, view=view,
                           rows_html=render.public_rows(view, view.version_number))


@bp.route("/decisions/<int:item_id>/changes/mine")
@login_required
def mine(item_id: int):
    item = _public_item(item_id)
    final = svc.final_text_of(item)
    return render_template("redline/mine.html", item=item, final=final, entries=svc.thread(current_user, item),
                           report_published=svc.published_version(item) is not None)


# --- staff -----------------------------------------------------------------------------------------

def _staff_url(item: DecisionItem) -> str:
    return url_for("redline.staff", item_id=item.id)


def _match_form(final: FinalText | None, form: MatchForm | None = None) -> MatchForm:
    form = form or MatchForm(formdata=None)
    if final is not None:
        form.article_id.choices = [(a.id, a.label) for a in final.articles if a.kind != "chapter"]
        form.section_ids.choices = [(s.id, s.label) for s in final.consultation.sections if s.kind != "chapter"]
    else:
        form.article_id.choices, form.section_ids.choices = [], []
    return form


def _render_staff(item: DecisionItem, text_form: FinalTextForm | None = None, match_form: MatchForm | None = None,
                  themes_form: ThemesForm | None = None, explanation_form: ExplanationForm | None = None):
    final = svc.final_text_of(item)
    consultation = final.consultation if final is not None else svc.consulted_draft(item)
    if text_form is None:
        text_form = FinalTextForm(formdata=None)
        text_form.text.data = final.text if final is not None else (item.decision_text or "")
    view = svc.redline(item, final, public=False) if final is not None else None
    theme_choices = svc.adopting_choices(final) if final is not None else []
    return render_template("redline/staff.html", item=item, final=final, consultation=consultation, view=view,
                           text_form=text_form, match_form=_match_form(final, match_form),
                           themes_form=themes_form, explanation_form=explanation_form,
                           theme_choices=theme_choices, reset_form=ResetForm(formdata=None)), form_status()


@bp.route("/staff/redline/decisions/<int:item_id>", methods=["GET", "POST"])
@staff_required
@form_view
def staff(item_id: int):
    item = get_for_unit(DecisionItem, item_id)
    form = FinalTextForm()
    if form.is_submitted():
        if form.validate():
            storage = form.file.data
            try:
                if storage is not None and getattr(storage, "filename", ""):
                    svc.save_final_upload(current_user, item, Upload(storage.filename, storage.stream))
                else:
                    svc.save_final_text(current_user, item, form.text.data or "")
            except DomainError as error:
                apply_to_form(form, error)
            else:
                commit()
                flash(_("The issued text is compared with the consulted draft."), "success")
                return redirect(_staff_url(item))
        return _render_staff(item, text_form=form)
    return _render_staff(item)


def _final_or_404(item: DecisionItem) -> FinalText:
    return svc.final_text_of(item) or abort(404)


@bp.route("/staff/redline/decisions/<int:item_id>/match", methods=["POST"])
@staff_required
@form_view
def staff_match(item_id: int):
    item = get_for_unit(DecisionItem, item_id)
    final = _final_or_404(item)
    form = _match_form(final, MatchForm())
    if form.validate_on_submit():
        try:
            svc.set_match(current_user, final, form.article_id.data, form.section_ids.data or [])
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("The match is corrected."), "success")
            return redirect(_staff_url(item) + "#matches")
    return _render_staff(item, match_form=form)


@bp.route("/staff/redline/decisions/<int:item_id>/reset", methods=["POST"])
@staff_required
def staff_reset(item_id: int):
    item = get_for_unit(DecisionItem, item_id)
    final = _final_or_404(item)
    form = ResetForm()
    if not form.validate_on_submit():
        abort(400)
    svc.reset_matches(current_user, final)
    commit()
    flash(_("Every article is matched automatically again."), "success")
    return redirect(_staff_url(item) + "#matches")


@bp.route("/staff/redline/decisions/<int:item_id>/themes", methods=["POST"])
@staff_required
@form_view
def staff_themes(item_id: int):
    item = get_for_unit(DecisionItem, item_id)
    final = _final_or_404(item)
    form = ThemesForm()
    if form.validate_on_submit():
        try:
            svc.link_themes(current_user, final, form.key.data, form.theme_ids.data or [])
        except DomainError as error:
            return refuse(error, _staff_url(item) + "#changes")
        commit()
        flash(_("Themes saved."), "success")
        return redirect(_staff_url(item) + f"#row-{form.key.data}")
    return _render_staff(item, themes_form=form)


@bp.route("/staff/redline/decisions/<int:item_id>/explain", methods=["POST"])
@staff_required
@form_view
def staff_explain(item_id: int):
    item = get_for_unit(DecisionItem, item_id)
    final = _final_or_404(item)
    form = ExplanationForm()
    if form.validate_on_submit():
        try:
            svc.explain(current_user, final, form.key.data, form.explanation.data or "")
        except DomainError as error:
            return refuse(error, _staff_url(item) + "#flags")
        commit()
        flash(_("Explanation saved."), "success")
        return redirect(_staff_url(item) + "#flags")
    return _render_staff(item, explanation_form=form)
