"""PrestaShop Addons: a module version pushed through the Addons seller API, as PrestaShop's own upload tool does it
(github.com/PrestaShopCorp/publish-on-marketplace, src/Client/MarketplaceClient.php and
src/Command/PublishOnMarketplaceCommand.php; docs/marketplaces.md cites them):

    POST <base_url>/request/index.php?method=module_push
    header  api-key: <the seller's API key>
    multipart/form-data: zip (the archive) and the product's metadata fields (id_product, technical_name,
    display_name, channel, product_type, compatible_from[, compatible_to]), type_upgrade (updatemin | updatemaj |
    new), change_log
    answer  JSON {"success": true, "productUpload": {...}} (anything else is a refusal, shown as it was)

The upload enters PrestaShop's validation before merchants see it; the connector records what the API answered.
Addons documents no API to withdraw a version: a retraction waits on a person, with the seller-dashboard steps.

Settings (config): id_product, channel (default stable), update_type (default updatemin), compatible_to; the API key
is the forge_secrets row config "secret" names.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from forge.errors import ForgeError, TransientError
from forge.models.publication import MarketplaceConnector
from forge.ports.connectors import ConnectorResult, RetractionTarget, SecretStore, VerifiedRelease

PUSH_PATH = "/request/index.php"
PUSH_METHOD = "module_push"
UPDATE_TYPES = ("updatemin", "updatemaj", "new")
TIMEOUT_SECONDS = 120
WITHDRAW_STEPS = (
    "Addons has no API to withdraw a version: in the seller account (addons.prestashop.com), open the product, "
    "remove or replace the zip of version {version} (or ask Addons support to deactivate it, citing the revocation); "
    "then mark this publication done"
)


class PrestaShopAddonsConnector:
    connector_type = "prestashop_addons"

    def __init__(self, base_url: str, api_key: str, config: dict[str, Any]) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.config = config
        update_type = str(config.get("update_type") or "updatemin")
        if update_type not in UPDATE_TYPES:
            raise ForgeError(f"PrestaShop Addons update_type must be one of {', '.join(UPDATE_TYPES)}")
        self.update_type = update_type

    @classmethod
    def from_row(cls, row: MarketplaceConnector, secrets: SecretStore) -> PrestaShopAddonsConnector:
        if not row.secret_name:
            raise ForgeError(f"{row.name}: config 'secret' must name the forge_secrets row holding the API key")
        if not row.config.get("id_product"):
            raise ForgeError(f"{row.name}: config 'id_product' (the product's id on Addons) is required")
        return cls(row.base_url, secrets.read(row.secret_name), row.config)

    def fields(self, release: VerifiedRelease) -> dict[str, str]:
        """The metadata fields of the push, as PrestaShop's tool sends them."""
        fields = {
            "id_product": str(self.config["id_product"]),
            "technical_name": release.slug.replace("-", ""),
            "display_name": release.name,
            "channel": str(self.config.get("channel") or "stable"),
            "product_type": "module",
            "compatible_from": release.compatibility.get("platform_min", ""),
            "type_upgrade": self.update_type,
            "change_log": release.changelog,
        }
        if self.config.get("compatible_to"):
            fields["compatible_to"] = str(self.config["compatible_to"])
        return fields

    def publish(self, release: VerifiedRelease) -> ConnectorResult:
        try:
            response = requests.post(
                f"{self.base_url}{PUSH_PATH}",
                params={"method": PUSH_METHOD},
                headers={"api-key": self.api_key},
                data=self.fields(release),
                files={"zip": (release.zip_name, release.zip_bytes, "application/zip")},
                timeout=TIMEOUT_SECONDS,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise TransientError(f"PrestaShop Addons unreachable: {type(exc).__name__}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict) or body.get("success") is not True:
            said = json.dumps(body)[:500] if body is not None else response.text[:500]
            return ConnectorResult.failed(f"Addons refused the upload (HTTP {response.status_code}): {said}")
        found = body.get("productUpload")
        upload: dict[str, Any] = found if isinstance(found, dict) else {}
        external = str(upload.get("id_product_upload") or upload.get("id") or self.config["id_product"])
        return ConnectorResult.done(
            f"uploaded to Addons product {self.config['id_product']}; PrestaShop validates it before merchants see "
            f"it: {json.dumps(upload)[:300]}",
            external_id=external,
            url=f"{self.base_url}/en/product.php?id_product={self.config['id_product']}",
        )

    def status(self, external_id: str) -> str:
        return f"upload {external_id}: Addons documents no status API; see the seller account"

    def retract(self, target: RetractionTarget) -> ConnectorResult:
        return ConnectorResult.manual(
            f"{target.version} revoked ({target.reason[:200]}); Addons cannot be told by API",
            WITHDRAW_STEPS.format(version=target.version),
        )
