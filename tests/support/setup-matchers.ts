import 'aws-sdk-client-mock-jest';

// Powertools warns on every failed invocation that it had no metrics to flush; the
// tests that fail invocations on purpose would drown real warnings in it.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('No application metrics to publish')) return;
  warn(...args);
};
