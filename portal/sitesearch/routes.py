from flask import render_template, request
from sqlalchemy import select

from .. import search
from ..extensions import db
from . import bp
from .kinds import KINDS, kind_of

PER_KIND = 5       # results of each kind on the overview
PER_PAGE = 20      # results of one kind, page by page
MAX_QUERY = 100


@bp.route("/search")
def index():
    text = request.args.get("q", "").strip()[:MAX_QUERY]
    parsed = search.parse(text)
    only = kind_of(request.args.get("kind"))
    groups = []
    page = None
    if parsed:
        if only is not None:
            query = only.query(parsed)
            if query is not None:
                page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                                   error_out=False, count=True)
                groups.append((only, page.total, [only.hit(obj) for obj in page.items]))
        else:
            for kind in KINDS:
                query = kind.query(parsed)
                if query is None:
                    continue
                # One pass: every matching id in rank order gives the count and the first few.
                ids = db.session.scalars(query.with_only_columns(kind.model.id)).all()
                first = ids[:PER_KIND]
                loaded = {obj.id: obj for obj in db.session.scalars(
                    select(kind.model).where(kind.model.id.in_(first)))} if first else {}
                groups.append((kind, len(ids), [kind.hit(loaded[i]) for i in first]))
    return render_template("sitesearch/index.html", q=text, searchable=bool(parsed), groups=groups,
                           only=only, page=page, kinds=KINDS, per_kind=PER_KIND)
