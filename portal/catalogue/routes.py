from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from .. import clock
from ..auth.access import (
    admin_required,
    can_manage_unit,
    ensure_unit_access,
    get_for_unit,
    managed_unit_id,
    staff_required,
)
from ..database import commit
from ..errors import DomainError, apply_to_form, form_status, refuse
from ..extensions import db
from ..feeds import FeedEntry, atom_response
from ..requestargs import int_arg
from ..sections import section, sections_for
from ..security import form_view
from ..units.models import Unit, units_in_order
from . import bp, governance, review, services, uploads
from .forms import (
    QUARTERS,
    DecisionForm,
    DocumentForm,
    ItemForm,
    NewCatalogueYearForm,
    ReviewForm,
    StatusForm,
    TopicForm,
)
from .lifecycle import status_label
from .models import (
    CatalogueChange,
    CatalogueStage,
    ChangeKind,
    DecisionDocument,
    DecisionEvent,
    DecisionItem,
    DecisionKind,
    DecisionStatus,
    DocumentKind,
    ReviewStatus,
    Topic,
    YearlyCatalogue,
    catalogue_deadline,
    public_decisions,
)

PER_PAGE = 20


@bp.app_context_processor
def inject_catalogue_labels():
    return {"decision_status_labels": dict(DecisionStatus.choices()),
            "catalogue_stage_labels": dict(CatalogueStage.choices()),
            "decision_kind_labels": dict(DecisionKind.choices()),
            "document_kind_labels": dict(DocumentKind.choices()), "decision_flag_labels": services.FLAG_LABELS,
            "catalogue_change_labels": dict(ChangeKind.choices()),
            "quarter_labels": {int(value): label for value, label in QUARTERS if value}}


@bp.app_template_global("governance_dashboard")
def governance_dashboard(year: int) -> governance.Dashboard:
    """The catalogue review and the decisions issued without consultation, for /admin/compliance."""
    return governance.dashboard(year)


def _upload(storage) -> uploads.Upload | None:
    if isinstance(storage, FileStorage) and storage.filename:
        return uploads.Upload(storage.filename, storage.stream)
    return None


def _year_or_404(year: int) -> int:
    if not 2000 <= year <= 2100:
        abort(404)
    return year


# -- public pages ------------------------------------------------------------------------------

def _filters_from_args() -> services.Filters:
    args = request.args
    filters = services.Filters(q=(args.get("q") or "").strip()[:100])
    if args.get("unit"):
        filters.unit = db.session.scalar(select(Unit).where(Unit.slug == args["unit"]))
    if args.get("topic"):
        filters.topic = db.session.scalar(select(Topic).where(Topic.slug == args["topic"]))
    filters.year = args.get("year", type=int)
    if filters.year is not None and not 0 <= filters.year <= 9999:
        filters.year = -1  # no such year: an empty list, not an integer overflow in the query
    if args.get("status") in DecisionStatus.values():
        filters.status = args["status"]
    if args.get("kind") in DecisionKind.values():
        filters.kind = args["kind"]
    return filters


@bp.route("/catalogue")
def index():
    filters = _filters_from_args()
    unknown = (request.args.get("unit") and filters.unit is None) or \
        (request.args.get("topic") and filters.topic is None)
    query = services.public_items(filters)
    if unknown:
        query = query.where(False)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    return render_template("catalogue/index.html", page=page, filters=filters,
                           units=db.session.scalars(units_in_order()).all(),
                           topics=services.all_topics(), years=services.years_with_items())


@bp.route("/catalogue/<int:year>/<unit_slug>")
def catalogue(year: int, unit_slug: str):
    unit = db.session.scalar(select(Unit).where(Unit.slug == unit_slug)) or abort(404)
    catalogue = services.catalogue_of(unit.id, year)
    preview = catalogue is not None and not catalogue.is_published
    if preview and not can_manage_unit(current_user, unit.id):
        abort(404)
    items = db.session.scalars(
        select(DecisionItem).where(DecisionItem.unit_id == unit.id, DecisionItem.year == year,
                                   DecisionItem.kind == DecisionKind.major)
        .order_by(DecisionItem.code, DecisionItem.id)).all()
    if catalogue is None and not items:
        abort(404)
    return render_template("catalogue/catalogue.html", unit=unit, year=year, catalogue=catalogue,
                           items=items, preview=preview)


def _public_item(item_id: int) -> tuple[DecisionItem, bool]:
    """The item if the visitor may see it, and whether this is a staff preview (not yet public)."""
    item = db.session.get(DecisionItem, item_id) or abort(404)
    if services.is_public(item):
        return item, False
    if can_manage_unit(current_user, item.unit_id):
        return item, True
    abort(404)


@bp.route("/decisions/<int:item_id>")
def hub(item_id: int):
    item, preview = _public_item(item_id)
    catalogue = services.catalogue_of(item.unit_id, item.year) if item.is_major else None
    changes = db.session.scalars(select(CatalogueChange).where(CatalogueChange.decision_id == item.id)
                                 .order_by(CatalogueChange.id)).all()
    return render_template("catalogue/hub.html", item=item, preview=preview, catalogue=catalogue,
                           changes=changes, sections=sections_for("hub", item),
                           public_record=governance.public_record(item),
                           can_manage=can_manage_unit(current_user, item.unit_id))


def _document(item_id: int, document_id: int) -> DecisionDocument:
    item, _preview = _public_item(item_id)
    document = db.session.get(DecisionDocument, document_id)
    if document is None or document.decision_id != item.id:
        abort(404)
    return document


@bp.route("/decisions/<int:item_id>/documents/<int:document_id>")
def document(item_id: int, document_id: int):
    document = _document(item_id, document_id)
    if document.is_file:
        return redirect(url_for("catalogue.document_file", item_id=item_id, document_id=document_id))
    return render_template("catalogue/document.html", item=document.decision, document=document)


@bp.route("/decisions/<int:item_id>/documents/<int:document_id>/file")
def document_file(item_id: int, document_id: int):
    document = _document(item_id, document_id)
    if not document.is_file:
        abort(404)
    try:
        response = send_file(uploads.path_of(document.stored_name), mimetype=document.content_type,
                             as_attachment=True, download_name=document.original_name or document.stored_name,
                             max_age=0)
    except FileNotFoundError:
        abort(404)
    # Never let a browser guess another type (an HTML page renamed .pdf, say).
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/catalogue/feed.atom")
def feed():
    """Catalogues published, items added or withdrawn after publication, and status changes."""
    entries: list[FeedEntry] = []
    published = db.session.scalars(select(YearlyCatalogue).where(YearlyCatalogue.published_at.is_not(None))
                                    .order_by(YearlyCatalogue.published_at.desc()).limit(50)).all()
    for cat in published:
        entries.append(FeedEntry(
            id=f"tag:portal,{cat.year}:catalogue-{cat.id}",
            title=_("%(unit)s published its %(year)s catalogue of major decisions", unit=cat.unit.name, year=cat.year),
            link=url_for("catalogue.catalogue", year=cat.year, unit_slug=cat.unit.slug),
            updated=cat.published_at, author=cat.unit.name))
    changes = db.session.scalars(select(CatalogueChange).order_by(CatalogueChange.at.desc()).limit(50)).all()
    for change in changes:
        item = change.decision
        entries.append(FeedEntry(
            id=f"tag:portal,{item.year}:catalogue-change-{change.id}",
            title=f"{ChangeKind.label_of(change.kind)}: {item.title}",
            link=url_for("catalogue.hub", item_id=item.id), updated=change.at,
            summary=change.reason, author=item.unit.name))
    events = db.session.execute(
        select(DecisionEvent, DecisionItem).join(DecisionItem, DecisionEvent.decision_id == DecisionItem.id)
        .where(DecisionEvent.from_status.is_not(None), public_decisions())
        .order_by(DecisionEvent.at.desc(), DecisionEvent.id.desc()).limit(50)).all()
    for event, item in events:
        entries.append(FeedEntry(
            id=f"tag:portal,{item.year}:decision-{item.id}-event-{event.id}",
            title=f"{item.title}: {status_label(event.to_status)}",
            link=url_for("catalogue.hub", item_id=item.id), updated=event.at,
            summary=event.reason, author=item.unit.name))
    entries.sort(key=lambda e: e.updated, reverse=True)
    return atom_response(_("Decision catalogue: changes"), entries[:50], feed_id="tag:portal,2025:catalogue")


@section("home", "catalogue/_home_section.html", order=10)
def home_section(_obj):
    items = db.session.scalars(select(DecisionItem).where(public_decisions())
                               .order_by(DecisionItem.updated_at.desc(), DecisionItem.id.desc()).limit(6)).all()
    return {"recent_items": items} if items else None


@section("staff", "catalogue/_staff_section.html", order=10)
def staff_section(account):
    year = clock.today().year
    unit_id = managed_unit_id(account)
    if unit_id is None:  # the district office: every unit's catalogue
        return {"catalogue_unit": None, "catalogue_year": year, "catalogue_count": None}
    count = db.session.scalar(select(func.count(DecisionItem.id)).where(
        DecisionItem.unit_id == unit_id, DecisionItem.year == year))
    return {"catalogue_unit": account.unit, "catalogue_year": year, "catalogue_count": count,
            "catalogue": services.catalogue_of(unit_id, year)}


@section("admin", "catalogue/_admin_section.html", order=10)
def admin_section(_account):
    awaiting = db.session.scalars(select(YearlyCatalogue).where(
        YearlyCatalogue.review_status == ReviewStatus.submitted.value, YearlyCatalogue.published_at.is_(None))
        .order_by(YearlyCatalogue.submitted_at)).all()
    return {"topic_count": len(services.all_topics()), "awaiting_review": awaiting}


# -- staff pages -------------------------------------------------------------------------------

@bp.route("/staff/catalogue")
@staff_required
def staff_index():
    own_unit_id = managed_unit_id()
    unit = db.session.get(Unit, own_unit_id or int_arg("unit", minimum=1) or 0)
    if unit is None:  # the district office picks a unit
        return render_template("catalogue/staff_units.html", units=db.session.scalars(units_in_order()).all())
    ensure_unit_access(unit)
    form = NewCatalogueYearForm(request.args, meta={"csrf": False})
    if request.args.get("year") and form.validate():
        return redirect(url_for("catalogue.staff_catalogue", unit_id=unit.id, year=form.year.data))
    if not request.args.get("year"):
        form.year.data = clock.today().year
    catalogues = db.session.scalars(select(YearlyCatalogue).where(YearlyCatalogue.unit_id == unit.id)
                                    .order_by(YearlyCatalogue.year.desc())).all()
    return render_template("catalogue/staff_index.html", unit=unit, catalogues=catalogues, form=form)


@bp.route("/staff/catalogue/<int:unit_id>/<int:year>")
@staff_required
def staff_catalogue(unit_id: int, year: int):
    return _render_staff_catalogue(unit_id, year, ReviewForm())


def _render_staff_catalogue(unit_id: int, year: int, review_form: ReviewForm):
    ensure_unit_access(unit_id)
    unit = db.session.get(Unit, unit_id) or abort(404)
    _year_or_404(year)
    items = db.session.scalars(select(DecisionItem).where(DecisionItem.unit_id == unit.id, DecisionItem.year == year)
                               .order_by(DecisionItem.kind, DecisionItem.code)).all()
    return render_template("catalogue/staff_catalogue.html", unit=unit, year=year, items=items,
                           catalogue=services.catalogue_of(unit.id, year), review_form=review_form,
                           deadline=catalogue_deadline(year)), form_status()


def _catalogue_action(unit_id: int, year: int, func, success: str):
    """A button on the unit's yearly catalogue page (submit, publish): the service, then back."""
    ensure_unit_access(unit_id)
    db.session.get(Unit, unit_id) or abort(404)
    catalogue = services.catalogue_of(unit_id, _year_or_404(year), create=True)
    back = url_for("catalogue.staff_catalogue", unit_id=unit_id, year=year)
    try:
        func(current_user, catalogue)
    except DomainError as error:
        return refuse(error, back)
    commit()
    flash(success, "success")
    return redirect(back)


@bp.route("/staff/catalogue/<int:unit_id>/<int:year>/submit", methods=["POST"])
@staff_required
def staff_submit(unit_id: int, year: int):
    return _catalogue_action(unit_id, year, review.submit,
                             _("The %(year)s catalogue is submitted to the district office for review.", year=year))


@bp.route("/staff/catalogue/<int:unit_id>/<int:year>/review", methods=["POST"])
@admin_required
@form_view
def admin_review(unit_id: int, year: int):
    db.session.get(Unit, unit_id) or abort(404)
    catalogue = services.catalogue_of(unit_id, _year_or_404(year)) or abort(404)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            if form.send_back.data:
                review.return_for_revision(current_user, catalogue, form.comment.data or "")
                message = _("The catalogue is returned to the unit with your comments.")
            else:
                review.approve(current_user, catalogue, form.comment.data or "")
                message = _("The catalogue is approved; the unit may publish it.")
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(message, "success")
            return redirect(url_for("catalogue.staff_catalogue", unit_id=unit_id, year=year))
    return _render_staff_catalogue(unit_id, year, form)


@bp.route("/staff/catalogue/<int:unit_id>/<int:year>/publish", methods=["POST"])
@staff_required
def staff_publish(unit_id: int, year: int):
    return _catalogue_action(unit_id, year, services.publish_catalogue,
                             _("The %(year)s catalogue is published.", year=year))


def _topic_choices(form: ItemForm) -> None:
    form.topic_ids.choices = [(t.id, t.name) for t in services.all_topics()]


@bp.route("/staff/catalogue/<int:unit_id>/<int:year>/new", methods=["GET", "POST"])
@staff_required
@form_view
def staff_create(unit_id: int, year: int):
    ensure_unit_access(unit_id)
    unit = db.session.get(Unit, unit_id) or abort(404)
    _year_or_404(year)
    form = ItemForm()
    _topic_choices(form)
    catalogue = services.catalogue_of(unit.id, year)
    if form.validate_on_submit():
        try:
            item = services.create_item(current_user, unit, year, form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Item %(code)s added.", code=item.code), "success")
            return redirect(url_for("catalogue.staff_item", item_id=item.id))
    return render_template("catalogue/staff_item_form.html", form=form, unit=unit, year=year, item=None,
                           catalogue=catalogue), form_status()


@bp.route("/staff/catalogue/items/<int:item_id>")
@staff_required
def staff_item(item_id: int):
    item = get_for_unit(DecisionItem, item_id)
    return _render_staff_item(item, StatusForm())


def _render_staff_item(item: DecisionItem, status_form: StatusForm):
    status_form.status.choices = [(s, DecisionStatus(s).label) for s in services.staff_statuses(item)]
    return render_template("catalogue/staff_item.html", item=item, status_form=status_form,
                           catalogue=services.catalogue_of(item.unit_id, item.year)), form_status()


@bp.route("/staff/catalogue/items/<int:item_id>/edit", methods=["GET", "POST"])
@staff_required
@form_view
def staff_edit(item_id: int):
    item = get_for_unit(DecisionItem, item_id)
    form = ItemForm(obj=item if request.method == "GET" else None)
    _topic_choices(form)
    if request.method == "GET":
        form.topic_ids.data = [t.id for t in item.topics]
        form.planned_quarter.data = str(item.planned_quarter or "")
    if form.validate_on_submit():
        try:
            services.update_item(current_user, item, form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Item saved."), "success")
            return redirect(url_for("catalogue.staff_item", item_id=item.id))
    return render_template("catalogue/staff_item_form.html", form=form, unit=item.unit, year=item.year,
                           item=item, catalogue=services.catalogue_of(item.unit_id, item.year)), form_status()


@bp.route("/staff/catalogue/items/<int:item_id>/status", methods=["POST"])
@staff_required
@form_view
def staff_status(item_id: int):
    item = get_for_unit(DecisionItem, item_id)
    form = StatusForm()
    form.status.choices = DecisionStatus.choices()
    if form.validate_on_submit():
        try:
            services.move_item(current_user, item, form.status.data, form.reason.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Status changed to \"%(status)s\".", status=status_label(item.status)), "success")
            return redirect(url_for("catalogue.staff_item", item_id=item.id))
    return _render_staff_item(item, form)


@bp.route("/staff/catalogue/items/<int:item_id>/documents/new", methods=["GET", "POST"])
@staff_required
@form_view
def staff_document(item_id: int):
    item = get_for_unit(DecisionItem, item_id)
    form = DocumentForm()
    if form.validate_on_submit():
        try:
            services.add_document(current_user, item, form.data, _upload(form.file.data))
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Document added."), "success")
            return redirect(url_for("catalogue.staff_item", item_id=item.id))
    return render_template("catalogue/staff_document_form.html", form=form, item=item), form_status()


@bp.route("/staff/catalogue/documents/<int:document_id>/remove", methods=["POST"])
@staff_required
def staff_remove_document(document_id: int):
    document = get_for_unit(DecisionDocument, document_id)
    item_id = document.decision_id
    services.remove_document(current_user, document)
    commit()
    flash(_("Document removed."), "success")
    return redirect(url_for("catalogue.staff_item", item_id=item_id))


@bp.route("/staff/catalogue/items/<int:item_id>/decision", methods=["GET", "POST"])
@staff_required
@form_view
def staff_decision(item_id: int):
    item = get_for_unit(DecisionItem, item_id)
    form = DecisionForm()
    if form.validate_on_submit():
        result = services.DecisionResult(form.decision_title.data or "", form.decision_number.data or "",
                                         form.issue_date.data, form.decision_text.data or "",
                                         form.no_consultation_reason.data or "")
        try:
            services.record_decision(current_user, item, result, _upload(form.file.data))
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("The decision is recorded: the item is now issued."), "success")
            return redirect(url_for("catalogue.staff_item", item_id=item.id))
    return render_template("catalogue/staff_decision_form.html", form=form, item=item), form_status()


# -- admin: the managed list of topics ---------------------------------------------------------

@bp.route("/admin/topics")
@admin_required
def admin_topics():
    return render_template("catalogue/admin_topics.html", topics=services.all_topics())


@bp.route("/admin/topics/new", methods=["GET", "POST"])
@bp.route("/admin/topics/<int:topic_id>/edit", methods=["GET", "POST"])
@admin_required
@form_view
def admin_topic(topic_id: int | None = None):
    topic = (db.session.get(Topic, topic_id) or abort(404)) if topic_id else None
    form = TopicForm(obj=topic if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.save_topic(current_user, topic, form.data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            commit()
            flash(_("Topic saved."), "success")
            return redirect(url_for("catalogue.admin_topics"))
    return render_template("catalogue/admin_topic_form.html", form=form, topic=topic), form_status()
