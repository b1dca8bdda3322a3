// Imported first by the handler tests: the handler reads its configuration at cold start.
process.env.DELIVERY_STREAM_NAME = 'loglake-dev-dynamodb';
