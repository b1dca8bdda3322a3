// Lambda-like environment for every test file, set before any handler module loads.
process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_DEFAULT_REGION ??= 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test-access-key';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test-secret-key';
process.env.AWS_LAMBDA_FUNCTION_NAME ??= 'loglake-test';
process.env.POWERTOOLS_SERVICE_NAME ??= 'loglake';
process.env.POWERTOOLS_METRICS_NAMESPACE ??= 'LogLake';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_DEV ??= 'true';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// No X-Ray daemon here: the tracer stays off, but its wrappers still run.
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
