"""PluginSpec: what ops ask the forge to build. Validated before anything is written."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import ErrorDetails

from forge.errors import SpecError
from forge.gates.rules.plugin_check import FOR_USE_EXCEPTIONS, PORTMANTEAUS, TRADEMARKS, trademark_in
from forge.gates.rules.plugin_check import VERSION as WPORG_VERSION

SEMVER = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
DOTTED_VERSION = r"^\d+(\.\d+){0,2}$"
# WordPress.org usernames as readme.txt's Contributors lists them (the profile slug: lower case).
WPORG_USERNAME = r"^[a-z0-9][a-z0-9_.-]{0,59}$"
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SCHEMA_ID = "https://plugin-forge.molam.com/schemas/plugin-spec.schema.json"
# The Build gate (wporg.headers) wants a dotted number in the Version header, so of SemVer only
# MAJOR.MINOR.PATCH survives: a pre-release or build suffix would be refused after generation.
RELEASE_VERSION = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$"
# The validation context key holding the API host allowlist: PluginSpec.model_validate(data, context=...).
ALLOWED_API_HOSTS = "allowed_api_hosts"


def _trademark_pattern() -> str:
    """The gate's trademark rule (forge.gates plugin_check) as one JSON Schema regex, for the published schema."""
    # The terms are slug characters only, so they go in unescaped: "\-" is not valid in ECMA-262 unicode regexes.
    if not all(re.fullmatch(r"[a-z0-9-]+", t) for t in (*TRADEMARKS, *PORTMANTEAUS)):
        raise ValueError("trademark terms must be slug characters")
    prefixes = [t for t in TRADEMARKS if t.endswith("-")] + list(PORTMANTEAUS)
    anywhere = [t for t in TRADEMARKS if not t.endswith("-") and t not in FOR_USE_EXCEPTIONS]
    # A for-use term may only close the slug as "-for-<term>" and appear nowhere else.
    for_use = [f"{t}(?!$)|(?<!-for-){t}$" for t in FOR_USE_EXCEPTIONS]
    return f"^(?:{'|'.join(prefixes)})|{'|'.join(anywhere + for_use)}"


def _sanitize_title(name: str) -> str:
    # WordPress's sanitize_title(), as the gate applies it to the Plugin Name header.
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


Platform = Literal["woocommerce"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split("."))


class VersionRange(_Strict):
    min: Annotated[str, Field(pattern=DOTTED_VERSION, description="Lowest supported version")]
    tested: Annotated[str, Field(pattern=DOTTED_VERSION, description="Highest version tested")]

    @model_validator(mode="after")
    def _ordered(self) -> VersionRange:
        if _version_key(self.min) > _version_key(self.tested):
            raise ValueError(f"min {self.min} is above tested {self.tested}")
        return self


class Compatibility(_Strict):
    platform: VersionRange = VersionRange(min="8.0", tested="9.3")
    # The oldest WordPress the sandbox's WooCommerce activates on (forge.cms.woocommerce.sandbox_versions).
    wordpress: VersionRange = VersionRange(min="6.5", tested="6.5")
    php: VersionRange = VersionRange(min="7.4", tested="8.3")


class Features(_Strict):
    refunds: bool = True
    webhooks: bool = True
    blocks_checkout: bool = True


class SettingField(_Strict):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    label: Annotated[str, Field(min_length=1, max_length=80)]
    type: Literal["text", "password", "checkbox", "select"] = "text"
    default: str = ""
    options: list[str] = []
    description: Annotated[str, Field(max_length=300)] = ""


class PluginSpec(_Strict):
    """A payment plugin request. `examples/woocommerce.yaml` is the reference instance."""

    name: Annotated[str, Field(min_length=3, max_length=80, description="Plugin Name header and readme title")]
    slug: Annotated[
        str,
        Field(
            min_length=3,
            max_length=60,
            description="WordPress.org slug: lowercase letters, digits and single hyphens; no trademarked term "
            "of WordPress.org Plugin Check (woo..., wp-, wordpress, google-, stripe-, ...) except a closing "
            "'-for-woocommerce' (use <brand>-for-woocommerce)",
            json_schema_extra={"pattern": SLUG, "not": {"pattern": _trademark_pattern()}},
        ),
    ]
    version: Annotated[
        str,
        Field(
            max_length=40,
            description="Release version MAJOR.MINOR.PATCH (SemVer without pre-release or build suffix: "
            "WordPress.org wants a dotted number)",
            json_schema_extra={"pattern": RELEASE_VERSION},
        ),
    ]
    description: Annotated[str, Field(min_length=10, max_length=150, description="Short description (one line)")]
    brand: Annotated[str, Field(min_length=2, max_length=40, description="Payment brand customers see")]
    author: Annotated[str, Field(min_length=2, max_length=80)] = "Molam"
    contributors: Annotated[
        list[Annotated[str, Field(pattern=WPORG_USERNAME)]],
        Field(
            max_length=20,
            description="WordPress.org usernames for readme.txt's Contributors field (the account that commits "
            "the plugin first); none given: the field is left out rather than guessed",
        ),
    ] = []
    platform: Annotated[Platform, Field(description="Target e-commerce platform")]
    compatibility: Annotated[
        Compatibility, Field(description="Supported version ranges: platform (WooCommerce), WordPress, PHP")
    ] = Compatibility()
    payment_methods: Annotated[list[Literal["card", "mobile_money", "bank_transfer", "wallet"]], Field(min_length=1)]
    currencies: Annotated[
        list[Annotated[str, Field(pattern=r"^[A-Z]{3}$")]],
        Field(min_length=1, max_length=50, description="ISO 4217 codes, no duplicates"),
    ]
    features: Features = Features()
    api_base_url: Annotated[
        str,
        Field(
            description="https:// base URL of the Molam API; its host must be in FORGE_ALLOWED_API_HOSTS",
            json_schema_extra={"format": "uri", "pattern": "^https://"},
        ),
    ]
    api_sandbox_base_url: Annotated[
        str | None,
        Field(
            description="https:// base URL of the Molam sandbox (test mode, test keys); its host must be in "
            "FORGE_ALLOWED_API_HOSTS. Not given: test mode uses api_base_url with the test keys",
            json_schema_extra={"format": "uri", "pattern": "^https://"},
        ),
    ] = None
    settings: Annotated[
        list[SettingField], Field(max_length=20, description="Extra gateway settings fields shown to the merchant")
    ] = []

    @field_validator("slug")
    @classmethod
    def _slug_rules(cls, slug: str) -> str:
        if not re.fullmatch(SLUG, slug):
            raise ValueError("use lowercase letters, digits and single hyphens only")
        term = trademark_in(slug)
        if term:
            raise ValueError(
                f"'{slug}' uses the trademark '{term.strip('-')}' WordPress.org refuses; "
                "name it '<brand>-for-woocommerce'"
            )
        return slug

    @field_validator("name")
    @classmethod
    def _name_rules(cls, name: str) -> str:
        term = trademark_in(_sanitize_title(name))
        if term:
            raise ValueError(
                f"'{name}' uses the trademark '{term.strip('-')}' WordPress.org refuses; "
                "name it '<Brand> for WooCommerce'"
            )
        return name

    @field_validator("version")
    @classmethod
    def _semver(cls, version: str) -> str:
        if not re.fullmatch(SEMVER, version):
            raise ValueError(f"'{version}' is not a SemVer version such as 1.2.3")
        if not re.fullmatch(RELEASE_VERSION, version) or not WPORG_VERSION.match(version):
            raise ValueError(
                f"'{version}' has a pre-release or build suffix; WordPress.org needs a dotted number such as 1.2.3"
            )
        return version

    @field_validator("currencies", "payment_methods")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        if len(set(values)) != len(values):
            raise ValueError("contains duplicates")
        return values

    @field_validator("contributors")
    @classmethod
    def _distinct_contributors(cls, values: list[str]) -> list[str]:
        if len(set(values)) != len(values):
            raise ValueError("contains duplicates")
        return values

    @field_validator("api_sandbox_base_url")
    @classmethod
    def _sandbox_host_allowed(cls, url: str | None, info: ValidationInfo) -> str | None:
        return None if url is None else cls._api_host_allowed(url, info)

    @field_validator("api_base_url")
    @classmethod
    def _api_host_allowed(cls, url: str, info: ValidationInfo) -> str:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("must be an https:// URL")
        if parts.username or parts.password or parts.query or parts.fragment or parts.port:
            raise ValueError("must not carry credentials, a port, a query or a fragment")
        # The allowlist comes with the data, never from the environment of whoever validates: a spec is checked
        # against the allowlist in force when it is accepted (job submission, `forge run`), and a job's stored spec
        # is read back without one, so changing FORGE_ALLOWED_API_HOSTS cannot fail a job already in flight.
        allowed = (info.context or {}).get(ALLOWED_API_HOSTS)
        if allowed is not None and parts.hostname.lower() not in allowed:
            raise ValueError(f"host '{parts.hostname}' is not allowlisted (allowed: {', '.join(sorted(allowed))})")
        return url.rstrip("/")

    def digest(self) -> str:
        """sha256 of the canonical JSON form: the identity provenance and manifests refer to."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _format_error(err: ErrorDetails) -> str:
    loc = ".".join(str(p) for p in err["loc"]) or "(spec)"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field"
    return f"{loc}: {msg}"


def parse_spec(data: Any, source: str = "spec", allowed_hosts: Iterable[str] | None = None) -> PluginSpec:
    """Validate already-parsed data; every bad field is named in the SpecError. With `allowed_hosts`, the API host
    must be one of them (a spec being accepted); without, it is not checked (a spec the forge accepted earlier)."""
    if not isinstance(data, dict):
        raise SpecError(source, ["(spec): must be a mapping of fields, got " + type(data).__name__])
    context = None if allowed_hosts is None else {ALLOWED_API_HOSTS: frozenset(h.lower() for h in allowed_hosts)}
    try:
        return PluginSpec.model_validate(data, context=context)
    except ValidationError as exc:
        raise SpecError(source, [_format_error(e) for e in exc.errors()]) from None


def load_spec(path: Path, allowed_hosts: Iterable[str] | None = None) -> PluginSpec:
    """Read a YAML or JSON spec file (`allowed_hosts`: as parse_spec)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(str(path), ["file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(str(path), [f"cannot read: {exc}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(str(path), [f"not valid YAML/JSON{where}: {getattr(exc, 'problem', exc)}"]) from None
    return parse_spec(data, str(path), allowed_hosts)


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema published as docs/plugin-spec.schema.json (a test keeps the two equal).

    The API host allowlist is configuration, so the schema can only say https; the model checks the host."""
    schema = PluginSpec.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def spec_json_schema_text() -> str:
    return json.dumps(spec_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # `python -m forge.models.spec > docs/plugin-spec.schema.json`
    import sys

    sys.stdout.write(spec_json_schema_text())
