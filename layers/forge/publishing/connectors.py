"""Which connector a marketplace_connectors row names: one module per marketplace, chosen by connector_type (the
row's cms column says for which platforms it is enabled; nothing here knows a platform). Called by the composition
root (forge.wiring); the domain is handed the factory."""

from __future__ import annotations

from collections.abc import Callable

from forge.config import Settings
from forge.errors import ForgeError
from forge.models.publication import MarketplaceConnector
from forge.ports.connectors import Connector, SecretStore
from forge.ports.marketplace import Marketplace
from forge.ports.repositories import Publications
from forge.publishing.credentials import ForgeSecretStore

Builder = Callable[[MarketplaceConnector, Settings, SecretStore, Marketplace], Connector]


def _molam(row: MarketplaceConnector, settings: Settings, secrets: SecretStore, shop: Marketplace) -> Connector:
    from forge.publishing.molam import MolamConnector

    return MolamConnector(shop)


def _wordpress_org(row: MarketplaceConnector, settings: Settings, secrets: SecretStore, shop: Marketplace) -> Connector:
    from forge.publishing.wordpress_org import WordPressOrgConnector

    return WordPressOrgConnector.from_row(row, settings, secrets)


def _prestashop_addons(
    row: MarketplaceConnector, settings: Settings, secrets: SecretStore, shop: Marketplace
) -> Connector:
    from forge.publishing.prestashop_addons import PrestaShopAddonsConnector

    return PrestaShopAddonsConnector.from_row(row, secrets)


def _shopify(row: MarketplaceConnector, settings: Settings, secrets: SecretStore, shop: Marketplace) -> Connector:
    from forge.publishing.shopify_app_store import ShopifyConnector

    return ShopifyConnector.from_row(row, settings, secrets)


BUILDERS: dict[str, Builder] = {
    "molam": _molam,
    "wordpress_org": _wordpress_org,
    "prestashop_addons": _prestashop_addons,
    "shopify_app_store": _shopify,
}


def connector_factory(
    settings: Settings, shop: Marketplace, references: Publications
) -> Callable[[MarketplaceConnector], Connector]:
    secrets = ForgeSecretStore(settings, references)

    def build(row: MarketplaceConnector) -> Connector:
        builder = BUILDERS.get(row.connector_type)
        if builder is None:
            raise ForgeError(f"no connector implements {row.connector_type}")
        return builder(row, settings, secrets, shop)

    return build
