import { parseArgs } from 'node:util';
import { replay } from './replay';

// npm run replay -- --bucket B --prefix clickstream-errors/processing-failed/year=2026/month=11/ --stream loglake-dev-clickstream [--dry-run]
const { values } = parseArgs({
  options: {
    bucket: { type: 'string' },
    prefix: { type: 'string' },
    stream: { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
});
if (!values.bucket || !values.prefix || !values.stream) {
  process.stderr.write(
    'usage: npm run replay -- --bucket BUCKET --prefix PREFIX --stream DELIVERY_STREAM [--dry-run]\n',
  );
  process.exit(2);
}
replay({
  bucket: values.bucket,
  prefix: values.prefix,
  stream: values.stream,
  dryRun: values['dry-run'],
}).catch((error: unknown) => {
  process.stderr.write(`replay failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
