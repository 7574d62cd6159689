"""Documents as text or uploaded files: type checked by content, size limit, safe download."""
import io
import os

import pytest
from sqlalchemy import select

from portal.catalogue import services, uploads
from portal.catalogue.models import DecisionDocument, DocumentKind
from portal.errors import UserInputError
from portal.extensions import db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


def _upload(name, content):
    return uploads.Upload(name, io.BytesIO(content))


def test_pdf_upload_is_stored_under_a_generated_name(app, f):
    item = f.decision()
    document = services.add_document(f.admin(), item, {"kind": "draft", "title": "草案全文"},
                                      _upload("停车管理办法（征求意见稿）.pdf", PDF))
    assert document.original_name == "停车管理办法（征求意见稿）.pdf"
    assert document.content_type == "application/pdf" and document.size == len(PDF)
    assert document.stored_name.endswith(".pdf") and "停车" not in document.stored_name
    with open(os.path.join(app.instance_path, "uploads", document.stored_name), "rb") as fh:
        assert fh.read() == PDF


@pytest.mark.parametrize("name, content", [
    ("setup.exe", EXE),            # a type that is not allowed
    ("草案.pdf", EXE),              # an executable renamed .pdf
    ("草案.pdf", HTML),             # an HTML page renamed .pdf
    ("图片.png", PDF),              # a PDF named .png
    ("说明.docx", b"PK\x03\x04" + b"\x00" * 60),  # a zip that is not a Word document
    ("空.pdf", b""),
])
def test_bad_types_are_refused(f, name, content):
    with pytest.raises(UserInputError) as error:
        services.add_document(f.admin(), f.decision(), {"kind": "draft"}, _upload(name, content))
    assert error.value.field == "file"
    assert db.session.scalar(select(DecisionDocument)) is None


def test_size_limit_comes_from_the_setting(app, f):
    app.config["UPLOAD_MAX_BYTES"] = len(PDF) - 1
    with pytest.raises(UserInputError) as error:
        services.add_document(f.admin(), f.decision(), {"kind": "draft"}, _upload("a.pdf", PDF))
    assert error.value.field == "file"
    app.config["UPLOAD_MAX_BYTES"] = len(PDF)
    services.add_document(f.admin(), f.decision(), {"kind": "draft"}, _upload("a.pdf", PDF))


def test_text_or_file_but_not_neither_or_both(f):
    item = f.decision()
    with pytest.raises(UserInputError) as error:
        services.add_document(f.admin(), item, {"kind": "explanation", "body": "  "})
    assert error.value.field == "body"
    with pytest.raises(UserInputError):
        services.add_document(f.admin(), item, {"kind": "explanation", "body": "说明"}, _upload("a.pdf", PDF))
    document = services.add_document(f.admin(), item, {"kind": "explanation", "body": "起草说明正文"})
    assert document.title == DocumentKind.explanation.label and not document.is_file


def test_upload_through_the_staff_page_and_download(app, client, login, f):
    unit = f.unit()
    staff = f.staff(unit)
    item = f.decision(unit)
    db.session.commit()
    login(staff)
    response = client.post(f"/staff/catalogue/items/{item.id}/documents/new", data={
        "kind": "risk_assessment", "title": "风险评估报告", "body": "",
        "file": (io.BytesIO(PDF), "风险评估 报告.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    document = db.session.scalar(select(DecisionDocument))
    response = client.get(f"/decisions/{item.id}/documents/{document.id}/file")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E9%A3%8E%E9%99%A9%E8%AF%84%E4%BC%B0%20%E6%8A%A5%E5%91%8A.pdf" in disposition
    response.close()


def test_bad_upload_on_the_page_keeps_the_form(client, login, f):
    unit = f.unit()
    item = f.decision(unit)
    staff = f.staff(unit)
    db.session.commit()
    login(staff)
    response = client.post(f"/staff/catalogue/items/{item.id}/documents/new", data={
        "kind": "draft", "title": "我的标题", "body": "", "file": (io.BytesIO(HTML), "draft.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="file-error"' in page and "PDF" in page and 'value="我的标题"' in page
    assert db.session.scalar(select(DecisionDocument)) is None


def test_document_of_another_item_is_404(client, f):
    a, b = f.decision(), f.decision()
    document = services.add_document(None, a, {"kind": "other", "body": "正文"})
    db.session.commit()
    assert client.get(f"/decisions/{a.id}/documents/{document.id}").status_code == 200
    assert client.get(f"/decisions/{b.id}/documents/{document.id}").status_code == 404


def test_removing_a_document_deletes_the_file(app, client, login, f):
    unit = f.unit()
    item = f.decision(unit)
    document = services.add_document(None, item, {"kind": "draft"}, _upload("a.png", PNG))
    path = uploads.path_of(document.stored_name)
    staff_b = f.staff(f.unit())
    staff_a = f.staff(unit)
    db.session.commit()
    login(staff_b)
    assert client.post(f"/staff/catalogue/documents/{document.id}/remove").status_code == 403
    login(staff_a)
    assert client.post(f"/staff/catalogue/documents/{document.id}/remove").status_code == 302
    assert not os.path.exists(path)
    assert db.session.scalar(select(DecisionDocument)) is None
