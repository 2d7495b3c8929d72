"""Who may read or write the artifact bucket, per function and Fargate task: exactly what its code calls.

forge.artifacts.s3 reads with GetObject/HeadObject (get, exists) and writes with PutObject (put). Readers also get
ListBucket so that a missing key is a 404 (NotFound, exists() == False) rather than a 403.
"""

from __future__ import annotations

from enum import Enum

from aws_cdk import aws_iam as iam

from infra.artifacts import Artifacts


class Access(Enum):
    READ = "read"
    READ_WRITE = "read-write"


# From the `ctx.deps.artifacts` / `deps.artifacts` calls of each step (layers/forge/pipeline/steps/*.py and
# forge.pipeline.container.reporter). Not listed, so no access: approval and finish (database and task token only),
# the API (it serves runs, logs and packages from the database; revoke writes the marketplace bucket), key rotation
# (the marketplace's trust files), the gauges and the migration.
ARTIFACT_ACCESS: dict[str, Access] = {
    "generate": Access.READ_WRITE,  # the previous source on a repair (exists, get), the new source.zip (put)
    "package": Access.READ_WRITE,  # source.zip (get), the package zip, SBOM and SHA256SUMS (put)
    "sign": Access.READ_WRITE,  # the package zip and SBOM (get), the signature files (put)
    "publish": Access.READ,  # the package zip, bundle and release files it copies to the marketplace (get)
    # The Fargate tasks' reporters: source.zip (get); results go to the database, not the bucket, except the test
    # report (put).
    "build": Access.READ,
    "test": Access.READ_WRITE,
    "sandbox": Access.READ,
}


def grant_artifacts(artifacts: Artifacts, grantee: iam.IGrantable, access: Access) -> None:
    principal = grantee.grant_principal
    object_actions = ["s3:GetObject"] + (["s3:PutObject"] if access is Access.READ_WRITE else [])
    principal.add_to_principal_policy(
        iam.PolicyStatement(actions=object_actions, resources=[artifacts.bucket.arn_for_objects("*")])
    )
    principal.add_to_principal_policy(
        iam.PolicyStatement(actions=["s3:ListBucket"], resources=[artifacts.bucket.bucket_arn])
    )
