"""What an HTTP error says to whoever reads it, in Bahasa Indonesia first and then English.

Werkzeug describes the errors it raises (no such address, a method the address does not take,
an unreadable request) in English; the API answers each with an Indonesian sentence before it,
like its own refusals ("Kalimat Indonesia. / English sentence.").
"""

from __future__ import annotations

from flask import current_app
from werkzeug.exceptions import HTTPException

# Werkzeug's errors by status, as the Indonesian half says them.
_INDONESIAN = {
    400: "Permintaan tidak dapat dipahami oleh server.",
    401: "Anda belum masuk.",
    403: "Anda tidak berhak membuka alamat ini.",
    404: "Alamat yang diminta tidak ada di server ini.",
    405: "Alamat ini tidak menerima metode permintaan tersebut.",
    406: "Server tidak dapat menjawab dalam format yang diminta.",
    409: "Permintaan bertentangan dengan keadaan saat ini.",
    415: "Jenis isi permintaan tidak didukung.",
    429: "Terlalu banyak permintaan; coba lagi nanti.",
    500: "Terjadi kesalahan di server.",
    503: "Layanan sementara tidak tersedia.",
}


def http_refusal(exc: HTTPException) -> str:
    """The message of an HTTP error: Werkzeug's description, the Indonesian sentence first."""
    status = exc.code or 500
    if status == 413:  # Werkzeug's text does not say the limit
        limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // 1024
        return (
            f"Isi permintaan paling besar {limit} KiB. / "
            f"The request body must be at most {limit} KiB."
        )
    description = exc.description or f"{exc.name}."
    if " / " in description:  # raised by our own code, already in both languages
        return description
    return f"{_INDONESIAN.get(status, 'Permintaan ditolak.')} / {description}"
