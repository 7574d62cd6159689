from flask import Response, render_template, request
from flask_babel import get_locale

from ..auth.access import admin_required
from ..extensions import db
from ..requestargs import int_arg
from ..units.models import units_in_order
from . import bp, browse, labels

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("")
@admin_required
def index():
    filters = browse.AuditFilters.from_args(request.args)
    page = db.paginate(filters.query(), page=int_arg("page", 1, minimum=1, maximum=100000), per_page=50,
                       error_out=False)
    units = db.session.scalars(units_in_order()).all()
    return render_template("audit/index.html", page=page, filters=filters, units=units,
                           object_types=[(t, labels.object_label(t)) for t in browse.object_types()],
                           actions=sorted(((a, str(label)) for a, label in labels.ACTION_LABELS.items()),
                                          key=lambda pair: pair[0]),
                           refs=labels.object_refs(page.items), unit_names={u.id: u.short_name for u in units},
                           action_label=labels.action_label, changes=labels.changes, actor_text=browse.actor_text)


def _download(body, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/export.csv")
@admin_required
def export_csv():
    filters = browse.AuditFilters.from_args(request.args)
    return _download(browse.csv_response_body(filters, str(get_locale())), "text/csv; charset=utf-8", "audit.csv")


@bp.route("/export.xlsx")
@admin_required
def export_xlsx():
    filters = browse.AuditFilters.from_args(request.args)
    return _download(browse.xlsx_bytes(filters), XLSX_MIMETYPE, "audit.xlsx")
