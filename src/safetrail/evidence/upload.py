"""Receiving evidence files: encrypted and hashed as they arrive.

``EncryptingUploadHandler`` replaces Django's upload handlers for the
evidence upload view. Each file is read piece by piece from the request:

- its first ``SNIFF_BYTES`` are held back (in memory, never on disk) until
  ``filetypes.sniff`` has said what the file is, from its content alone; the
  name and content type the browser sent decide nothing;
- from then on every piece is hashed (SHA-256 of the original bytes) and
  handed to the file store's ``EncryptedWriter``, so only ciphertext is
  written, under a temporary name until the file is complete;
- the last 64 KiB are kept in a bounded buffer and checked once more at the
  end, so that something hidden after an innocent start (a script, a ZIP
  archive) is refused as a polyglot.

A refused file leaves nothing behind; the rest of its data is read from the
request and thrown away, so the other files in the same request still arrive.
Nothing is held whole in memory and nothing unencrypted is written anywhere.

The view reads the outcome from ``handler.uploads`` and ``handler.refusals``
(``request.FILES`` is not needed). If it cannot keep the accepted files (the
rows fail to save, the form is invalid, the request errors), it must call
``handler.discard_all()``.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from safetrail.evidence.filetypes import SNIFF_BYTES, FileKind, RefusedFile, sniff
from safetrail.vault.filestore import EncryptedWriter, FileStore
from safetrail.vault.services import file_key_new

logger = logging.getLogger(__name__)

TAIL_BYTES = 64 * 1024

# The checks on a file's end. Kept here (and kept in step with filetypes by
# hand) so that filetypes' private names stay private.
_HIDDEN_MARKUP = re.compile(
    rb"<\s*(?:html|script|body|iframe|svg|object|embed|meta\s+http-equiv)\b|javascript:",
    re.IGNORECASE,
)
_ZIP_LOCAL_FILE = b"PK\x03\x04"
_ZIP_END_OF_DIRECTORY = b"PK\x05\x06"
_HIDDEN_EXECUTABLES = (b"\x7fELF", b"MZ\x90\x00")
# None of the allowed kinds is built on ZIP, so a ZIP directory at the end of
# any of them is a hidden archive. A ZIP-based kind added later goes here.
_ZIP_CONTAINERS: frozenset[str] = frozenset()


@dataclass
class EncryptedUpload:
    """One accepted file, already encrypted in the store under ``blob_name``."""

    field_name: str
    original_name: str = field(repr=False)  # as the browser sent it; never decides the type
    blob_name: str
    size: int
    sha256: str  # hex, of the original bytes
    file_key: bytes = field(repr=False)  # the caller wraps it with the case key
    kind: FileKind


@dataclass
class Refusal:
    original_name: str = field(repr=False)
    reason: str  # "empty" | "too_large" | "dangerous" | "polyglot" | "unknown" | "storage"


class EncryptedUploadedFile(UploadedFile):
    """What ``request.FILES`` holds for an accepted file: a receipt, not the file.

    There is no plaintext to read (``read``/``chunks`` fail); ``upload``
    carries the ``EncryptedUpload``. ``content_type`` is the sniffed type,
    not the one the browser claimed. ``close`` does nothing, so Django's
    end-of-request clean-up leaves the stored blob alone.
    """

    def __init__(self, upload: EncryptedUpload) -> None:
        super().__init__(
            file=None, name=upload.original_name, content_type=upload.kind.mime, size=upload.size
        )
        self.upload = upload

    def __repr__(self) -> str:
        # Never the name: reprs end up in error reports.
        return f"<{type(self).__name__}: {self.content_type}, {self.size} bytes>"

    def open(self, mode: str | None = None) -> Any:
        raise ValueError("an encrypted upload cannot be read from the request")

    def read(self, *args: Any) -> bytes:
        raise ValueError("an encrypted upload cannot be read from the request")

    def chunks(self, chunk_size: int | None = None) -> Any:
        raise ValueError("an encrypted upload cannot be read from the request")

    def multiple_chunks(self, chunk_size: int | None = None) -> bool:
        return True

    def close(self) -> None:
        return None


def _tail_problem(kind: FileKind, tail: bytes) -> str | None:
    """The reason to refuse a file whose last bytes are ``tail``, or None.

    Text and email follow sniff's rules for them: markup makes plain text
    "dangerous", and an email may carry HTML. No real note or email holds the
    raw bytes of a ZIP header (attachments are base64), so those are refused
    in every kind.
    """
    if _ZIP_LOCAL_FILE in tail:
        return "polyglot"
    if kind.family in {"text", "email"}:
        if kind.family == "text" and _HIDDEN_MARKUP.search(tail):
            return "dangerous"
        return None
    if _HIDDEN_MARKUP.search(tail):
        return "polyglot"
    if kind.key not in _ZIP_CONTAINERS and _ZIP_END_OF_DIRECTORY in tail:
        return "polyglot"
    if any(marker in tail for marker in _HIDDEN_EXECUTABLES):
        return "polyglot"
    return None


class _Incoming:
    """The state of the file being received."""

    def __init__(self, field_name: str, original_name: str) -> None:
        self.field_name = field_name
        self.original_name = original_name
        self.key = file_key_new()
        self.hash = hashlib.sha256()
        self.size = 0
        self.head: bytearray | None = bytearray()  # None once sniffed and written
        self.tail = bytearray()
        self.kind: FileKind | None = None
        self.writer: EncryptedWriter | None = None  # made once the head is accepted

    def keep_tail(self, piece: bytes) -> None:
        if len(piece) >= TAIL_BYTES:
            self.tail = bytearray(piece[-TAIL_BYTES:])
            return
        self.tail += piece
        if len(self.tail) > TAIL_BYTES:
            del self.tail[: len(self.tail) - TAIL_BYTES]


class EncryptingUploadHandler(FileUploadHandler):
    """Encrypts, hashes and checks every uploaded file as it streams in.

    Install it as the only handler, before anything reads ``request.POST`` or
    ``request.FILES``::

        handler = EncryptingUploadHandler(request, store=default_store(), max_bytes=...)
        request.upload_handlers = [handler]

    After the request has been parsed, ``uploads`` lists the accepted files
    (encrypted and committed) and ``refusals`` the refused ones, both in the
    order they arrived. ``interrupted`` is True if the client went away in
    the middle of a file; then nothing from the request was kept.
    """

    # Read the body in large pieces: fewer trips through the parser per MiB,
    # and each piece is at most one encryption chunk (memory stays flat).
    chunk_size = 1024 * 1024

    def __init__(self, request: Any = None, *, store: FileStore, max_bytes: int) -> None:
        super().__init__(request)
        if max_bytes < 1:
            raise ValueError("max_bytes must be positive")
        self.store = store
        self.max_bytes = max_bytes
        self.uploads: list[EncryptedUpload] = []
        self.refusals: list[Refusal] = []
        self.interrupted = False
        # Set by the view once the uploads are recorded; until then they may be discarded.
        self.saved = False
        self._current: _Incoming | None = None
        self._committed: list[str] = []

    # --- Django's upload handler interface ----------------------------------------------

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self._abort_current()  # only if the parser skipped a file_complete
        self._current = _Incoming(field_name, file_name)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        incoming = self._current
        if incoming is None:
            return None  # a refused file: the rest of it is dropped
        try:
            incoming.size += len(raw_data)
            if incoming.size > self.max_bytes:
                self._refuse("too_large")
                return None
            incoming.hash.update(raw_data)
            incoming.keep_tail(raw_data)
            if incoming.head is not None:
                incoming.head += raw_data
                if len(incoming.head) >= SNIFF_BYTES:
                    self._accept_head(incoming)
            elif incoming.writer is not None:
                incoming.writer.write(raw_data)
        except OSError as error:
            self._storage_failed(error)
        except BaseException:
            self._abort_current()
            raise
        # Never pass the data on: no other handler may see it.
        return None

    def file_complete(self, file_size: int) -> EncryptedUploadedFile | None:
        incoming = self._current
        if incoming is None:
            return None  # refused earlier, already recorded
        try:
            if incoming.size == 0:
                self._refuse("empty")
                return None
            if incoming.head is not None:
                self._accept_head(incoming)
            if incoming.kind is None or incoming.writer is None:
                return None  # refused by sniff, already recorded
            problem = _tail_problem(incoming.kind, bytes(incoming.tail))
            if problem is not None:
                self._refuse(problem)
                return None
            blob_name = incoming.writer.commit()
        except OSError as error:
            self._storage_failed(error)
            return None
        except BaseException:
            self._abort_current()
            raise
        self._committed.append(blob_name)
        self._current = None
        upload = EncryptedUpload(
            field_name=incoming.field_name,
            original_name=incoming.original_name,
            blob_name=blob_name,
            size=incoming.size,
            sha256=incoming.hash.hexdigest(),
            file_key=incoming.key,
            kind=incoming.kind,
        )
        self.uploads.append(upload)
        return EncryptedUploadedFile(upload)

    def upload_interrupted(self) -> None:
        """The request ended in the middle of a file: keep nothing from it."""
        self.interrupted = True
        self.discard_all()

    def upload_complete(self) -> None:
        # Nothing should be in progress here; if a file was never completed,
        # it is not kept.
        self._abort_current()

    # --- for the view ------------------------------------------------------------------

    def discard_all(self) -> None:
        """Deletes every blob committed in this request and aborts any file in progress.

        For the view when it cannot keep the files (saving rows failed, the
        form was refused, reading the request raised). Safe to call twice.
        """
        self._abort_current()
        for name in self._committed:
            try:
                self.store.delete(name)
            except OSError as error:
                # Ciphertext whose key is about to be forgotten: unreadable, only space.
                logger.warning("could not delete a discarded upload (%s)", _errno_name(error))
        self._committed.clear()
        self.uploads.clear()

    # --- inside --------------------------------------------------------------------------

    def _accept_head(self, incoming: _Incoming) -> None:
        """Sniffs the held-back start; if the kind is allowed, starts writing it."""
        head = bytes(incoming.head or b"")
        incoming.head = None
        try:
            incoming.kind = sniff(head[:SNIFF_BYTES])
        except RefusedFile as refused:
            self._refuse(refused.reason)
            return
        incoming.writer = self.store.writer(incoming.key)
        incoming.writer.write(head)

    def _refuse(self, reason: str) -> None:
        incoming = self._current
        self._abort_current()
        if incoming is not None:
            self.refusals.append(Refusal(original_name=incoming.original_name, reason=reason))

    def _storage_failed(self, error: OSError) -> None:
        logger.warning("an upload could not be stored (%s)", _errno_name(error))
        self._refuse("storage")

    def _abort_current(self) -> None:
        incoming, self._current = self._current, None
        if incoming is None or incoming.writer is None:
            return
        try:
            incoming.writer.abort()
        except OSError as error:
            # abort removes the temporary file even when closing it fails.
            logger.warning("an aborted upload did not close cleanly (%s)", _errno_name(error))


def _errno_name(error: OSError) -> str:
    return errno.errorcode.get(error.errno or 0, "no errno")
