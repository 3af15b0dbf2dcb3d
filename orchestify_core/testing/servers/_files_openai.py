"""The OpenAI Files API's storage, for the loopback server's Batch API: uploads and outputs.

A file is kept in memory as bytes with the fields of the SDK's ``FileObject``. Uploads
arrive as ``multipart/form-data`` (``file`` and ``purpose`` fields), as the ``openai``
SDK's ``files.create`` sends them; the form is read with the standard library's MIME
parser.
"""

from __future__ import annotations

import time
import uuid
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import attrs

__all__ = ["FileStore", "FormField", "StoredFile", "parse_form"]


@attrs.frozen
class StoredFile:
    """One file: what the client uploaded (purpose ``batch``) or a batch wrote."""

    id: str
    filename: str
    purpose: str
    content: bytes = attrs.field(repr=False)
    created_at: int

    def to_json(self) -> dict[str, Any]:
        """The file as ``GET /v1/files/{id}`` describes it (the SDK's ``FileObject``)."""
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.content),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
            "status_details": None,
            "expires_at": None,
        }


class FileStore:
    """The files of one server, by id, in the order they were created."""

    def __init__(self) -> None:
        self.files: dict[str, StoredFile] = {}

    def add(self, filename: str, purpose: str, content: bytes) -> StoredFile:
        stored = StoredFile(
            id=f"file-{uuid.uuid4().hex[:24]}",
            filename=filename,
            purpose=purpose,
            content=content,
            created_at=int(time.time()),
        )
        self.files[stored.id] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self.files.get(file_id)

    def delete(self, file_id: str) -> bool:
        return self.files.pop(file_id, None) is not None


@attrs.frozen
class FormField:
    """One field of a multipart form: its value, and its file name for a file."""

    value: bytes = attrs.field(repr=False)
    filename: str | None = None


def parse_form(content_type: str, body: bytes) -> dict[str, FormField]:
    """The fields of a ``multipart/form-data`` body, by name (the last one of a repeated name).

    :raises ValueError: the body is not a multipart form.
    """
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("the body is not a multipart form")
    fields: dict[str, FormField] = {}
    for part in message.iter_parts():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        value = payload if isinstance(payload, bytes) else b""
        fields[name] = FormField(value=value, filename=part.get_filename())
    return fields
