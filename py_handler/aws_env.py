"""Where DynamoDB is and which credentials sign for it, read from the environment as botocore
would read it, so that the direct client (py_handler.direct) goes where boto3 would go without
importing botocore at cold start. botocore is imported only for its credential chain, when the
environment does not carry the Lambda credential variables.

The endpoint follows botocore's DynamoDB endpoint rule set (data/dynamodb/2012-08-10) and its
partitions (data/partitions.json), as of botocore 1.43.11: the URL botocore sends requests to,
which for GovCloud with FIPS is not the `client.meta.endpoint_url` its legacy resolver shows.
tests/handler/test_aws_env.py checks both against the installed botocore.

Region: `AWS_REGION`, then `AWS_DEFAULT_REGION`. botocore reads only `AWS_DEFAULT_REGION`, so two
that disagree are `Unsupported` (boto3 then picks): Lambda sets both to the same value.

`Unsupported`, for the handler to use boto3 instead; each changes where or how botocore sends a
request, or whether it reads a file this module does not:
- `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` (any case, non-empty): botocore sends through the
  proxy its URL's scheme names (`urllib.request.getproxies`; it ignores ALL_PROXY, but a proxy
  was asked for); `NO_PROXY` is not weighed.
- `AWS_PROFILE`, `AWS_DEFAULT_PROFILE` (set): a profile can carry the region, an endpoint URL, FIPS
  and retry settings.
- `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, naming a file that exists and is not empty:
  the same settings (botocore merges the credentials file's profiles into the config). One that
  names a missing or empty file is served: botocore reads nothing from it.
- `AWS_DATA_PATH` (non-empty): botocore's data, endpoint rules and partitions included, can be
  replaced from there.
- `AWS_USE_DUALSTACK_ENDPOINT` (true), and a configured endpoint URL equal to the region's
  dual-stack endpoint (botocore refuses it).
- `AWS_RETRY_MODE` (set, not `standard`), `AWS_MAX_ATTEMPTS` (set), `AWS_NEW_RETRIES_2026` (true:
  botocore's next retry rules), `AWS_DEFAULTS_MODE` (set, not `legacy`: other modes change the
  connect timeout and the retry mode).
- `AWS_ENDPOINT_DISCOVERY_ENABLED` (true, or a value botocore refuses): requests then go to the
  endpoints DynamoDB's DescribeEndpoints names.
- `AWS_ACCOUNT_ID_ENDPOINT_MODE`: `required` when the account ID is not in the environment, or a
  value botocore refuses. Account endpoints themselves are served: see below.
- `BOTOCORE_TCP_KEEPALIVE` (true): a socket option. `BOTOCORE_EXPERIMENTAL__PLUGINS` (non-empty,
  not `DISABLED`): plugins can change anything.
- `AWS_CA_BUNDLE` (or, without it, `REQUESTS_CA_BUNDLE`) set but empty: botocore then skips
  certificate verification.
- No region, a region botocore refuses, a malformed endpoint URL (not http or https, no valid
  host, a query, a fragment, user info, spaces or control characters), FIPS with region `local`,
  an account ID that is not a host label.

Served as botocore does: `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL` (empty ones skipped),
`AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`, `AWS_USE_FIPS_ENDPOINT` (ignored beside an endpoint URL),
`AWS_CA_BUNDLE` (else `REQUESTS_CA_BUNDLE`), and `AWS_ACCOUNT_ID` with environment credentials:
botocore then sends to `https://{account}.ddb.{region}.amazonaws.com` (aws partition, no FIPS).
Not weighed, as they change neither the endpoint nor the transport of DynamoDB calls:
`AWS_SDK_UA_APP_ID` (user agent), `AWS_CSM_*` (metrics sent elsewhere), checksum, compression,
host prefix, auth scheme and SigV4a settings (no DynamoDB operation uses them), STS and S3 ones,
and the credential chain's own (IMDS, container, web identity: botocore reads those itself).
Not reproduced: the default `~/.aws/config` and `~/.aws/credentials` (read by botocore when the
variables above are unset; absent in Lambda) and `~/.aws/models`; an account ID that only the
credential chain knows (botocore would use the account endpoint, this module the regional one:
both serve the same tables); a table named by ARN (botocore routes it to its account endpoint).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from botocore.credentials import Credentials as BotocoreCredentials


class Unsupported(Exception):
    """A configuration the direct client does not serve; str(exc) names the variable (never its
    value, which may be a secret or land in a log)."""


class Endpoint(NamedTuple):
    """Where to send DynamoDB requests, and the region to sign them for."""

    url: str  # as resolved, e.g. "https://dynamodb.us-east-1.amazonaws.com" or a configured URL
    scheme: str  # "http" | "https"
    host: str  # hostname, lower case, no brackets
    port: int  # explicit, else 443 / 80
    path: str  # "" or the URL's path without trailing "/" (requests go to path + "/")
    region: str  # the signing region: the region, except us-east-1 for region "local"
    ca_bundle: str | None  # AWS_CA_BUNDLE, else REQUESTS_CA_BUNDLE

    @property
    def host_header(self) -> str:
        """The Host header as botocore signs it: brackets around IPv6, the port unless default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


class Credentials(Protocol):
    def frozen(self) -> tuple[str, str, str | None]:
        """Access key, secret key, session token: current, refreshed before they expire."""
        ...

    def refresh(self) -> None:
        """Fetch new ones now (DynamoDB answered ExpiredToken or UnrecognizedClientException)."""
        ...


class _Partition(NamedTuple):
    name: str
    regex: str  # regionRegex
    dns_suffix: str
    dual_stack_suffix: str
    listed: tuple[str, ...]  # the region names it lists outside its regex


# botocore's partitions.json (version 1.1), in its order: the first match wins, no match is aws.
# All of them support FIPS.
_PARTITIONS = (
    _Partition(
        "aws",
        r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$",
        "amazonaws.com",
        "api.aws",
        ("aws-global",),
    ),
    _Partition(
        "aws-cn",
        r"^cn\-\w+\-\d+$",
        "amazonaws.com.cn",
        "api.amazonwebservices.com.cn",
        ("aws-cn-global",),
    ),
    _Partition(
        "aws-eusc", r"^eusc\-(de)\-\w+\-\d+$", "amazonaws.eu", "api.amazonwebservices.eu", ()
    ),
    _Partition(
        "aws-iso", r"^us\-iso\-\w+\-\d+$", "c2s.ic.gov", "api.aws.ic.gov", ("aws-iso-global",)
    ),
    _Partition(
        "aws-iso-b",
        r"^us\-isob\-\w+\-\d+$",
        "sc2s.sgov.gov",
        "api.aws.scloud",
        ("aws-iso-b-global",),
    ),
    _Partition(
        "aws-iso-e",
        r"^eu\-isoe\-\w+\-\d+$",
        "cloud.adc-e.uk",
        "api.cloud-aws.adc-e.uk",
        ("aws-iso-e-global",),
    ),
    _Partition(
        "aws-iso-f",
        r"^us\-isof\-\w+\-\d+$",
        "csp.hci.ic.gov",
        "api.aws.hci.ic.gov",
        ("aws-iso-f-global",),
    ),
    _Partition(
        "aws-us-gov", r"^us\-gov\-\w+\-\d+$", "amazonaws.com", "api.aws", ("aws-us-gov-global",)
    ),
)
# botocore.utils.validate_region_name (whole string: botocore's `$` would let a newline through,
# and the endpoint URL built from it would then be refused)
_REGION = r"(?![0-9]+$)(?!-)[a-zA-Z0-9-]{,63}(?<!-)"
# The rule set's isValidHostLabel, and botocore.utils.is_valid_endpoint_url's host names
_HOST_LABEL = r"(?!-)[a-zA-Z\d-]{1,63}(?<!-)"
_HOSTNAME = r"((?!-)[A-Z\d-]{1,63}(?<!-)\.)*((?!-)[A-Z\d-]{1,63}(?<!-))"
_PROXIES = ("https_proxy", "http_proxy", "all_proxy")  # in any case, as urllib reads them
_ENDPOINT_URLS = ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL")
_ACCOUNT_ID_ENDPOINT_MODES = ("preferred", "disabled", "required")
_CONTAINER_URIS = ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")


def _true(value: str | None) -> bool:
    """botocore.utils.ensure_boolean: only "true", in any case."""
    return value is not None and value.lower() == "true"


def _nonempty_file(path: str) -> bool:
    """Whether botocore would read settings from this file: it expands the path as below and
    skips a missing one (an empty one holds nothing)."""
    path = os.path.expanduser(os.path.expandvars(path))
    try:
        return os.path.isfile(path) and os.path.getsize(path) > 0
    except OSError:
        return False


def unsupported(env: Mapping[str, str] = os.environ) -> str | None:
    """The first setting in `env` that the direct client does not serve (see the module's
    docstring), named with why; None when there is none."""
    for name, value in env.items():
        if value and name.lower() in _PROXIES:
            return f"{name} (requests through a proxy)"
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        if name in env:
            return f"{name} (a profile's settings)"
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        path = env.get(name)
        if path and _nonempty_file(path):
            return f"{name} (a file of settings)"
    if env.get("AWS_DATA_PATH"):
        return "AWS_DATA_PATH (botocore data, endpoint rules included, from elsewhere)"
    if _true(env.get("AWS_USE_DUALSTACK_ENDPOINT")):
        return "AWS_USE_DUALSTACK_ENDPOINT (dual-stack endpoints)"
    if env.get("AWS_RETRY_MODE", "standard") != "standard":
        return "AWS_RETRY_MODE (another retry mode than the direct client's)"
    if "AWS_MAX_ATTEMPTS" in env:
        return "AWS_MAX_ATTEMPTS (a retry limit of its own)"
    if _true(env.get("AWS_NEW_RETRIES_2026")):
        return "AWS_NEW_RETRIES_2026 (botocore's next retry rules)"
    if env.get("AWS_DEFAULTS_MODE", "legacy").lower() != "legacy":
        return "AWS_DEFAULTS_MODE (smart defaults: timeouts and retries of their own)"
    discovery = env.get("AWS_ENDPOINT_DISCOVERY_ENABLED", "auto").strip().lower()
    if discovery not in ("auto", "false"):
        return "AWS_ENDPOINT_DISCOVERY_ENABLED (endpoints that DynamoDB names)"
    mode = env.get("AWS_ACCOUNT_ID_ENDPOINT_MODE", "preferred").lower()
    if mode not in _ACCOUNT_ID_ENDPOINT_MODES:
        return "AWS_ACCOUNT_ID_ENDPOINT_MODE (a value botocore refuses)"
    if _true(env.get("BOTOCORE_TCP_KEEPALIVE")):
        return "BOTOCORE_TCP_KEEPALIVE (a socket option)"
    if env.get("BOTOCORE_EXPERIMENTAL__PLUGINS", "DISABLED") not in ("", "DISABLED"):
        return "BOTOCORE_EXPERIMENTAL__PLUGINS (botocore plugins)"
    for name in ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE"):
        if name in env:
            if not env[name]:
                return f"{name} empty (botocore then skips certificate checks)"
            break
    return None


def endpoint(env: Mapping[str, str] = os.environ) -> Endpoint:
    """DynamoDB's endpoint as botocore resolves it from `env`; `Unsupported` for what only
    botocore serves (the handler then uses boto3)."""
    reason = unsupported(env)
    if reason is not None:
        raise Unsupported(reason)
    region = _region(env)
    ca_bundle = env.get("AWS_CA_BUNDLE", env.get("REQUESTS_CA_BUNDLE"))
    dual_stack_suffix = _partition(region).dual_stack_suffix
    if not _true(env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")):
        for name in _ENDPOINT_URLS:
            url = env.get(name)
            if url:  # botocore skips an empty one
                if url == f"https://dynamodb.{region}.{dual_stack_suffix}":
                    raise Unsupported(f"{name} (the region's dual-stack endpoint)")
                return _parse(url, name, region, ca_bundle)
    url, signing_region = _resolve(env, region)
    return _parse(url, "AWS_REGION", signing_region, ca_bundle)


def _region(env: Mapping[str, str]) -> str:
    """The region: AWS_REGION, then AWS_DEFAULT_REGION, valid and not contradicted."""
    region, default = env.get("AWS_REGION"), env.get("AWS_DEFAULT_REGION")
    if region and default and region != default:
        raise Unsupported(
            "AWS_REGION and AWS_DEFAULT_REGION differ (botocore reads AWS_DEFAULT_REGION only)"
        )
    name = "AWS_REGION" if region else "AWS_DEFAULT_REGION"
    found = region or default
    if not found:
        raise Unsupported("no region: set AWS_REGION")
    if not re.fullmatch(_REGION, found):
        raise Unsupported(f"{name} (not a valid region name)")
    return found


def _partition(region: str) -> _Partition:
    """The rule set's aws.partition (botocore's EndpointProvider.aws_partition)."""
    for partition in _PARTITIONS:
        if region in partition.listed or re.match(partition.regex, region):
            return partition
    return _PARTITIONS[0]


def _resolve(env: Mapping[str, str], region: str) -> tuple[str, str]:
    """botocore's DynamoDB endpoint rule set, without an endpoint URL and without dual-stack:
    the URL and the signing region."""
    fips = _true(env.get("AWS_USE_FIPS_ENDPOINT"))
    partition = _partition(region)
    dns_suffix = partition.dns_suffix
    if region == "local":
        if fips:
            raise Unsupported("AWS_USE_FIPS_ENDPOINT (FIPS with the local region)")
        return "http://localhost:8000", "us-east-1"
    mode = env.get("AWS_ACCOUNT_ID_ENDPOINT_MODE", "preferred").lower()
    if fips:
        if mode == "required":
            raise Unsupported("AWS_ACCOUNT_ID_ENDPOINT_MODE (required, with FIPS)")
        if partition.name == "aws-us-gov":  # GovCloud's regional endpoints are its FIPS ones
            return f"https://dynamodb.{region}.{dns_suffix}", region
        return f"https://dynamodb-fips.{region}.{dns_suffix}", region
    # botocore's environment credentials carry AWS_ACCOUNT_ID; its other sources are not read
    account = env.get("AWS_ACCOUNT_ID") if env.get("AWS_ACCESS_KEY_ID") else None
    if account and mode != "disabled" and partition.name == "aws":
        if not re.fullmatch(_HOST_LABEL, account):
            raise Unsupported("AWS_ACCOUNT_ID (not a valid host label)")
        return f"https://{account}.ddb.{region}.{dns_suffix}", region
    if mode == "required":
        raise Unsupported(
            "AWS_ACCOUNT_ID_ENDPOINT_MODE (required, and no account endpoint applies)"
        )
    return f"https://dynamodb.{region}.{dns_suffix}", region


def _parse(url: str, name: str, region: str, ca_bundle: str | None) -> Endpoint:
    """An Endpoint from a URL botocore would accept and http.client can reach."""
    malformed = Unsupported(f"{name} (a malformed endpoint URL)")
    if not url.isascii() or any(c <= " " or c == "\x7f" for c in url):
        raise malformed
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a bad port, or brackets around something else than an IPv6 address
        raise malformed from None
    host = parts.hostname
    if (
        parts.scheme not in ("http", "https")
        or not host
        or not _valid_host(host)
        or port == 0
        or "@" in parts.netloc
        or parts.query
        or parts.fragment
    ):
        raise malformed
    return Endpoint(
        url=url,
        scheme=parts.scheme,
        host=host,
        port=port or (443 if parts.scheme == "https" else 80),
        path=parts.path.rstrip("/"),
        region=region,
        ca_bundle=ca_bundle,
    )


def _valid_host(host: str) -> bool:
    """botocore.utils.is_valid_endpoint_url's host check, or an IPv6 address."""
    if len(host) > 255:
        return False
    if ":" in host:
        import ipaddress  # only for IPv6 endpoints

        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    return re.fullmatch(_HOSTNAME, host.removesuffix("."), re.IGNORECASE) is not None


def credentials(env: Mapping[str, str] = os.environ) -> Credentials:
    """The credentials requests are signed with: the Lambda variables when `env` has both keys
    (and no container credentials URI, which Lambda SnapStart sets); otherwise botocore's chain,
    resolved at the first `frozen()`. No credentials anywhere: that call raises botocore's
    `NoCredentialsError`, as boto3 would; other failures of the chain are botocore's own
    (`PartialCredentialsError` for one key of two, `CredentialRetrievalError`, ...)."""
    return _Credentials(env)


def _from_env(env: Mapping[str, str]) -> tuple[str, str, str | None] | None:
    """The Lambda variables, read as botocore's EnvProvider reads them (AWS_SECURITY_TOKEN before
    AWS_SESSION_TOKEN); None to leave them to the chain: a container credentials URI, or an
    expiry (AWS_CREDENTIAL_EXPIRATION: botocore's refresh rules for it)."""
    access_key = env.get("AWS_ACCESS_KEY_ID", "")
    secret_key = env.get("AWS_SECRET_ACCESS_KEY", "")
    if not (access_key and secret_key) or env.get("AWS_CREDENTIAL_EXPIRATION"):
        return None
    if any(name in env for name in _CONTAINER_URIS):
        return None
    token = env.get("AWS_SECURITY_TOKEN") or env.get("AWS_SESSION_TOKEN") or None
    return access_key, secret_key, token


def _chain() -> BotocoreCredentials:
    """A fresh resolution of botocore's credential chain (a new session: nothing cached)."""
    import botocore.session
    from botocore.exceptions import NoCredentialsError

    found = botocore.session.get_session().get_credentials()
    if found is None:
        raise NoCredentialsError()
    return found


class _Credentials:
    """The environment's keys, else botocore's chain; `refresh` reads the environment again and
    resolves the chain again."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env
        self._lock = threading.Lock()
        self._keys = _from_env(env)
        self._chain: BotocoreCredentials | None = None

    def __repr__(self) -> str:  # never the keys
        source = "environment" if self._keys is not None else "botocore's chain"
        return f"<credentials from {source}>"

    def frozen(self) -> tuple[str, str, str | None]:
        keys = self._keys
        if keys is not None:
            return keys
        chain = self._chain
        if chain is None:
            with self._lock:
                if self._chain is None:
                    self._chain = _chain()
                chain = self._chain
        # botocore's RefreshableCredentials refresh here when they are close to expiry
        current = chain.get_frozen_credentials()
        if not (current.access_key and current.secret_key):
            from botocore.exceptions import NoCredentialsError

            raise NoCredentialsError()
        return current.access_key, current.secret_key, current.token

    def refresh(self) -> None:
        with self._lock:
            keys = _from_env(self._env)
            if keys is None:
                self._chain = _chain()
            self._keys = keys
