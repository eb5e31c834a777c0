"""The evidence locker's actions, each with its custody-log entry in one transaction."""

from __future__ import annotations

import base64
import logging
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import Http404

from safetrail.diary.services import OpenCase
from safetrail.evidence import custody_log, filetypes
from safetrail.evidence.models import EvidenceItem
from safetrail.vault import services as vault
from safetrail.vault.filestore import FileStore, default_store

logger = logging.getLogger(__name__)
TABLE = "evidence_evidenceitem"
DERIVED_TABLE = "evidence_evidenceitem.derived"
# Larger files are not opened for metadata or a preview: nothing derived is
# worth holding that much plaintext, even in a temporary file kept in memory.
MAX_DERIVE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class ItemView:
    id: uuid.UUID
    kind: str
    received_at: datetime
    size: int
    details: dict[str, Any]
    derived: dict[str, Any]
    has_preview: bool

    @property
    def family(self) -> str:
        return self.details.get("family", "")

    @property
    def gps(self) -> dict | None:
        return self.derived.get("gps")


def _seal(open_case: OpenCase, table: str, item_id: uuid.UUID, data: dict) -> bytes:
    return open_case.seal(table, item_id, data)


def _open(open_case: OpenCase, table: str, item_id: uuid.UUID, sealed: bytes) -> dict:
    return open_case.open(table, item_id, sealed)


def _item(open_case: OpenCase, item_id: Any) -> EvidenceItem:
    item = EvidenceItem.objects.filter(case=open_case.case, id=item_id).first()
    if item is None:
        raise Http404
    return item


def _kind_of(details: dict) -> filetypes.FileKind | None:
    return next((kind for kind in filetypes.ALL_KINDS if kind.key == details.get("type")), None)


# --- adding ---------------------------------------------------------------------------------


def file_add(
    *,
    open_case: OpenCase,
    upload: Any,
    captured: dict[str, Any],
    incident_ids: list[str],
    of_physical: str = "",
) -> EvidenceItem:
    """Records an uploaded file (already encrypted in the store) and logs it."""
    item_id = uuid.uuid4()
    details = {
        "name": upload.original_name,
        "sha256": upload.sha256,
        "type": upload.kind.key,
        "mime": upload.kind.mime,
        "family": upload.kind.family,
        "file_key": base64.b64encode(
            vault.file_key_wrap(
                content_key=open_case.key, file_key=upload.file_key, file_id=item_id
            )
        ).decode(),
        "captured": captured,
        "incidents": incident_ids,
        "of_physical": of_physical,
    }
    with transaction.atomic():
        item = EvidenceItem.objects.create(
            id=item_id,
            case=open_case.case,
            kind=EvidenceItem.Kind.FILE,
            size=upload.size,
            blob_name=upload.blob_name,
            sealed=_seal(open_case, TABLE, item_id, details),
        )
        custody_log.append(
            open_case,
            "evidence_added",
            {
                "item": str(item_id),
                "sha256": upload.sha256,
                "size": upload.size,
                "name": upload.original_name,
                "type": upload.kind.mime,
                "received_at": item.received_at.isoformat(),
            },
        )
    return item


def physical_add(
    *,
    open_case: OpenCase,
    description: str,
    arrived: str,
    kept_where: str,
    incident_ids: list[str],
) -> EvidenceItem:
    item_id = uuid.uuid4()
    details = {
        "description": description,
        "arrived": arrived,
        "kept_where": kept_where,
        "incidents": incident_ids,
    }
    with transaction.atomic():
        item = EvidenceItem.objects.create(
            id=item_id,
            case=open_case.case,
            kind=EvidenceItem.Kind.PHYSICAL,
            sealed=_seal(open_case, TABLE, item_id, details),
        )
        custody_log.append(
            open_case,
            "physical_item_recorded",
            {
                "item": str(item_id),
                "description": description,
                "received_at": item.received_at.isoformat(),
            },
        )
    return item


# --- derived data ---------------------------------------------------------------------------


def _file_key(open_case: OpenCase, item: EvidenceItem, details: dict) -> bytes:
    return vault.file_key_unwrap(
        content_key=open_case.key, wrapped=base64.b64decode(details["file_key"]), file_id=item.id
    )


def derive(*, open_case: OpenCase, item: EvidenceItem, store: FileStore | None = None) -> None:
    """Metadata and a preview for a file, kept apart from the original (which is untouched)."""
    from safetrail.evidence import metadata

    store = store or default_store()
    details = _open(open_case, TABLE, item.id, item.sealed)
    kind = _kind_of(details)
    if kind is None or item.kind != EvidenceItem.Kind.FILE or item.size > MAX_DERIVE_BYTES:
        return
    derived: dict[str, Any] = {}
    preview_name = ""
    with tempfile.SpooledTemporaryFile(max_size=MAX_DERIVE_BYTES + 1) as plaintext:
        for piece in store.read_decrypted(item.blob_name, _file_key(open_case, item, details)):
            plaintext.write(piece)
        plaintext.seek(0)
        derived = metadata.extract(kind, plaintext)
        plaintext.seek(0)
        preview = metadata.thumbnail(kind, plaintext)
    if preview:
        preview_key = vault.file_key_new()
        preview_name, _ = store.save_encrypted(preview_key, [preview])
        derived["preview_key"] = base64.b64encode(
            vault.file_key_wrap(
                content_key=open_case.key, file_key=preview_key, file_id=f"{item.id}/preview"
            )
        ).decode()
    EvidenceItem.objects.filter(id=item.id).update(
        derived=_seal(open_case, DERIVED_TABLE, item.id, derived),
        preview_blob_name=preview_name,
    )


# --- reading ------------------------------------------------------------------------------


def _view(open_case: OpenCase, item: EvidenceItem) -> ItemView:
    details = _open(open_case, TABLE, item.id, item.sealed)
    derived = _open(open_case, DERIVED_TABLE, item.id, item.derived) if item.derived else {}
    return ItemView(
        id=item.id,
        kind=item.kind,
        received_at=item.received_at,
        size=item.size,
        details={key: value for key, value in details.items() if key != "file_key"},
        derived={key: value for key, value in derived.items() if key != "preview_key"},
        has_preview=bool(item.preview_blob_name),
    )


def is_physical_item(*, open_case: OpenCase, item_id: Any) -> bool:
    return EvidenceItem.objects.filter(
        case=open_case.case, id=item_id, kind=EvidenceItem.Kind.PHYSICAL
    ).exists()


def items(open_case: OpenCase) -> list[ItemView]:
    return [_view(open_case, item) for item in EvidenceItem.objects.filter(case=open_case.case)]


def item_get(*, open_case: OpenCase, item_id: Any) -> ItemView:
    return _view(open_case, _item(open_case, item_id))


def item_content(
    *, open_case: OpenCase, item_id: Any, action: str, store: FileStore | None = None
) -> tuple[ItemView, Iterator[bytes]]:
    """The original bytes, decrypted as they are sent; the viewing is logged first."""
    store = store or default_store()
    item = _item(open_case, item_id)
    if item.kind != EvidenceItem.Kind.FILE:
        raise Http404
    details = _open(open_case, TABLE, item.id, item.sealed)
    with transaction.atomic():
        custody_log.append(open_case, action, {"item": str(item.id), "sha256": details["sha256"]})
    return _view(open_case, item), store.read_decrypted(
        item.blob_name, _file_key(open_case, item, details)
    )


def preview_content(
    *, open_case: OpenCase, item_id: Any, store: FileStore | None = None
) -> Iterator[bytes]:
    store = store or default_store()
    item = _item(open_case, item_id)
    if not item.preview_blob_name or not item.derived:
        raise Http404
    derived = _open(open_case, DERIVED_TABLE, item.id, item.derived)
    key = vault.file_key_unwrap(
        content_key=open_case.key,
        wrapped=base64.b64decode(derived["preview_key"]),
        file_id=f"{item.id}/preview",
    )
    return store.read_decrypted(item.preview_blob_name, key)


# --- deleting -----------------------------------------------------------------------------


def item_delete(*, open_case: OpenCase, item_id: Any, store: FileStore | None = None) -> None:
    """Destroys the item's key and content; its custody entries, with its hash, stay."""
    store = store or default_store()
    item = _item(open_case, item_id)
    details = _open(open_case, TABLE, item.id, item.sealed)
    blobs = [name for name in (item.blob_name, item.preview_blob_name) if name]
    deleted_id = str(item.id)  # delete() sets item.id to None
    with transaction.atomic():
        item.delete()
        custody_log.append(
            open_case,
            "evidence_deleted",
            {
                "item": deleted_id,
                "sha256": details.get("sha256", ""),
                "name": details.get("name", details.get("description", "")),
            },
        )
        transaction.on_commit(lambda: [store.delete(name) for name in blobs])
