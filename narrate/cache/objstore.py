"""Where the shared cache lives: a remote cache URL turned into an obstore object store.

obstore (Python bindings of the Rust `object_store` crate, as used by Apache Arrow and DataFusion)
gives S3, Google Cloud Storage, Azure Blob and local folders one API, with each cloud's own
credential chain and proxy settings. URLs:

- `s3://bucket/prefix`: AWS S3 or a compatible store (MinIO, R2, Ceph). Credentials from the AWS
  chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, web identity (IRSA:
  AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN), ECS container credentials, EC2 instance roles
  (IMDSv2); with AWS_PROFILE set, the profile (through boto3 when it is installed, which also
  covers SSO and assume-role profiles; else the profile's static keys in the shared credentials
  file). Endpoint from NARRATE_S3_ENDPOINT, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (path-style
  addressing), else AWS's regional endpoint.
- `gs://bucket/prefix`: Google Cloud Storage; credentials from GOOGLE_APPLICATION_CREDENTIALS /
  GOOGLE_SERVICE_ACCOUNT, else the instance's metadata server.
- `az://container/prefix`: Azure Blob; account from AZURE_STORAGE_ACCOUNT_NAME, key, SAS or
  Entra ID from the AZURE_* environment; AZURE_STORAGE_USE_EMULATOR=true (with
  AZURITE_BLOB_STORAGE_URL) for Azurite.
- `file:///absolute/folder`: a folder (an NFS or SMB share, or a test). It must exist: narrate
  never creates it (an unmounted share must not silently become a local folder).

Proxies: HTTPS_PROXY / HTTP_PROXY / NO_PROXY are passed to the client explicitly (`proxy_options`).
"""

from __future__ import annotations

import configparser
import os
import re
import stat
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import RemoteCacheError, UsageError

SCHEMES = ("s3", "gs", "az", "file")
URL_FORMS = "s3://bucket/prefix, gs://bucket/prefix, az://container/prefix or file:///folder"
CREDENTIALS_HINT = ("credentials never go in the URL: use the store's environment (AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_*)")
ENDPOINT_VARS = ("NARRATE_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
_OS_ERROR_RE = re.compile(r"\(os error (\d+)\)")


_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
MASK = "***"


def shown_url(url: str) -> str:
    """`url` fit for a message, a warning or a report: credentials masked as `***`.

    Everything between `scheme://` and the URL's last `@` is user info (an S3 secret may hold a `/`,
    so the host's end is not where the secret ends), and a query or fragment may carry a token
    (`?token=`, a SAS signature): both are masked whole, never parsed."""
    text = str(url)
    scheme = _SCHEME_RE.match(text)
    start = scheme.end() if scheme else 0
    at = text.rfind("@")
    if at >= start and (scheme or at > 0):
        text = text[:start] + MASK + text[at:]
    cut = min((i for i in (text.find("?"), text.find("#")) if i >= 0), default=-1)
    return text if cut < 0 else text[:cut + 1] + MASK


def parse_url(url: str) -> tuple[str, str, str]:
    """(scheme, bucket or container, prefix) of a remote cache URL; for file:// the bucket is ''
    and the prefix the folder's absolute path. Raises UsageError naming the accepted forms."""
    parts = urlsplit(url)
    folder = parts.scheme == "file" and not parts.netloc and parts.path.startswith("/")
    # No "@" anywhere and no ":" in the bucket: user info (key:secret@) never reaches a request, even
    # when a "/" in the secret makes urlsplit take part of it for the bucket and the rest for a prefix.
    bucket = parts.scheme in SCHEMES[:3] and bool(parts.netloc) and "@" not in url and ":" not in parts.netloc
    # No whitespace, as in the manifest's schema: S3 listings of a prefix with a space fail their
    # signature (object_store sends it as '+', apache/arrow-rs-object-store#223).
    if not (folder or bucket) or parts.query or parts.fragment or any(c in url for c in "?# \t\n\r"):
        raise UsageError(f"remote cache URL must look like {URL_FORMS}, not {shown_url(url)!r}",
                         hint=CREDENTIALS_HINT if shown_url(url) != url else None)
    if parts.scheme == "file":
        return "file", "", unquote(parts.path)
    return parts.scheme, parts.netloc, parts.path.strip("/")


def s3_endpoint(explicit: str | None = None) -> str | None:
    """The custom S3 endpoint (MinIO, R2, moto...), or None for AWS. Raises UsageError if not http(s)."""
    endpoint = explicit or next((os.environ[v] for v in ENDPOINT_VARS if os.environ.get(v)), None)
    if endpoint and urlsplit(endpoint).scheme not in ("http", "https"):
        raise UsageError(f"S3 endpoint must be an http(s) URL, not {shown_url(endpoint)!r}")
    return endpoint.rstrip("/") if endpoint else None


def proxy_options(target: str) -> dict[str, str]:
    """obstore client options for the proxy the environment names for `target` (an http(s) URL):
    HTTPS_PROXY for https, HTTP_PROXY for http (upper or lower case), NO_PROXY as exclusions."""
    scheme = urlsplit(target).scheme or "https"
    names = (("HTTPS_PROXY", "https_proxy") if scheme == "https" else ("HTTP_PROXY", "http_proxy")) \
        + ("ALL_PROXY", "all_proxy")
    proxy = next((os.environ[n] for n in names if os.environ.get(n)), None)
    if not proxy:
        return {}
    options = {"proxy_url": proxy}
    excludes = next((os.environ[n] for n in ("NO_PROXY", "no_proxy") if os.environ.get(n)), None)
    if excludes:
        options["proxy_excludes"] = excludes
    return options


def profile_credentials() -> tuple[dict[str, str], Any]:
    """Static keys (S3 config entries) or a credential provider for AWS_PROFILE, when it is set and
    no keys are in the environment: ({}, None) otherwise. boto3 resolves any profile kind when it is
    installed; without it, the profile's aws_access_key_id/aws_secret_access_key/aws_session_token
    are read from AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials).
    Raises UsageError if the profile has no keys there."""
    profile = os.environ.get("AWS_PROFILE")
    if not profile or os.environ.get("AWS_ACCESS_KEY_ID"):
        return {}, None
    try:
        import boto3
        from obstore.auth.boto3 import Boto3CredentialProvider
    except ImportError:
        pass
    else:
        return {}, Boto3CredentialProvider(boto3.Session(profile_name=profile))
    path = Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or Path.home() / ".aws" / "credentials")
    parser = configparser.ConfigParser()
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, configparser.Error):
        parser.clear()
    if not parser.has_option(profile, "aws_access_key_id") or not parser.has_option(profile, "aws_secret_access_key"):
        raise UsageError(f"AWS_PROFILE={profile}: no aws_access_key_id and aws_secret_access_key for it in {path} "
                         "(install boto3 for SSO or assume-role profiles)")
    config = {"access_key_id": parser.get(profile, "aws_access_key_id"),
              "secret_access_key": parser.get(profile, "aws_secret_access_key")}
    if parser.has_option(profile, "aws_session_token"):
        config["token"] = parser.get(profile, "aws_session_token")
    return config, None


def os_reason(exc: BaseException) -> str | None:
    """The OS's words for a failed file operation (an OSError, or object_store's `(os error N)`)."""
    if isinstance(exc, OSError) and exc.errno:
        return os.strerror(exc.errno)
    found = _OS_ERROR_RE.search(str(exc))
    return os.strerror(int(found.group(1))) if found else None


def local_store(url: str, folder: Path) -> Any:
    """A store on the existing folder of a file:// remote. The folder is never created: a share that
    is not mounted would silently become a local folder that nobody else sees. Raises RemoteCacheError
    (naming the URL and the cause) if it is missing, not a folder, or cannot be opened."""
    from obstore.store import LocalStore

    try:
        mode = folder.stat().st_mode
    except FileNotFoundError:
        raise RemoteCacheError(url, "the folder does not exist (create it first: narrate never creates a "
                                    "remote cache folder, so that a share that is not mounted is not taken "
                                    "for an empty one)") from None
    except OSError as exc:
        raise RemoteCacheError(url, f"cannot open the folder: {os_reason(exc)}") from None
    if not stat.S_ISDIR(mode):
        raise RemoteCacheError(url, "not a folder")
    try:
        return LocalStore(folder)
    except Exception as exc:  # obstore's GenericError: the folder vanished or cannot be resolved
        raise RemoteCacheError(url, f"cannot open the folder: {os_reason(exc) or type(exc).__name__}") from None


def refuse_own_folder(url: str, folders: Iterable[tuple[str, Path]]) -> None:
    """Raise UsageError if `url` is a file:// remote at or inside one of `folders` ((what, path): the
    local cache, the output folders): its objects would be written among narrate's own files, which
    a prune, a verify --drop or an output clean-up then deletes or overwrites. Links are followed."""
    if not url.startswith("file:"):
        return
    scheme, _, prefix = parse_url(url)
    remote = Path(os.path.realpath(prefix))
    for what, folder in folders:
        own = Path(os.path.realpath(folder))
        if remote == own or own in remote.parents:
            where = "is" if remote == own else "is inside"
            raise UsageError(f"remote cache {shown_url(url)} {where} {what} ({own}): narrate would write its "
                             "shared entries among its own files and delete or overwrite them",
                             hint="give the shared cache a folder of its own")


def open_store(url: str, *, read_timeout_s: float, connect_timeout_s: float, endpoint: str | None = None,
               region: str | None = None, config: dict[str, str] | None = None) -> tuple[Any, str, str]:
    """(obstore store, prefix inside it, description without secrets) for a remote cache URL.

    Each request is bounded by `read_timeout_s` without data and `connect_timeout_s` to connect;
    obstore's own retries are off: narrate's policy and circuit breaker (remote.py) decide.
    `config` adds store settings (tests pass keys here). Raises UsageError for a bad URL or endpoint,
    RemoteCacheError for a file:// folder that is missing, not a folder, or cannot be opened.
    """
    from obstore.store import AzureStore, GCSStore, S3Store

    scheme, bucket, prefix = parse_url(url)
    read = timedelta(seconds=read_timeout_s)
    # `timeout` bounds a whole request: a large entry on a slow link still fits in ten silences.
    client: Any = {"connect_timeout": timedelta(seconds=min(connect_timeout_s, read_timeout_s)),
                              "read_timeout": read, "timeout": read * 10}
    retry: Any = {"max_retries": 0, "retry_timeout": read * 2}
    extra: Any = dict(config or {})
    if scheme == "file":
        folder = Path(prefix)
        if not folder.is_absolute():
            raise UsageError(f"remote cache URL must look like {URL_FORMS}, not {shown_url(url)!r}")
        return local_store(shown_url(url), folder), "", f"file://{folder}"
    if scheme == "s3":
        s3_url = s3_endpoint(endpoint)
        region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        target = s3_url or f"https://s3.{region}.amazonaws.com"
        client |= proxy_options(target)
        if s3_url:
            extra |= {"endpoint": s3_url, "virtual_hosted_style_request": False}
            client["allow_http"] = s3_url.startswith("http://")
        keys, provider = ({}, None) if "access_key_id" in extra else profile_credentials()
        settings: Any = {"region": region, **keys, **extra}
        store = S3Store(bucket, config=settings, client_options=client,
                        retry_config=retry, credential_provider=provider)
        return store, prefix, f"s3://{bucket} at {shown_url(target)}"
    if scheme == "gs":
        client |= proxy_options("https://storage.googleapis.com")
        return GCSStore(bucket, config=extra or None, client_options=client, retry_config=retry), prefix, \
            f"gs://{bucket}"
    emulator = os.environ.get("AZURE_STORAGE_USE_EMULATOR", "").lower() in ("1", "true")
    target = os.environ.get("AZURITE_BLOB_STORAGE_URL", "http://127.0.0.1:10000") if emulator \
        else "https://blob.core.windows.net"
    client |= proxy_options(target)
    client["allow_http"] = target.startswith("http://")
    return AzureStore(bucket, config=extra or None, client_options=client, retry_config=retry), prefix, \
        f"az://{bucket}"
