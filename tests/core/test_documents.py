"""Documents kept with records: attached from the record's page, listed there and in its
history, downloaded only through a page that checks the role, refused when they should be."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType

from core.models import Document
from tests import factories as make
from tests.support.documents import (
    EICAR,
    GPS_IFD,
    MAKE,
    XMP_WITH_LOCATION,
    animation_with_location,
    attach,
    documents_form,
    docx_bytes,
    exif_of,
    frames_of,
    jpeg_with_location,
    needs_clamd,
    pdf_bytes,
    scan_with_location,
    stored_files,
    upload,
)
from tests.support.pages import Page, asked_to_remove, press, record_page, remove, status_message
from tests.support.queries import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


@pytest.fixture
def relationship(db):
    return make.RelationshipFactory(place__name="Osnabrück")


def test_an_officer_attaches_the_signed_agreement_and_anyone_who_reads_the_relationship_downloads_it(
    officer_client, leader_client, relationship, document_root
):
    content = pdf_bytes()
    response = attach(
        officer_client,
        relationship,
        upload("agreement-1976.pdf", content, "application/pdf"),
        title="Twinning agreement, signed 1976",
        kind="Signed agreement",
        date="1976-06-12",
    )
    assert response.status_code == 302
    assert response["Location"] == f"{relationship.get_absolute_url()}#documents"
    assert (
        "“Twinning agreement, signed 1976” was attached."
        in Page(officer_client.get(response["Location"])).text
    )
    page = record_page(leader_client, relationship)
    documents = page.section("Documents")
    row = documents.find_all("tr")[1].text
    assert "Twinning agreement, signed 1976" in row and "Signed agreement" in row and "12 June 1976" in row
    assert "PDF" in row and "agreement-1976.pdf" in row and "Olivia Officer" in row

    link = next(a for a in documents.find_all("a") if a.text == "Twinning agreement, signed 1976")
    download = leader_client.get(link.attrs["href"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="agreement-1976.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"]
    # Stored under a name of its own, not the one it came with.
    [stored] = stored_files(document_root)
    assert stored.read_bytes() == content and "agreement" not in stored.name


def test_the_leaders_office_reads_documents_but_is_not_offered_the_form_and_may_not_attach(
    leader_client, relationship, document_root
):
    page = record_page(leader_client, relationship)
    assert "Attach document" not in page.text
    response = leader_client.post(
        relationship.get_absolute_url() + "documents/",
        {
            "document-title": "x",
            "document-kind": "letter",
            "document-dated": "2016-01-01",
            "document-file": upload("x.pdf", pdf_bytes()),
        },
    )
    assert response.status_code == 403
    assert not Document.objects.exists() and not stored_files(document_root)


def test_a_document_is_reached_only_through_its_own_record(officer_client, outsider_client, document_root):
    first, second = make.RelationshipFactory(), make.RelationshipFactory()
    attach(officer_client, first, upload("a.pdf", pdf_bytes()))
    document = Document.objects.get()
    own = f"{first.get_absolute_url()}documents/{document.pk}/"
    assert officer_client.get(own).status_code == 200
    assert officer_client.get(f"{second.get_absolute_url()}documents/{document.pk}/").status_code == 404
    assert officer_client.get(f"/visits/{first.pk}/documents/{document.pk}/").status_code == 404
    assert outsider_client.get(own).status_code == 403


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        (
            "minutes.pdf",
            b"<html><body><script>alert(1)</script></body></html>",
            "cannot be kept here (text/html)",
        ),
        ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 300, "cannot be kept here"),
        ("photo.pdf", jpeg_with_location(), "The file is a JPEG image but its name has “.pdf”"),
        ("agreement.docx", pdf_bytes(), "The file is a PDF but its name has “.docx”"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "cannot be kept here"),
        ("empty.pdf", b"", "The submitted file is empty."),
    ],
)
def test_a_file_of_a_kind_not_kept_is_refused_beside_the_field_by_what_it_holds(
    officer_client, relationship, document_root, name, content, said
):
    response = attach(officer_client, relationship, upload(name, content, "application/pdf"))
    assert response.status_code == 400
    page = Page(response)
    assert said in page.field_error("File")
    assert page.value("Document title") == "Signed agreement"  # what was typed stays
    assert not Document.objects.exists() and not stored_files(document_root)


def test_a_document_sent_twice_is_kept_once(officer_client, relationship, document_root):
    form = documents_form(record_page(officer_client, relationship))
    data = form.fill(
        {
            "Document title": "Signed agreement",
            "Document date": "2016-03-01",
            "Kind of document": form.options("Kind of document")[0],
        }
    )
    url = form.root.attrs["action"]

    officer_client.post(url, {**data, "document-file": upload("agreement.pdf", pdf_bytes())})
    second = officer_client.post(
        url, {**data, "document-file": upload("agreement.pdf", pdf_bytes())}, follow=True
    )

    assert Document.objects.count() == 1 and len(stored_files(document_root)) == 1
    assert "This form had already been sent, so it was added only once." in status_message(second)


def test_a_name_too_long_to_keep_loses_the_end_of_its_stem_not_its_extension(
    officer_client, relationship, document_root
):
    name = "Itinerary for the trade mission to Toyota City " + "x" * 180 + ".pdf"

    response = attach(officer_client, relationship, upload(name, pdf_bytes()))

    assert response.status_code == 302, Page(response).field_error("File")
    document = Document.objects.get()
    assert len(document.file_name) == 200
    assert document.file_name.startswith("Itinerary for the trade mission to Toyota City xxx")
    assert document.file_name.endswith("x.pdf")
    download = officer_client.get(f"{relationship.get_absolute_url()}documents/{document.pk}/")
    assert download["Content-Disposition"].endswith('x.pdf"')


def test_a_file_over_the_size_limit_is_refused_beside_the_field(
    officer_client, relationship, document_root, settings
):
    settings.DOCUMENT_MAX_BYTES = 1024
    response = attach(officer_client, relationship, upload("big.pdf", pdf_bytes("x" * 2000)))
    assert response.status_code == 400
    assert "larger than 1.0 KB, the most a document may be" in Page(response).field_error("File")
    assert not Document.objects.exists() and not stored_files(document_root)


def test_office_documents_e_mails_and_text_are_kept_with_the_type_their_content_shows(
    officer_client, relationship, document_root
):
    for name, content, expected in [
        (
            "letter.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("letter.eml", b"Subject: Visit\r\nFrom: a@example.org\r\n\r\nDear Leader\r\n", "message/rfc822"),
        ("notes.txt", b"Notes of the call with Osnabr\xc3\xbcck\n", "text/plain"),
        # libmagic calls it text/csv; it is kept as the plain text it is.
        ("costs.csv", b"Item,Amount\nFlights,650.00\nHotel,120.00\n", "text/plain"),
    ]:
        response = attach(
            officer_client, relationship, upload(name, content, "application/octet-stream"), title=name
        )
        assert response.status_code == 302, Page(response).field_error("File")
        assert Document.objects.get(title=name).media_type == expected


def test_a_photograph_loses_where_it_was_taken_but_keeps_the_rest(officer_client, document_root):
    visit = make.VisitFactory()
    photo = jpeg_with_location()
    assert GPS_IFD in exif_of(photo)
    response = attach(
        officer_client, visit, upload("civic-reception.jpg", photo, "image/jpeg"), kind="Photograph"
    )
    assert response.status_code == 302
    [stored] = stored_files(document_root)
    kept = exif_of(stored.read_bytes())
    assert GPS_IFD not in kept
    assert kept[MAKE] == "Phone maker"
    assert Document.objects.get().size == stored.stat().st_size


def test_a_scanned_tiff_loses_where_it_was_made_from_its_exif_and_its_xmp(officer_client, document_root):
    scan = scan_with_location(xmp=XMP_WITH_LOCATION)
    assert b"GPSLatitude" in scan
    assert [frame["located"] for frame in frames_of(scan)] == [True]

    response = attach(officer_client, make.VisitFactory(), upload("itinerary.tif", scan), kind="Itinerary")

    assert response.status_code == 302
    [stored] = stored_files(document_root)
    assert b"GPSLatitude" not in stored.read_bytes()
    assert [frame["located"] for frame in frames_of(stored.read_bytes())] == [False]


def test_a_scan_of_several_pages_keeps_every_page_without_where_it_was_made(officer_client, document_root):
    scan = scan_with_location(pages=3)

    response = attach(officer_client, make.VisitFactory(), upload("agreement.tiff", scan), kind="Itinerary")

    assert response.status_code == 302
    [stored] = stored_files(document_root)
    kept = frames_of(stored.read_bytes())
    assert [frame["located"] for frame in frames_of(scan)] == [True, True, True]
    assert [frame["colour"] for frame in kept] == [frame["colour"] for frame in frames_of(scan)]
    assert [frame["located"] for frame in kept] == [False, False, False]


def test_an_animation_keeps_every_frame_and_its_timing_without_where_it_was_made(
    officer_client, document_root
):
    animation = animation_with_location(durations=(100, 200, 300))

    response = attach(
        officer_client, make.VisitFactory(), upload("welcome.webp", animation), kind="Photograph"
    )

    assert response.status_code == 302
    [stored] = stored_files(document_root)
    kept = frames_of(stored.read_bytes())
    assert [frame["duration"] for frame in kept] == [100, 200, 300]
    assert not any(frame["located"] for frame in kept)


def test_attaching_and_removing_show_in_the_records_history_and_removal_takes_the_file(
    officer_client, relationship, document_root, django_capture_on_commit_callbacks
):
    attach(officer_client, relationship, upload("memo.pdf", pdf_bytes()), title="Memorandum", kind="Letter")
    assert stored_files(document_root)
    page = record_page(officer_client, relationship)
    asked = asked_to_remove(officer_client, page, "Remove Memorandum")
    assert asked.root.find_all("h1")[0].text == "Remove the document “Memorandum”?"
    assert "Its file, memo.pdf, is deleted with it." in asked.text
    assert asked.link("No, keep it") == f"{relationship.get_absolute_url()}#documents"
    assert Document.objects.exists() and stored_files(document_root)  # asking removes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = press(officer_client, asked, "Yes, remove it")
    assert response.status_code == 302
    assert "“Memorandum” was removed." in Page(officer_client.get(response["Location"])).text
    assert not Document.objects.exists() and not stored_files(document_root)

    history = Page(officer_client.get(f"{relationship.get_absolute_url()}history/"))
    headings = [h.text for h in history.root.find_all("h2")]
    assert headings[0].startswith("Document removed by Olivia Officer")
    assert headings[1].startswith("Document attached by Olivia Officer")
    assert "Memorandum" in history.text and "memo.pdf" in history.text and "Letter" in history.text


def test_a_removal_by_someone_without_the_role_is_refused_and_keeps_the_file(
    officer_client, leader_client, relationship, document_root
):
    attach(officer_client, relationship, upload("memo.pdf", pdf_bytes()))
    document = Document.objects.get()
    response = leader_client.post(f"{relationship.get_absolute_url()}documents/{document.pk}/remove/")
    assert response.status_code == 403
    assert Document.objects.exists() and stored_files(document_root)


def test_finance_keeps_the_receipt_with_its_spend(finance_client, document_root):
    spend = make.SpendFactory()
    response = attach(
        finance_client, spend, upload("hotel.pdf", pdf_bytes("Hotel")), title="Hotel invoice", kind="Invoice"
    )
    assert response.status_code == 302
    assert Document.objects.get().record == spend


def test_an_approach_keeps_the_letter_received(officer_client, document_root):
    approach = make.ApproachFactory()
    response = attach(
        officer_client, approach, upload("hefei.pdf", pdf_bytes()), title="Letter from Hefei", kind="Letter"
    )
    assert response.status_code == 302
    assert Document.objects.get().record == approach


def test_an_approved_report_takes_no_new_papers(officer_client, document_root):
    from reports.models import ReportStatus

    draft = make.ReportFactory()
    assert (
        attach(officer_client, draft, upload("paper.pdf", pdf_bytes()), kind="Background paper").status_code
        == 302
    )
    approved = make.ReportFactory(status=ReportStatus.APPROVED)
    page = record_page(officer_client, approved)
    assert "Attach document" not in page.text
    response = officer_client.post(
        f"{approved.get_absolute_url()}documents/",
        {
            "document-title": "x",
            "document-kind": "appendix",
            "document-dated": "2016-01-01",
            "document-file": upload("x.pdf", pdf_bytes()),
        },
    )
    assert response.status_code == 302
    assert Document.objects.filter(record_id=approved.pk).count() == 0


def test_a_records_page_and_its_history_read_its_documents_in_a_fixed_number_of_queries(
    officer_client, document_root
):
    relationship = make.RelationshipFactory()
    record_type = ContentType.objects.get_for_model(relationship)
    people = [make.UserFactory() for _ in range(3)]

    def add_many() -> None:
        for number in range(6):
            Document.objects.create(
                record_type=record_type,
                record_id=relationship.pk,
                title=f"Letter {number}",
                kind="letter",
                dated=date(2016, 1, 1 + number),
                file_name="letter.pdf",
                stored_as=f"partners/relationship/{relationship.pk}/{number}.pdf",
                media_type="application/pdf",
                size=10,
                sha256="0" * 64,
                added_by=people[number % 3],
            )

    url = relationship.get_absolute_url()
    pages = assert_queries_do_not_grow(officer_client, {"page": url, "history": f"{url}history/"}, add_many)
    assert "Letter 5" in Page(pages["page"].decode()).section("Documents").text


# --- Viruses: a real ClamAV daemon ----------------------------------------------------------


@needs_clamd
def test_with_a_virus_scanner_the_eicar_file_is_refused_and_a_clean_file_kept(
    officer_client, relationship, document_root, settings, clamd
):
    settings.CLAMAV_URL = clamd
    response = attach(officer_client, relationship, upload("eicar.txt", EICAR, "text/plain"))
    assert response.status_code == 400
    assert "The virus scanner found something in this file" in Page(response).field_error("File")
    assert not Document.objects.exists() and not stored_files(document_root)
    assert attach(officer_client, relationship, upload("clean.pdf", pdf_bytes())).status_code == 302


def test_a_virus_scanner_that_cannot_be_reached_refuses_the_file_rather_than_skipping_the_scan(
    officer_client, relationship, document_root, settings, tmp_path
):
    settings.CLAMAV_URL = f"unix://{tmp_path / 'no-clamd.sock'}"
    response = attach(officer_client, relationship, upload("clean.pdf", pdf_bytes()))
    assert response.status_code == 400
    assert "could not be checked for viruses just now" in Page(response).field_error("File")
    assert not Document.objects.exists()


# --- Object storage: a real S3-compatible server -------------------------------------------


def test_documents_are_kept_in_and_read_back_from_s3_compatible_storage(
    officer_client, leader_client, relationship, s3_documents, django_capture_on_commit_callbacks
):
    content = pdf_bytes("Kept in a bucket")
    attach(officer_client, relationship, upload("agreement.pdf", content), title="Agreement")
    document = Document.objects.get()
    [key] = [item["Key"] for item in s3_documents.list_objects_v2(Bucket="twinning-documents")["Contents"]]
    assert key == document.stored_as
    assert s3_documents.get_object(Bucket="twinning-documents", Key=key)["Body"].read() == content

    download = leader_client.get(f"{relationship.get_absolute_url()}documents/{document.pk}/")
    assert b"".join(download.streaming_content) == content

    page = record_page(officer_client, relationship)
    assert "X-Amz" not in page.text and "twinning-documents" not in str(
        page.links()
    )  # no signed address to the bucket is ever handed out
    with django_capture_on_commit_callbacks(execute=True):
        remove(officer_client, page, "Remove Agreement")
    assert "Contents" not in s3_documents.list_objects_v2(Bucket="twinning-documents")


def test_documents_in_s3_compatible_storage_are_backed_up_and_restored(
    officer_client, relationship, s3_documents, tmp_path
):
    from core import backups

    content = pdf_bytes("Kept in a bucket and in the backup")
    attach(officer_client, relationship, upload("agreement.pdf", content), title="Agreement")
    key = Document.objects.get().stored_as
    backup = tmp_path / "twinning-sqlite-20261203T000000Z.sqlite3"
    assert backups.backup_documents(backups.documents_path(backup)) == 1

    s3_documents.delete_object(Bucket="twinning-documents", Key=key)
    assert backups.restore_documents(backup) == 1
    assert s3_documents.get_object(Bucket="twinning-documents", Key=key)["Body"].read() == content
