"""Uploaded files of decision items: checked by content (not only by name) and by size, stored
under a generated name in ``instance/uploads``, never under the name the user chose."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import BinaryIO

import filetype
from flask import current_app
from flask_babel import gettext as _

from ..errors import UserInputError

# extension → MIME type; the content must be of the kind the name says.
ALLOWED = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
# Word 97-2003 and Excel 97-2003 files are OLE compound files; filetype recognises only some of
# them by their inner markers, so the compound-file signature is accepted for these two names.
_OLE_SIGNATURE = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"
_OLE_EXTENSIONS = {"doc", "xls"}
_HEAD_BYTES = 8192


@dataclass
class Upload:
    """A file as received: the name the user gave it and a stream of its bytes."""

    filename: str
    stream: BinaryIO


@dataclass
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int


def upload_folder() -> str:
    folder = current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")
    os.makedirs(folder, exist_ok=True)
    return folder


def allowed_label() -> str:
    return "PDF, DOC, DOCX, XLS, XLSX, PNG, JPEG"


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def check(upload: Upload, field: str = "file") -> tuple[bytes, str, str]:
    """Read and check an upload; returns (content, extension, MIME type) or raises UserInputError."""
    original = os.path.basename((upload.filename or "").replace("\\", "/")).strip()
    if not original:
        raise UserInputError(field, _("Choose a file to upload."))
    ext = _extension(original)
    if ext not in ALLOWED:
        raise UserInputError(field, _("Files of this type cannot be uploaded. Allowed: %(types)s.",
                                      types=allowed_label()))
    limit = int(current_app.config["UPLOAD_MAX_BYTES"])
    content = upload.stream.read(limit + 1)
    if len(content) > limit:
        raise UserInputError(field, _("The file is larger than %(size)s MB.",
                                      size=f"{limit / 1024 / 1024:.1f}".rstrip("0").rstrip(".")))
    if not content:
        raise UserInputError(field, _("The file is empty."))
    detected = filetype.guess(content[:_HEAD_BYTES])
    mime = ALLOWED[ext]
    if detected is not None:
        ok = detected.mime == mime
    else:
        ok = ext in _OLE_EXTENSIONS and content.startswith(_OLE_SIGNATURE)
    if not ok:
        raise UserInputError(field, _("The content of this file is not a %(ext)s file. Allowed: %(types)s.",
                                      ext=ext.upper(), types=allowed_label()))
    return content, ext, mime


def store(upload: Upload, field: str = "file") -> StoredFile:
    """Check an upload and write it under a generated name; returns what to keep of it."""
    content, ext, mime = check(upload, field)
    stored_name = f"{secrets.token_hex(16)}.{ext}"
    path = os.path.join(upload_folder(), stored_name)
    with open(path, "xb") as fh:
        fh.write(content)
    original = os.path.basename((upload.filename or "").replace("\\", "/")).strip()
    return StoredFile(stored_name=stored_name, original_name=original[:255], content_type=mime,
                      size=len(content))


def path_of(stored_name: str) -> str:
    return os.path.join(upload_folder(), stored_name)


def remove(stored_name: str) -> None:
    try:
        os.remove(path_of(stored_name))
    except FileNotFoundError:
        pass
