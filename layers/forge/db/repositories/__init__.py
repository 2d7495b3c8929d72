"""Postgres repositories, one per aggregate; parameterised SQL only. PostgresRepositories implements the
forge.ports.repositories.Repositories port."""

from __future__ import annotations

from dataclasses import dataclass

from forge.db.connection import Database
from forge.db.repositories.approvals import ApprovalRepository
from forge.db.repositories.approvers import ApproverRepository
from forge.db.repositories.audit import AuditRepository
from forge.db.repositories.callbacks import CallbackRepository
from forge.db.repositories.gauges import GaugeQueries
from forge.db.repositories.jobs import JobRepository
from forge.db.repositories.key_compromise import KeyCompromiseRepository
from forge.db.repositories.keys import KeyRepository
from forge.db.repositories.package_views import PackageViews
from forge.db.repositories.packages import PackageRepository
from forge.db.repositories.publications import PublicationRepository
from forge.db.repositories.revocations import RevocationListRepository
from forge.db.repositories.runs import RunRepository


@dataclass(frozen=True)
class PostgresRepositories:
    jobs: JobRepository
    runs: RunRepository
    packages: PackageRepository
    package_views: PackageViews
    approvals: ApprovalRepository
    approvers: ApproverRepository
    callbacks: CallbackRepository
    keys: KeyRepository
    key_compromises: KeyCompromiseRepository
    publications: PublicationRepository
    audit: AuditRepository
    revocations: RevocationListRepository
    gauges: GaugeQueries

    @classmethod
    def on(cls, db: Database) -> PostgresRepositories:
        return cls(
            jobs=JobRepository(db),
            runs=RunRepository(db),
            packages=PackageRepository(db),
            package_views=PackageViews(db),
            approvals=ApprovalRepository(db),
            approvers=ApproverRepository(db),
            callbacks=CallbackRepository(db),
            keys=KeyRepository(db),
            key_compromises=KeyCompromiseRepository(db),
            publications=PublicationRepository(db),
            audit=AuditRepository(db),
            revocations=RevocationListRepository(db),
            gauges=GaugeQueries(db),
        )

    def ping(self) -> None:
        self.jobs.db.fetchone("SELECT 1")
