"""What an uploaded file must pass before the register keeps it.

- **Size**: at most ``settings.DOCUMENT_MAX_BYTES``.
- **Type, by content**: libmagic reads the file's first bytes and names its
  type; only the types in ``ALLOWED`` are kept (PDF, Office and OpenDocument
  files, images, plain text, e-mails). The name's extension must agree with
  what the content is, so a program renamed ``minutes.pdf`` is refused, and the
  type stored (and sent back on download) is the one the content showed.
- **Location data**: a photograph's EXIF GPS block and its XMP packet (which
  can repeat the location) are taken out; the picture itself is not
  re-compressed where the format allows (JPEG keeps its quantisation tables).
- **Viruses**: where ``settings.CLAMAV_URL`` names a ClamAV daemon, the whole
  file is streamed to it (``INSTREAM``) and refused if it finds anything, or
  if it cannot be asked: a scan that was configured is never skipped.

Each refusal is a :class:`FileRefused` whose message is said beside the field.
"""

from __future__ import annotations

import hashlib
import io
import socket
import struct
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO
from urllib.parse import urlsplit

import magic
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageSequence, UnidentifiedImageError

# Media type (as libmagic names it) -> what to call it, and the extensions a file of it may have.
ALLOWED: dict[str, tuple[str, tuple[str, ...]]] = {
    "application/pdf": ("PDF", (".pdf",)),
    "application/msword": ("Word document", (".doc", ".dot")),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("Word document", (".docx",)),
    "application/vnd.ms-excel": ("Excel spreadsheet", (".xls",)),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("Excel spreadsheet", (".xlsx",)),
    "application/vnd.ms-powerpoint": ("PowerPoint presentation", (".ppt",)),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "PowerPoint presentation",
        (".pptx",),
    ),
    "application/vnd.oasis.opendocument.text": ("OpenDocument text", (".odt",)),
    "application/vnd.oasis.opendocument.spreadsheet": ("OpenDocument spreadsheet", (".ods",)),
    "application/vnd.oasis.opendocument.presentation": ("OpenDocument presentation", (".odp",)),
    "application/vnd.ms-outlook": ("Outlook e-mail", (".msg",)),
    "message/rfc822": ("e-mail", (".eml",)),
    "image/jpeg": ("JPEG image", (".jpg", ".jpeg")),
    "image/png": ("PNG image", (".png",)),
    "image/gif": ("GIF image", (".gif",)),
    "image/webp": ("WebP image", (".webp",)),
    "image/tiff": ("TIFF image", (".tif", ".tiff")),
    "text/plain": ("plain text", (".txt", ".text", ".csv")),
}
# What libmagic may call an older Office file, by its extension: the compound file it is
# says no more than "CDFV2" when the document's own summary is missing.
COMPOUND_FILE_TYPES = {"application/x-ole-storage", "application/CDFV2", "application/vnd.ms-office"}
COMPOUND_BY_EXTENSION = {
    ".doc": "application/msword",
    ".dot": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".msg": "application/vnd.ms-outlook",
}
# libmagic reads a plain e-mail as text when its headers come in an unusual order, and a
# text file that starts like an e-mail as one: the extension says which it is kept as.
TEXT_TYPES = {"text/plain", "text/csv", "message/rfc822"}
TEXT_EXTENSIONS = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".csv": "text/plain",
    ".eml": "message/rfc822",
}
IMAGES_WITH_METADATA = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/tiff": "TIFF"}
GPS_IFD = 0x8825
XMP_TAG = 700  # a TIFF's XMP packet, which Pillow reads among its EXIF tags
# A scan's compression, kept when its location is taken out; any other becomes LZW (lossless).
TIFF_COMPRESSIONS_KEPT = {"raw", "tiff_lzw", "tiff_adobe_deflate", "packbits", "group3", "group4"}
SNIFF_BYTES = 64 * 1024
NAME_LENGTH = 200  # Document.file_name's length
CHUNK = 64 * 1024


class FileRefused(Exception):
    """Why the file was not kept, in words for the person who chose it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed: its bytes (location data taken out), type, name and fingerprint."""

    content: bytes
    media_type: str
    name: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def type_name(media_type: str) -> str:
    return ALLOWED.get(media_type, ("file", ()))[0]


def accepted_extensions() -> str:
    """For the file input's ``accept``: a hint to the browser, not a check."""
    return ",".join(sorted({extension for _, extensions in ALLOWED.values() for extension in extensions}))


def allowed_in_words() -> str:
    return "PDF, Word, Excel, PowerPoint, OpenDocument, images (JPEG, PNG, GIF, WebP, TIFF), plain text and e-mails (.eml, .msg)"


def check_upload(upload: IO[bytes], name: str) -> CheckedFile:
    """The upload's bytes once they pass every check above; FileRefused otherwise."""
    limit = settings.DOCUMENT_MAX_BYTES
    content = _read_at_most(upload, limit)
    if not content:
        raise FileRefused("The file is empty.")
    media_type = media_type_of(content, name)
    if media_type in IMAGES_WITH_METADATA:
        content = without_location(content, media_type)
    scan(content)
    return CheckedFile(
        content=content,
        media_type=media_type,
        name=_clean_name(name),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _read_at_most(upload: IO[bytes], limit: int) -> bytes:
    buffer = io.BytesIO()
    while chunk := upload.read(CHUNK):
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise FileRefused(f"The file is larger than {filesizeformat(limit)}, the most a document may be.")
    return buffer.getvalue()


def _clean_name(name: str) -> str:
    """The name as the person's computer gave it, without any folder, for the download; a
    name too long to keep loses the end of its stem, never its extension."""
    base = PurePath(name.replace("\\", "/")).name.strip() or "document"
    printable = "".join(ch for ch in base if ch.isprintable())
    if len(printable) <= NAME_LENGTH:
        return printable
    extension = PurePath(printable).suffix[: NAME_LENGTH // 2]
    return printable[: NAME_LENGTH - len(extension)].rstrip() + extension


def media_type_of(content: bytes, name: str) -> str:
    """The file's type by its content, if the register keeps that type and the name agrees."""
    found = magic.from_buffer(content[:SNIFF_BYTES], mime=True)
    extension = PurePath(name).suffix.lower()
    if found in COMPOUND_FILE_TYPES and extension in COMPOUND_BY_EXTENSION:
        found = COMPOUND_BY_EXTENSION[extension]
    if found in TEXT_TYPES and extension in TEXT_EXTENSIONS:
        found = TEXT_EXTENSIONS[extension]
    if found not in ALLOWED:
        raise FileRefused(
            f"This kind of file cannot be kept here ({found}). Documents may be {allowed_in_words()}."
        )
    what, extensions = ALLOWED[found]
    if extension not in extensions:
        named = f"“{extension}”" if extension else "no extension"
        raise FileRefused(
            f"The file is {_article(what)} {what} but its name has {named}. "
            f"Rename it to end in {' or '.join(extensions)}, or choose the file you meant."
        )
    return found


def _article(noun: str) -> str:
    return "an" if noun[0].lower() in "aeiou" else "a"


def without_location(content: bytes, media_type: str) -> bytes:
    """The image without its GPS position (EXIF) or XMP packet; the rest of its EXIF is kept,
    and so is every page of a scan and every frame of an animation."""
    try:
        image = Image.open(io.BytesIO(content))
        exif = image.getexif()
        has_gps = GPS_IFD in exif
        has_xmp = bool(image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or XMP_TAG in exif)
        if not (has_gps or has_xmp):
            return content
        exif.pop(GPS_IFD, None)
        exif.pop(XMP_TAG, None)
        options: dict[str, object] = {"exif": exif.tobytes(), "xmp": b""}
        if media_type == "image/jpeg":
            frames = [image]
            options.update(quality="keep", subsampling="keep", icc_profile=image.info.get("icc_profile"))
        else:
            frames = [_without_xmp(frame) for frame in ImageSequence.Iterator(image)]
            options.update(save_all=True, append_images=frames[1:], **_kept_as_it_was(frames, media_type))
        out = io.BytesIO()
        frames[0].save(out, format=IMAGES_WITH_METADATA[media_type], **options)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise FileRefused("The image could not be read: it may be damaged.") from error
    return out.getvalue()


def _without_xmp(frame: Image.Image) -> Image.Image:
    """A page or frame as plain pixels: none of the original file's tags come with it."""
    bare = frame.copy()
    bare.info.pop("xmp", None)
    bare.info.pop("XML:com.adobe.xmp", None)
    return bare


def _kept_as_it_was(frames: list[Image.Image], media_type: str) -> dict[str, object]:
    """What a rewritten image keeps of how it was stored: a scan's resolution and
    compression, an animation's timing."""
    info = frames[0].info
    if media_type == "image/tiff":
        compression = info.get("compression")
        return {
            "compression": compression if compression in TIFF_COMPRESSIONS_KEPT else "tiff_lzw",
            **({"dpi": info["dpi"]} if "dpi" in info else {}),
        }
    kept: dict[str, object] = {}
    if len(frames) > 1:
        kept.update(duration=[frame.info.get("duration", 100) for frame in frames], loop=info.get("loop", 0))
    if media_type == "image/webp":
        kept.update(lossless=info.get("lossless", False), quality=95)
    return kept


# --- ClamAV ----------------------------------------------------------------------------------


class ScanUnavailable(FileRefused):
    """The virus scanner was configured but could not be asked."""


def scan(content: bytes) -> None:
    """Streams the file to the ClamAV daemon named by CLAMAV_URL, if any; FileRefused if it finds
    a virus, ScanUnavailable if it cannot be reached or gives no clear answer."""
    url = settings.CLAMAV_URL
    if not url:
        return
    try:
        with _clamd_socket(url) as connection:
            connection.sendall(b"zINSTREAM\0")
            for start in range(0, len(content), CHUNK):
                chunk = content[start : start + CHUNK]
                connection.sendall(struct.pack("!L", len(chunk)) + chunk)
            connection.sendall(struct.pack("!L", 0))
            reply = _read_reply(connection)
    except OSError as error:
        raise ScanUnavailable(
            "The file could not be checked for viruses just now, so it was not kept. Try again in a few minutes."
        ) from error
    if reply.endswith("FOUND"):
        raise FileRefused("The virus scanner found something in this file, so it was not kept. Tell IT.")
    if not reply.endswith("OK"):
        raise ScanUnavailable(
            "The file could not be checked for viruses just now, so it was not kept. Try again in a few minutes."
        )


def _clamd_socket(url: str) -> socket.socket:
    parts = urlsplit(url)
    timeout = settings.CLAMAV_TIMEOUT
    if parts.scheme == "unix":
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(timeout)
        connection.connect(parts.path)
        return connection
    return socket.create_connection((parts.hostname or "localhost", parts.port or 3310), timeout=timeout)


def _read_reply(connection: socket.socket) -> str:
    reply = b""
    while not reply.endswith(b"\0"):
        chunk = connection.recv(4096)
        if not chunk:
            break
        reply += chunk
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()
