// Imported first by the handler tests: the handler reads its configuration at cold start.
process.env.TIMESERIES_BUCKET = 'loglake-test-raw';
process.env.DEFAULT_SERVICE = 'kms';
process.env.TOP_EVENT_NAMES = '3';
