"""A report's PDF fetches nothing: an image or stylesheet its HTML references
is skipped, and the PDF is still made, from a real render."""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from reports.models import Report
from reports.rendering import render_pdf, report_html
from tests.factories import ParagraphFactory, ReportFactory

pytestmark = pytest.mark.django_db

# A 1×1 PNG, so that a file: URL points at an image WeasyPrint could really draw.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


class Listener:
    """A local server that counts the connections made to it and answers none."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()
        self.server.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.stop()


def images_in(content: bytes) -> int:
    reader = PdfReader(BytesIO(content))
    return sum(len(page.images) for page in reader.pages)


def report_referencing(html_inside_main: str) -> str:
    report = ReportFactory(title="Options for a link with Hefei")
    ParagraphFactory(report=report, section=1, text="Hefei has approached the council.")
    report = Report.objects.prefetch_related("paragraphs", "sign_offs").get(pk=report.pk)
    return report_html(report).replace("</main>", f"{html_inside_main}</main>")


def test_an_image_on_the_network_is_skipped_and_the_pdf_still_made(listener):
    html = report_referencing(
        f'<img src="http://127.0.0.1:{listener.port}/logo.png" alt="Council logo">'
        f'<p style="background: url(http://127.0.0.1:{listener.port}/b.png)">After the image.</p>'
    )

    pdf = render_pdf(html)

    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    assert "Options for a link with Hefei" in text
    assert "After the image." in text
    assert images_in(pdf.content) == 0
    assert listener.connections == 0, "the renderer reached out to the network"


def test_a_local_file_is_not_read(tmp_path: Path):
    image = tmp_path / "logo.png"
    image.write_bytes(PNG)
    pdf = render_pdf(
        report_referencing(f'<img src="{image.as_uri()}" alt="Council logo"><p>After the file.</p>')
    )

    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    assert "After the file." in text
    assert images_in(pdf.content) == 0


def test_images_in_sees_an_image_weasyprint_did_draw(tmp_path: Path):
    """The check above can fail: the same file, fetched by WeasyPrint's own fetcher, is drawn."""
    from weasyprint import HTML

    image = tmp_path / "logo.png"
    image.write_bytes(PNG)

    content = HTML(string=f'<p>Logo</p><img src="{image.as_uri()}" alt="Council logo">').write_pdf()

    assert images_in(content) == 1
