"""The ports: what the domain needs from the outside world, as small `typing.Protocol`s.

The domain (models, pipeline, generation, gates, cms, packaging, the domain parts of publishing and signing) is
handed objects that satisfy these and never imports the adapters that implement them: Postgres repositories
(forge.db), the artifact stores (forge.artifacts), Step Functions (forge.workflow.client), the marketplaces
(forge.publishing.folder_marketplace, forge.publishing.s3_marketplace), the HSM/KMS/Vault signers (forge.signing).
forge.wiring plugs the adapters in; tests plug in fakes. The import-linter contracts in pyproject.toml keep it so.

- repositories: one Protocol per repository, and `Repositories` gathering them (PipelineDeps.repos)
- artifacts: ArtifactStore; audit: AuditArchive (the write-once generation audit bucket)
- workflow: WorkflowClient; marketplace: Marketplace; signing: Signer
"""
