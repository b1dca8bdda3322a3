-- Run once per database, as its admin, before the first load (docs/operations.md). The load
-- workflow's IAM role is tagged RedshiftDbRoles=loglake_loader, so Redshift Serverless gives it
-- this role when it signs in (https://docs.aws.amazon.com/redshift/latest/mgmt/redshift-iam-access-federated-db-roles.html).
-- The role may create schemas, so it owns the schemas and tables it creates, and nothing else;
-- replace dev with the RedshiftDatabaseName parameter.
CREATE ROLE loglake_loader;
GRANT CREATE ON DATABASE dev TO ROLE loglake_loader;
