"""`forge verify https://…/<slug>/<version>/`: fetch a published release and the trust files two levels above it into
a folder, laid out as the marketplace is, so that forge.signing.release_check checks it exactly as a saved one.

Everything fetched is untrusted until checked: https only (no redirect is followed, so not to http either), no
credentials in the URL, each file within a size limit, read in bounded chunks, names from a fixed list only."""

from __future__ import annotations

import re
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO
from urllib.parse import quote, urlsplit, urlunsplit

from forge.errors import ForgeError
from forge.packaging.file_names import sbom_name, zip_name
from forge.publishing.release import MANIFEST, MANIFEST_SIG, PROVENANCE, SIGNING_KEY, STATEMENT, STATEMENT_SIG

# The largest file fetched (a plugin zip; the other files are kilobytes), and per request how long to wait.
MAX_FILE_BYTES = 64 * 1024 * 1024
TIMEOUT_SECONDS = 30
_CHUNK = 64 * 1024
# <slug>/<version>/ at the end of the path, optionally followed by the zip's name.
_RELEASE_PATH = re.compile(
    r"^(?P<root>.*/)?(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)/(?P<version>[0-9][0-9A-Za-z.+-]*)/?(?P<file>[^/]*)$"
)
TRUST_FILES = ("keys.json", "revocations.json", "revocations.json.sig")
# A release may lack these: the check says what that means (no SBOM, no provenance, NOT APPROVED).
OPTIONAL = ("SHA256SUMS", PROVENANCE, STATEMENT, STATEMENT_SIG)


class DownloadError(ForgeError):
    """The release could not be fetched (not a check failure: nothing was checked)."""


def is_url(target: str) -> bool:
    return "://" in target


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 3xx then surfaces as an HTTPError: a release URL is fetched where it is, or not at all


def _opener() -> urllib.request.OpenerDirector:
    # The system's trust store (and SSL_CERT_FILE), hostname checked: what a merchant's browser would accept.
    context = ssl.create_default_context()
    return urllib.request.build_opener(_NoRedirect(), urllib.request.HTTPSHandler(context=context))


def _read_bounded(response: IO[bytes], url: str) -> bytes:
    length = response.headers.get("Content-Length") if hasattr(response, "headers") else None
    if length and length.isdigit() and int(length) > MAX_FILE_BYTES:
        raise DownloadError(f"{url} is larger than {MAX_FILE_BYTES} bytes ({length}); not fetched")
    data = bytearray()
    while chunk := response.read(_CHUNK):
        data += chunk
        if len(data) > MAX_FILE_BYTES:
            raise DownloadError(f"{url} is larger than {MAX_FILE_BYTES} bytes; not fetched")
    return bytes(data)


def _fetch(opener: urllib.request.OpenerDirector, url: str, required: bool) -> bytes | None:
    try:
        with opener.open(url, timeout=TIMEOUT_SECONDS) as response:
            return _read_bounded(response, url)
    except urllib.error.HTTPError as exc:
        if exc.code in (403, 404) and not required:
            return None  # S3 behind CloudFront answers 403 for a key that does not exist
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise DownloadError(f"cannot fetch {url}: {exc.reason}") from None
    except (TimeoutError, ssl.SSLError, OSError) as exc:
        raise DownloadError(f"cannot fetch {url}: {exc}") from None


def download_release(url: str, into: Path) -> Path:
    """Fetch the release at `url` (its folder, or its zip) into `into`/<slug>/<version>/ and the trust files into
    `into`; returns the release folder."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise DownloadError(f"a release URL must be https://…, got {url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise DownloadError("a release URL must not carry credentials, a query or a fragment")
    match = _RELEASE_PATH.match(parts.path)
    if match is None:
        raise DownloadError(f"a release URL ends with <slug>/<version>/ (or the zip in it), got {parts.path!r}")
    slug, version, root = match["slug"], match["version"], match["root"] or "/"

    def at(path: str) -> str:
        return urlunsplit((parts.scheme, parts.netloc, quote(path), "", ""))

    folder = into / slug / version
    folder.mkdir(parents=True)
    opener = _opener()
    release = f"{root}{slug}/{version}/"
    names = [zip_name(slug, version), MANIFEST, MANIFEST_SIG, SIGNING_KEY, sbom_name(slug, version)]
    for name in [*names, *OPTIONAL]:
        data = _fetch(opener, at(release + name), required=name in names[:4])
        if data is not None:
            (folder / name).write_bytes(data)
    for name in TRUST_FILES:
        data = _fetch(opener, at(root + name), required=False)
        if data is not None:
            (into / name).write_bytes(data)
    return folder
