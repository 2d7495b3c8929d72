"""Golden test: the demo spec renders to a byte-identical tree, pinned by its digest.

A template change moves the digest on purpose: review the rendered diff, then update GOLDEN. The
stand-ins (tests/stubs.php, tests/woocommerce-gateway-api.php) are the sandbox's files, pinned by their own test
there, so they are left out.
"""

from __future__ import annotations

from pathlib import Path

from forge.cms.woocommerce.platform import SANDBOX
from forge.generation.template_provider import TemplateProvider, tree_digest
from forge.models.spec import load_spec

DEMO = Path(__file__).resolve().parents[3] / "examples" / "woocommerce.yaml"
GOLDEN = "49337a9bf37b20478511606977ad12e96965b458cc9751ad517f0076ef1518ff"
FILES = 19


def test_demo_tree_digest_is_pinned() -> None:
    tree = dict(TemplateProvider().generate(load_spec(DEMO)).tree)
    assert len(tree) == FILES
    assert tree.pop("tests/stubs.php") == (SANDBOX / "standins.php").read_bytes()
    assert tree.pop("tests/woocommerce-gateway-api.php") == (SANDBOX / "woocommerce-gateway-api.php").read_bytes()
    assert tree_digest(tree) == GOLDEN


def test_two_generations_are_byte_identical_and_audit_the_same_hashes() -> None:
    rows: list[tuple[str, str, str]] = []
    provider = TemplateProvider(lambda mv, prompt, response, meta: rows.append((mv, prompt, response)))
    first, second = provider.generate(load_spec(DEMO)), provider.generate(load_spec(DEMO))
    assert first.tree == second.tree
    assert tree_digest(first.tree) == tree_digest(second.tree)
    assert rows[0] == rows[1]
    assert len(rows) == 2
