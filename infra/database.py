"""RDS PostgreSQL for all forge state, its credentials in Secrets Manager, and the migrations applied on deploy.

The custom resource runs forge.db.migrate (functions/migrate/handler.py), the runner the local runtime and the
tests use, so AWS gets exactly the schema the code was tested against.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from aws_cdk import CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import custom_resources as cr
from constructs import Construct

from infra.context import ForgeContext
from infra.nag import (
    LAMBDA_BASIC,
    NO_RESOURCE_LEVEL,
    acknowledge,
    acknowledge_managed_policies,
    acknowledge_wildcards,
    logical_id,
)
from infra.network import Network

DATABASE_NAME = "forge"
POSTGRES_PORT = 5432
MIGRATIONS = Path("layers") / "forge" / "db" / "migrations"
SECRET_ENV = "FORGE_DATABASE_SECRET_ARN"  # noqa: S105 - the name of a variable holding an ARN
# How often Secrets Manager rotates the database password (its own rotation rule; docs/aws.md).
SECRET_ROTATION = Duration.days(30)
LOG_RETENTION_SINGLETON = "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a"


def migrations_digest(repo_root: Path) -> str:
    """Changes exactly when a migration file is added or edited: the custom resource then runs again."""
    digest = hashlib.sha256()
    for path in sorted((repo_root / MIGRATIONS).glob("*.sql")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class Database(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, network: Network, context: ForgeContext) -> None:
        super().__init__(scope, construct_id)
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=network.vpc,
            description="Plugin Forge PostgreSQL: 5432 from the forge functions and tasks only",
            allow_all_outbound=False,
        )
        self.instance = rds.DatabaseInstance(
            self,
            "Instance",
            # The major only: RDS retires minor versions (a template naming one fails to deploy once it is gone), and
            # with the major alone RDS creates the instance at its current default minor, and auto minor upgrades
            # keep it current without the template ever disagreeing (docs/aws.md, "Database engine version").
            engine=rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_16),
            instance_type=ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
            vpc=network.vpc,
            vpc_subnets=network.subnets,
            security_groups=[self.security_group],
            database_name=DATABASE_NAME,
            # A generated password in Secrets Manager; forge.db.dsn reads the secret's JSON (host, port, ...).
            credentials=rds.Credentials.from_generated_secret("forge"),
            port=POSTGRES_PORT,
            storage_encrypted=True,
            allocated_storage=20,
            max_allocated_storage=100,
            multi_az=context.database_multi_az,
            deletion_protection=context.database_deletion_protection,
            removal_policy=RemovalPolicy.SNAPSHOT,
            backup_retention=Duration.days(7),
            iam_authentication=False,
            # forge.db.dsn connects with sslmode=require; the server refuses anything else.
            parameters={"rds.force_ssl": "1"},
            cloudwatch_logs_exports=["postgresql"],
            cloudwatch_logs_retention=logs.RetentionDays.ONE_MONTH,
            enable_performance_insights=False,
            auto_minor_version_upgrade=True,
        )
        # cfn-lint's W3691 data lists the bare major ("16") among the deprecated versions, but RDS documents it: "If a
        # major version is specified but a minor version is not, Amazon RDS defaults to a recent release of the major
        # version you have specified" (PostgreSQL.Concepts.General.DBVersions; cfn-lint issue #3849 for the same false
        # positive on E3691). Silenced on this resource only.
        instance_resource = self.instance.node.default_child
        if not isinstance(instance_resource, rds.CfnDBInstance):
            raise TypeError("the database instance's default child is not a CfnDBInstance")
        instance_resource.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3691"]}})
        secret = self.instance.secret
        if secret is None:  # from_generated_secret always creates one
            raise ValueError("the database instance has no generated secret")
        self.secret: secretsmanager.ISecret = secret
        acknowledge(
            self.instance,
            "AwsSolutions-RDS11",
            "The default port: the database is reachable only from the forge security groups in isolated "
            "subnets, so a non-standard port would add configuration without adding protection.",
        )
        if not context.database_multi_az:
            acknowledge(
                self.instance,
                "AwsSolutions-RDS3",
                "Multi-AZ is a context switch (forge:databaseMultiAz), off by default: the pipeline is a "
                "batch workload whose executions retry transient database errors; production turns it on.",
            )

        # Secrets Manager's own rotation: its rotation rule invokes the hosted single-user function (in the VPC next to
        # the database) every 30 days. Secrets Manager calls the function itself, so no other role needs
        # lambda:InvokeFunction on it (an EventBridge schedule calling RotateSecret would, and could never get it: the
        # hosted function's name is only known to the rotation). Single user: during the seconds between the new
        # password being set and the secret switching, a new connection is refused and retried (TransientError); a
        # warm function reads the secret again at its first refused password (forge.db.connection).
        self.rotation_security_group = ec2.SecurityGroup(
            self,
            "RotationSecurityGroup",
            vpc=network.vpc,
            description="Plugin Forge database secret rotation function",
            allow_all_outbound=True,
        )
        self.rotation = self.secret.add_rotation_schedule(
            "Rotation",
            hosted_rotation=secretsmanager.HostedRotation.postgre_sql_single_user(
                vpc=network.vpc, vpc_subnets=network.subnets, security_groups=[self.rotation_security_group]
            ),
            automatically_after=SECRET_ROTATION,
            rotate_immediately_on_update=False,
        )
        self.allow_from(self.rotation_security_group, "secret rotation")
        # RDS log exports with a retention create the aws-cdk-lib log-retention singleton function.
        singleton = Stack.of(self).node.try_find_child(LOG_RETENTION_SINGLETON)
        if singleton is not None:
            acknowledge_managed_policies(
                singleton, (LAMBDA_BASIC,), "The aws-cdk-lib log-retention function writes only its own logs."
            )
            acknowledge_wildcards(
                singleton,
                (NO_RESOURCE_LEVEL,),
                "The log-retention function sets retention on log groups RDS names at run time.",
            )

    def allow_from(self, group: ec2.ISecurityGroup, who: str) -> None:
        """Open 5432 from one security group (functions, tasks, rotation) and nowhere else.

        Through `connections`, so a group without open egress (the sandbox's) also gets its egress rule."""
        group.connections.allow_to(self.security_group, ec2.Port.tcp(POSTGRES_PORT), f"PostgreSQL from {who}")
        if group.allow_all_outbound:
            acknowledge(
                group,
                "@aws-cdk/aws-ec2:ipv4IgnoreEgressRule",
                "This group's outbound is already open (inside the isolated VPC); only the database's ingress "
                "rule is needed.",
            )

    def grant_connect(self, grantee: iam.IGrantable) -> None:
        self.secret.grant_read(grantee)


class Migrations(Construct):
    """A custom resource that applies forge.db.migrate on every deploy whose migrations changed."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repo_root: Path,
        function: lambda_.IFunction,
        database: Database,
        network: Network,
    ) -> None:
        super().__init__(scope, construct_id)
        provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=function,
            log_group=logs.LogGroup(self, "ProviderLogs", retention=logs.RetentionDays.ONE_MONTH),
        )
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type="Custom::ForgeMigrations",
            properties={"MigrationsDigest": migrations_digest(repo_root)},
        )
        # The database (with its security group rules) must accept connections, and the function must be able to
        # read the secret through its endpoint, before the first migration runs: CloudFormation would otherwise
        # create them in parallel.
        self.resource.node.add_dependency(database)
        self.resource.node.add_dependency(network.endpoints["SecretsManager"])
        acknowledge_managed_policies(
            provider, (LAMBDA_BASIC,), "The CDK provider framework's own function writes only its own logs."
        )
        acknowledge_wildcards(
            provider,
            (f"Resource::<{logical_id(function)}.Arn>:*",),
            "The provider framework may invoke any version of the migrate function, and only that function.",
        )
        acknowledge(
            provider,
            "AwsSolutions-L1",
            "The provider framework's Node.js runtime is chosen by aws-cdk-lib, not by this stack.",
        )
