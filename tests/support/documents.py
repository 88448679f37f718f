"""What the document tests share: files of each kind, the form a person fills to attach one,
a documents storage of the test's own, a real ClamAV daemon and a real S3-compatible server."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.support.pages import Page, record_page

# The anti-virus test file every scanner knows (EICAR): harmless, and found by all of them.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_MD5 = "44d88612fea8a8f36de82e1278abb02f"

GPS_IFD, MAKE = 0x8825, 0x010F


def pdf_bytes(text: str = "Twinning agreement") -> bytes:
    """A small, well-formed PDF (one page)."""
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length " + str(len(body)).encode() + b" >>\nstream\n" + body + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def docx_bytes() -> bytes:
    """The parts of a Word document that say what it is."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="w"/>')
    return buffer.getvalue()


def jpeg_with_location(latitude: float = 52.2799, longitude: float = 8.0472) -> bytes:
    """A photograph as a phone takes it: its maker and where it was taken in its EXIF."""
    image = Image.new("RGB", (64, 48), (40, 90, 160))
    exif = Image.Exif()
    exif[MAKE] = "Phone maker"
    gps = exif.get_ifd(GPS_IFD)

    def dms(value: float) -> tuple[float, float, float]:
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        return (float(degrees), float(minutes), round(((value - degrees) * 60 - minutes) * 60, 2))

    gps.update({1: "N", 2: dms(latitude), 3: "E", 4: dms(longitude)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


# Where a photograph was taken, as an XMP packet says it (cameras and editors write one beside EXIF).
XMP_WITH_LOCATION = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="52,16.79N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def scan_with_location(pages: int = 1, **xmp: bytes) -> bytes:
    """A TIFF as a scanner or an editor saves it: ``pages`` pages, each a shade darker, 300 dpi,
    and where it was made in each page's EXIF; ``xmp=XMP_WITH_LOCATION`` adds the packet as well."""
    images = [Image.new("RGB", (40, 30), (200 - 60 * page, 120, 80)) for page in range(pages)]
    tags: dict[int, Any] = {MAKE: "Scanner maker", GPS_IFD: {1: "N", 2: (52.0, 16.0, 47.0)}}
    if xmp:
        tags[700] = xmp["xmp"]
    out = io.BytesIO()
    # Uncompressed: Pillow's own TIFF writer, which writes the GPS directory (libtiff's does not).
    images[0].save(out, "TIFF", save_all=True, append_images=images[1:], tiffinfo=tags, dpi=(300, 300))
    return out.getvalue()


def animation_with_location(durations: tuple[int, ...] = (100, 200, 300)) -> bytes:
    """An animated WebP, a frame for each of ``durations`` (ms), with a position in its EXIF."""
    frames = [Image.new("RGB", (20, 20), (80 * index, 40, 40)) for index in range(len(durations))]
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 16.0, 47.0)})
    out = io.BytesIO()
    frames[0].save(
        out, "WEBP", save_all=True, append_images=frames[1:], duration=list(durations), loop=0, exif=exif
    )
    return out.getvalue()


def frames_of(content: bytes) -> list[dict[str, Any]]:
    """Each page or frame of an image: whether its EXIF holds a position, its size and timing."""
    image = Image.open(io.BytesIO(content))
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        image.load()
        frames.append(
            {
                "located": GPS_IFD in image.getexif(),
                "size": image.size,
                "colour": image.convert("RGB").getpixel((0, 0)),
                "duration": image.info.get("duration"),
            }
        )
    return frames


def exif_of(content: bytes) -> Image.Exif:
    return Image.open(io.BytesIO(content)).getexif()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    """A file as a browser sends it; the type it claims is not believed."""
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- Attaching, as a person does -------------------------------------------------------------


def documents_form(page: Page) -> Page:
    """The "Attach a document" form of a record's page."""
    return page.form_posting_to(page.section("Documents").find_all("form")[-1].attrs["action"])


def attach(
    client: Client,
    record: Any,
    file: SimpleUploadedFile,
    *,
    title: str = "Signed agreement",
    kind: str = "",
    date: str = "2016-03-01",
) -> Any:
    """Fills the record page's "Attach a document" form by its labels and sends it with ``file``
    (the kind first offered unless ``kind`` names one)."""
    form = documents_form(record_page(client, record))
    data = form.fill(
        {
            "Document title": title,
            "Document date": date,
            "Kind of document": kind or form.options("Kind of document")[0],
        }
    )
    return client.post(form.root.attrs["action"], {**data, "document-file": file})


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


# --- A documents storage of the test's own ----------------------------------------------------


@pytest.fixture
def document_root(settings: Any, tmp_path: Path) -> Path:
    """Documents go to a folder of this test's, which it can look into."""
    root = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": None},
        },
    }
    yield root
    storages._storages.pop("documents", None)


# --- A real ClamAV daemon ----------------------------------------------------------------------

CLAMD = shutil.which("clamd") or ("/usr/sbin/clamd" if Path("/usr/sbin/clamd").exists() else None)
needs_clamd = pytest.mark.skipif(
    CLAMD is None, reason="ClamAV's daemon is not installed (apt: clamav-daemon)"
)


@pytest.fixture(scope="session")
def clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ClamAV daemon of the suite's own, on a local socket, knowing the EICAR test file by its
    hash (the signature databases are downloaded from the internet, which these machines lack)."""
    folder = tmp_path_factory.mktemp("clamd")
    database = folder / "db"
    database.mkdir()
    (database / "twinning-test.hdb").write_text(f"{EICAR_MD5}:{len(EICAR)}:Twinning.Test.EICAR\n")
    sock = folder / "clamd.sock"
    config = folder / "clamd.conf"
    config.write_text(
        f"LocalSocket {sock}\nDatabaseDirectory {database}\nForeground yes\nUser root\n"
        f"LogFile {folder / 'clamd.log'}\nPidFile {folder / 'clamd.pid'}\n"
    )
    process = subprocess.Popen(
        [CLAMD, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while not _answers(sock):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "clamd.log").read_text() if (folder / "clamd.log").exists() else ""
                raise RuntimeError(f"clamd did not start: {log[-2000:]}")
            time.sleep(0.2)
        yield f"unix://{sock}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(2)
            connection.connect(str(path))
            connection.sendall(b"zPING\0")
            return connection.recv(16).startswith(b"PONG")
    except OSError:
        return False


# --- A real S3-compatible server ----------------------------------------------------------------

BUCKET = "twinning-documents"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's stand-alone S3 server on a local port: the S3 API over HTTP, as MinIO or AWS speak it."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_documents(settings: Any, s3_endpoint: str) -> Iterator[Any]:
    """Documents go to a fresh bucket on the S3 server, through django-storages, as configured
    in production; yields an S3 client to look into the bucket."""
    import boto3

    credentials = {"aws_access_key_id": "twinning", "aws_secret_access_key": "twinning-secret"}
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-2", **credentials)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "eu-west-2",
                "access_key": credentials["aws_access_key_id"],
                "secret_key": credentials["aws_secret_access_key"],
                "default_acl": "private",
                "file_overwrite": False,
            },
        },
    }
    yield client
    storages._storages.pop("documents", None)
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)
