"""Documents kept with a record: attached, listed on its page, downloaded, removed.

A model's pages offer documents by naming the kinds that fit it
(``RecordPages.document_kinds``); its ``urls()`` then adds the three
addresses below the record's own, each built by the view toolkit, so the
role is checked before anything is looked up:

- ``<record>/documents/`` (POST): attach one, needing the right to change the record;
- ``<record>/documents/<id>/``: download it, needing the right to read the record;
- ``<record>/documents/<id>/remove/`` (POST): remove it, needing the right to change.

A document is found only through its own record, so no address reaches a
document of a record the reader may not see. Files are stored through
Django's storage API (``STORAGES["documents"]``) and always sent as an
attachment, with the type their content showed and ``nosniff``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import models, transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from .files import CheckedFile, type_name
from .forms import DocumentForm
from .history import CREATED, DELETED, FieldChange, HistoryEntry
from .models import Document, DocumentKind
from .text import person_name

if TYPE_CHECKING:
    from .views import RecordPages

STORAGE_ALIAS = "documents"


def storage() -> Storage:
    return storages[STORAGE_ALIAS]


def documents_of(record: models.Model) -> models.QuerySet[Document]:
    """The record's own documents: no other record's is ever reached through its address."""
    return Document.objects.filter(
        record_type=ContentType.objects.get_for_model(record), record_id=record.pk
    ).select_related("added_by")


# --- Writing -----------------------------------------------------------------------------------


def attach(
    *, record: models.Model, title: str, kind: str, dated: Any, checked: CheckedFile, by: Any
) -> Document:
    """Stores a checked file and keeps it with ``record``. If the row cannot be written the
    stored file is taken away again, so storage holds no file the register does not know."""
    extension = checked.name.rpartition(".")[2].lower() if "." in checked.name else "bin"
    meta = record._meta
    name = f"{meta.app_label}/{meta.model_name}/{record.pk}/{uuid.uuid4().hex}.{extension}"
    stored_as = storage().save(name, ContentFile(checked.content))
    try:
        with transaction.atomic():
            return Document.objects.create(
                record_type=ContentType.objects.get_for_model(record),
                record_id=record.pk,
                title=title,
                kind=kind,
                dated=dated,
                file_name=checked.name,
                stored_as=stored_as,
                media_type=checked.media_type,
                size=checked.size,
                sha256=checked.sha256,
                added_by=by,
            )
    except BaseException:
        storage().delete(stored_as)
        raise


def remove(document: Document) -> None:
    """Removes the document; its file goes once the removal is committed (erase_stored_file)."""
    document.delete()


def erase_stored_file(sender: Any, instance: Document, **kwargs: Any) -> None:
    """A document removed, or deleted with its record, takes its file with it once committed."""
    stored_as = instance.stored_as
    transaction.on_commit(lambda: storage().delete(stored_as))


# --- On the record's page ------------------------------------------------------------------------


@dataclass
class DocumentsSection:
    """What the record's page shows of its documents, and the form to attach one."""

    documents: list[Document]
    form: DocumentForm | None
    add_url: str
    may_change: bool
    frozen_because: str = ""
    kinds: tuple[str, ...] = field(default_factory=tuple)


def section(
    pages: RecordPages, request: HttpRequest, record: Any, form: DocumentForm | None = None
) -> DocumentsSection:
    may_change = request.user.has_perm(pages.permission("change"))
    frozen = pages.frozen_because(record)
    documents = list(documents_of(record))
    for document in documents:
        document.download_url = pages.url("document", record.pk, document.pk)  # type: ignore[attr-defined]
        document.remove_url = pages.url("document-remove", record.pk, document.pk)  # type: ignore[attr-defined]
        document.type_name = type_name(document.media_type)  # type: ignore[attr-defined]
    if may_change and not frozen and form is None:
        form = DocumentForm(kinds=pages.document_kinds)
    return DocumentsSection(
        documents=documents,
        form=form if may_change and not frozen else None,
        add_url=pages.url("document-add", record.pk),
        may_change=may_change and not frozen,
        frozen_because=frozen,
        kinds=pages.document_kinds,
    )


# --- In the record's history ---------------------------------------------------------------------


def history_entries(record: models.Model, *, limit: int) -> list[HistoryEntry]:
    """Each document attached to or removed from the record, newest first, as history entries."""
    rows = (
        Document.history.filter(
            record_type=ContentType.objects.get_for_model(record),
            record_id=record.pk,
            history_type__in=(CREATED, DELETED),
        )
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
    entries = []
    for row in rows:
        who = person_name(row.history_user) if row.history_user is not None else "The system"
        attached = row.history_type == CREATED
        entries.append(
            HistoryEntry(
                when=row.history_date,
                who=who,
                kind=row.history_type,
                changes=[
                    FieldChange(label="Title", old="", new=row.title),
                    FieldChange(label="Kind", old="", new=DocumentKind(row.kind).label),
                    FieldChange(label="Date", old="", new=f"{row.dated:%-d %B %Y}"),
                    FieldChange(label="File", old="", new=row.file_name),
                ],
                subject="Document attached" if attached else "Document removed",
            )
        )
    return entries


# --- The views ---------------------------------------------------------------------------------


def document_of(record: Any, document_id: int) -> Document:
    """The record's own document of that number, or 404."""
    return get_object_or_404(documents_of(record), pk=document_id)


def download(document: Document) -> HttpResponse:
    response = FileResponse(
        storage().open(document.stored_as, "rb"),
        as_attachment=True,
        filename=document.file_name,
        content_type=document.media_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def attached_message(document: Document) -> str:
    return f"“{document.title}” was attached."


def removed_message(document: Document) -> str:
    return f"“{document.title}” was removed."


GONE = "That document is no longer kept with this record: someone may have removed it already."


def back_to_documents(
    request: HttpRequest, record: Any, message: str, *, warning: bool = False
) -> HttpResponse:
    (messages.warning if warning else messages.success)(request, message)
    return redirect(f"{record.get_absolute_url()}#documents")
