import {
  type FirehoseClientResolvedConfig,
  PutRecordBatchCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-firehose';
import type { AwsStub } from 'aws-sdk-client-mock';

type FirehoseStub = AwsStub<ServiceInputTypes, ServiceOutputTypes, FirehoseClientResolvedConfig>;

/** Every JSON line a mocked Firehose client was sent, across calls and records, in order. */
export function sentJsonLines(firehose: FirehoseStub): Record<string, unknown>[] {
  return firehose
    .commandCalls(PutRecordBatchCommand)
    .flatMap((call) => call.args[0].input.Records ?? [])
    .flatMap((r) =>
      Buffer.from(r.Data as Uint8Array)
        .toString('utf8')
        .split('\n')
        .filter(Boolean),
    )
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
