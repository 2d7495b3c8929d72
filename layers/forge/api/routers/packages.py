"""/packages: list packages and show one with everything recorded against it."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from forge.api.auth import Ops
from forge.api.cursors import page_cursor, parse_page_cursor
from forge.api.dependencies import Deps
from forge.api.schemas import (
    ApprovalRequestView,
    ApprovalView,
    CompatibilityView,
    ContractTestView,
    JobView,
    PackageDetail,
    PackagePage,
    PackageView,
    PublicationView,
    ReviewView,
    RunView,
    SignatureView,
)
from forge.errors import NotFound
from forge.models.job import Step
from forge.models.package import Package, PackageStatus
from forge.pipeline import review
from forge.pipeline.deps import PipelineDeps
from forge.signing.keyset import PublicKey

router = Router()

PackageId = Annotated[UUID, Path(description="Package id")]
Cms = Literal["woocommerce", "prestashop", "magento", "shopify"]


@router.get("/packages", summary="List packages, newest first")
def list_packages(
    principal: Ops,
    deps: Deps,
    cms: Annotated[Cms | None, Query()] = None,
    status: Annotated[PackageStatus | None, Query()] = None,
    slug: Annotated[str | None, Query(max_length=200)] = None,
    created_by: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> PackagePage:
    before = parse_page_cursor(cursor) if cursor else None
    packages = deps.repos.package_views.page(
        cms=cms,
        status=status.value if status else None,
        slug=slug,
        created_by=created_by,
        before=before,
        limit=limit + 1,
    )
    more = len(packages) > limit
    packages = packages[:limit]
    return PackagePage(
        items=[PackageView.of(p) for p in packages],
        next_cursor=page_cursor(packages[-1].created_at, packages[-1].id) if more else None,
    )


@router.get("/packages/<package_id>", summary="A package with its tests, compatibility, signature, approvals")
def get_package(package_id: PackageId, principal: Ops, deps: Deps) -> PackageDetail:
    repos = deps.repos
    package = repos.packages.get(package_id)
    views = repos.package_views
    return PackageDetail(
        package=PackageView.of(package),
        signature=_signature(package),
        contract_tests=[ContractTestView.of(r) for r in views.contract_tests(package.id)],
        compatibility=[CompatibilityView.of(r) for r in views.compatibilities(package.id)],
        approval_requests=[ApprovalRequestView.of(r) for r in views.approval_requests(package.id)],
        approvals=[ApprovalView.of(a) for a in repos.approvals.approvals_for_package(package.id)],
        publications=[
            PublicationView.of(p, repos.publications.connector_by_id(p.marketplace_connector_id))
            for p in repos.publications.for_package(package.id)
        ],
    )


def _signature(package: Package) -> SignatureView:
    return SignatureView(
        signature=package.signature,
        signing_key_id=package.signing_key_id,
        zip_sha256=package.zip_sha256,
        manifest=package.manifest,
    )


def _signing_key(deps: PipelineDeps, key_id: str | None) -> PublicKey | None:
    if key_id is None:
        return None
    try:
        return PublicKey.of(deps.repos.keys.get(key_id))
    except NotFound:
        return None


@router.get("/packages/<package_id>/review", summary="Everything an approver weighs, with the diff to the last release")
def review_package(package_id: PackageId, principal: Ops, deps: Deps) -> ReviewView:
    repos = deps.repos
    package = repos.packages.get(package_id)
    views = repos.package_views
    built_by = views.job_for(package.id)
    job = repos.jobs.get(built_by["id"]) if built_by else None
    latest: dict[Step, RunView] = {}
    logs: dict[Step, str] = {}
    for run in repos.runs.for_job(job.id) if job else []:
        latest[run.step] = RunView.of(run)
        logs[run.step] = run.logs
    base = review.previous_published(deps, package)
    new_tree = review.source_tree(deps, package) or {}
    base_tree = review.source_tree(deps, base) if base else None
    package_run = latest.get(Step.PACKAGE)
    sbom_name = package_run.artifacts.get("sbom") if package_run else None
    sbom = review.stored_sbom(deps, job.id, str(sbom_name)) if job and sbom_name else None
    return ReviewView(
        package=PackageView.of(package),
        job=JobView.of(job) if job else None,
        spec=job.params if job else {},
        runs=list(latest.values()),
        scan_findings=review.scan_findings(logs.get(Step.BUILD, "")),
        contract_tests=[ContractTestView.of(r) for r in views.contract_tests(package.id)],
        compatibility=[CompatibilityView.of(r) for r in views.compatibilities(package.id)],
        sbom=sbom,
        signature=_signature(package),
        signing_key=_signing_key(deps, package.signing_key_id),
        diff=review.source_diff(base_tree, new_tree, base),
        approval_requests=[ApprovalRequestView.of(r) for r in views.approval_requests(package.id)],
        approvals=[ApprovalView.of(a) for a in repos.approvals.approvals_for_package(package.id)],
    )
