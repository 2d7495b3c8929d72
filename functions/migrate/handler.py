"""Custom resource handler (CDK provider framework): apply the forge migrations to the RDS database on deploy."""

from typing import Any, Literal

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from forge.db.dsn import resolve_dsn
from forge.db.migrate import available_migrations, migrate
from forge.observability import logger
from forge.tracing import tracer  # noqa: F401 - built here when tracing is on (in AWS): X-Ray patches the AWS SDK

# One physical resource for the life of the stack: an update that returned a new id would make CloudFormation
# "delete" the old one, which must never touch the schema.
PHYSICAL_ID = "forge-schema"


class MigrationEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    request_type: Literal["Create", "Update", "Delete"] = Field(alias="RequestType")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = MigrationEvent.model_validate(event)
    if request.request_type == "Delete":
        # Deleting the stack keeps the data (the instance is snapshotted); the schema is not dropped.
        return {"PhysicalResourceId": PHYSICAL_ID}
    applied = migrate(resolve_dsn())
    latest = max((m.version for m in available_migrations()), default=0)
    logger.info("schema up to date", extra={"applied": [m.version for m in applied], "latest": latest})
    return {
        "PhysicalResourceId": PHYSICAL_ID,
        "Data": {"Applied": ",".join(f"{m.version:03d}_{m.name}" for m in applied), "LatestVersion": str(latest)},
    }
