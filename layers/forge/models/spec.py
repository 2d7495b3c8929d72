"""PluginSpec: what ops ask the forge to build. Validated before anything is written."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import ErrorDetails

from forge.errors import SpecError

SEMVER = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
DOTTED_VERSION = r"^\d+(\.\d+){0,2}$"
# Marketplace usernames (WordPress.org's profile slug, PrestaShop Addons' seller): lower case.
MARKETPLACE_USERNAME = r"^[a-z0-9][a-z0-9_.-]{0,59}$"
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SCHEMA_ID = "https://plugin-forge.molam.com/schemas/plugin-spec.schema.json"
# The marketplaces' build gates want a dotted number as the version, so of SemVer only MAJOR.MINOR.PATCH survives:
# a pre-release or build suffix would be refused after generation.
RELEASE_VERSION = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$"
# The validation context key holding the API host allowlist: PluginSpec.model_validate(data, context=...).
ALLOWED_API_HOSTS = "allowed_api_hosts"


Platform = Literal["woocommerce", "prestashop", "shopify"]


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
    # Each platform's ranges are named in PLATFORM_FIELDS; a range the platform has no use for is refused.
    platform: VersionRange | None = None
    wordpress: VersionRange | None = None
    # The language runtime: PHP for the PHP platforms, Node.js for a Shopify app.
    php: VersionRange | None = None
    node: VersionRange | None = None


class Features(_Strict):
    refunds: bool = True
    webhooks: bool = True
    # WooCommerce's block-based checkout; None on a platform without one.
    blocks_checkout: bool | None = None


@dataclass(frozen=True)
class PlatformFields:
    """The fields of the spec that belong to one platform: the compatibility ranges it requires (with the range a
    spec leaving them out gets) and the features it knows. The platform validates its own rules on top
    (forge.cms: Platform.check_spec)."""

    ranges: Mapping[str, tuple[str, str]]
    features: Mapping[str, bool]


PLATFORM_FIELDS: Mapping[str, PlatformFields] = {
    "woocommerce": PlatformFields(
        ranges={"platform": ("8.0", "9.3"), "wordpress": ("6.5", "6.5"), "php": ("7.4", "8.3")},
        features={"refunds": True, "webhooks": True, "blocks_checkout": True},
    ),
    "prestashop": PlatformFields(
        ranges={"platform": ("1.7.8", "8.1"), "php": ("7.4", "8.3")},
        features={"refunds": True, "webhooks": True},
    ),
    # A Shopify app versions itself against the Payments Apps API (the app pins it), so only its runtime has a range.
    "shopify": PlatformFields(
        ranges={"node": ("20.19", "20.20")},
        features={"refunds": True, "webhooks": True},
    ),
}


def _platform_defaults(data: Any) -> Any:
    """Fill in the ranges and features of the spec's platform that the spec leaves out."""
    if not isinstance(data, dict) or data.get("platform") not in PLATFORM_FIELDS:
        return data
    fields = PLATFORM_FIELDS[data["platform"]]
    compatibility, features = data.get("compatibility", {}), data.get("features", {})
    if not isinstance(compatibility, dict) or not isinstance(features, dict):
        return data
    ranges = {name: {"min": low, "tested": high} for name, (low, high) in fields.ranges.items()}
    return {**data, "compatibility": {**ranges, **compatibility}, "features": {**fields.features, **features}}


def _foreign_fields(platform: str, compatibility: Compatibility, features: Features) -> list[str]:
    """The ranges and features the spec sets that its platform has no use for."""
    fields = PLATFORM_FIELDS[platform]
    ranges = [
        f"compatibility.{name}"
        for name in Compatibility.model_fields
        if name not in fields.ranges and getattr(compatibility, name) is not None
    ]
    flags = [
        f"features.{name}"
        for name in Features.model_fields
        if name not in fields.features and getattr(features, name) is not None
    ]
    return ranges + flags


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
            description="Marketplace slug (the plugin's folder): lowercase letters, digits and single hyphens; each "
            "platform adds its marketplace's naming rules (WooCommerce: no trademarked term of WordPress.org Plugin "
            "Check (woo..., wp-, wordpress, google-, stripe-, ...) except a closing '-for-woocommerce')",
            json_schema_extra={"pattern": SLUG},
        ),
    ]
    version: Annotated[
        str,
        Field(
            max_length=40,
            description="Release version MAJOR.MINOR.PATCH (SemVer without pre-release or build suffix: "
            "the marketplaces want a dotted number)",
            json_schema_extra={"pattern": RELEASE_VERSION},
        ),
    ]
    description: Annotated[str, Field(min_length=10, max_length=150, description="Short description (one line)")]
    brand: Annotated[str, Field(min_length=2, max_length=40, description="Payment brand customers see")]
    author: Annotated[str, Field(min_length=2, max_length=80)] = "Molam"
    contributors: Annotated[
        list[Annotated[str, Field(pattern=MARKETPLACE_USERNAME)]],
        Field(
            max_length=20,
            description="Marketplace usernames credited with the plugin (WooCommerce: readme.txt's Contributors, "
            "the WordPress.org account that commits the plugin first); none given: left out rather than guessed",
        ),
    ] = []
    platform: Annotated[Platform, Field(description="Target e-commerce platform")]
    compatibility: Annotated[
        Compatibility,
        Field(
            description="Supported version ranges, per platform (PLATFORM_FIELDS): WooCommerce: platform, wordpress, "
            "php; PrestaShop: platform, php; Shopify: node (the app's Node.js runtime); left out: the platform's "
            "defaults"
        ),
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

    @model_validator(mode="before")
    @classmethod
    def _platform_fields(cls, data: Any) -> Any:
        return _platform_defaults(data)

    @model_validator(mode="after")
    def _only_the_platforms_fields(self) -> PluginSpec:
        foreign = _foreign_fields(self.platform, self.compatibility, self.features)
        if foreign:
            raise ValueError(f"{', '.join(foreign)}: not a field of {self.platform} (PLATFORM_FIELDS)")
        return self

    @field_validator("slug")
    @classmethod
    def _slug_rules(cls, slug: str) -> str:
        if not re.fullmatch(SLUG, slug):
            raise ValueError("use lowercase letters, digits and single hyphens only")
        return slug

    @field_validator("version")
    @classmethod
    def _semver(cls, version: str) -> str:
        if not re.fullmatch(SEMVER, version):
            raise ValueError(f"'{version}' is not a SemVer version such as 1.2.3")
        if not re.fullmatch(RELEASE_VERSION, version):
            raise ValueError(
                f"'{version}' has a pre-release or build suffix; the marketplaces need a dotted number such as 1.2.3"
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

    def version_range(self, name: str) -> VersionRange:
        """A compatibility range the spec's platform requires (PLATFORM_FIELDS fills in its default)."""
        found = getattr(self.compatibility, name, None)
        if not isinstance(found, VersionRange):
            raise SpecError("spec", [f"compatibility.{name}: {self.platform} specs have no such range"])
        return found

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


def read_spec_file(path: Path) -> Any:
    """The data of a YAML or JSON spec file, not yet validated."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(str(path), ["file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(str(path), [f"cannot read: {exc}"]) from None
    # Only spec files are YAML (the CLI's): the steps and the API read specs as JSON, and skip loading PyYAML.
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(str(path), [f"not valid YAML/JSON{where}: {getattr(exc, 'problem', exc)}"]) from None


def load_spec(path: Path, allowed_hosts: Iterable[str] | None = None) -> PluginSpec:
    """Read a YAML or JSON spec file (`allowed_hosts`: as parse_spec). The spec's platform adds its own rules
    when a spec is accepted: forge.cms.spec_acceptance."""
    return parse_spec(read_spec_file(path), str(path), allowed_hosts)


def spec_json_schema() -> dict[str, Any]:
    """The model's JSON Schema; forge.cms.spec_acceptance adds each platform's part and publishes it as
    docs/plugin-spec.schema.json (a test keeps the two equal).

    The API host allowlist is configuration, so the schema can only say https; the model checks the host."""
    schema = PluginSpec.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
