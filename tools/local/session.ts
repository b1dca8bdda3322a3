import { type EventLog, type ExecutionReport, runDefinition } from '../../offline/harness';
import { loadDefinition } from '../../offline/state-machines';
import { LocalFirehose } from './firehose';
import { loadAllHandlers, loadHandler } from './handlers';
import { LocalObjectStore } from './object-store';
import { LocalRedshift } from './redshift';
import { cloudTrailSample } from './samples';
import { installLocalAws } from './sdk-patches';
import { type LocalServices, localExecution, localServices } from './services';

export interface LocalSession {
  store: LocalObjectStore;
  firehose: LocalFirehose;
  trailEvents: ReturnType<typeof cloudTrailSample>;
  redshift: LocalRedshift;
  services: LocalServices;
  /** Runs a state machine (by logical id) to its end on the local services. */
  run(machine: string, input: unknown): Promise<ExecutionReport>;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Where the local S3 keeps its objects: `<root>/<bucket>/<key>`. */
  storeRoot: string;
  /** The end of the CloudTrail sample the local CloudTrail answers with. */
  now: Date;
  trailDays: number;
  /** Each state entered and each failure, as it happens. */
  onEvent?: (machine: string, event: EventLog) => void;
}

/**
 * Every AWS call of the handlers and the workflows answered on this machine: S3 by a folder,
 * Firehose by the template's delivery streams (transform included), CloudTrail by sample
 * events, Redshift by PGlite, Glue by local Spark, Athena by DuckDB. The demo and
 * `make invoke SM=…` run on it.
 */
export async function startLocalSession(options: SessionOptions): Promise<LocalSession> {
  const store = new LocalObjectStore(options.storeRoot);
  const firehose = new LocalFirehose(store, loadHandler);
  const trailEvents = cloudTrailSample(options.now, options.trailDays);
  const restore = installLocalAws({
    store,
    putRecords: (stream, records) => firehose.putRecords(stream, records),
    trailEvents,
  });
  const redshift = await LocalRedshift.start(store);
  const handlerFor = await loadAllHandlers();
  const onEvent = options.onEvent ?? (() => {});
  const services = localServices(store, redshift, handlerFor, onEvent);
  return {
    store,
    firehose,
    trailEvents,
    redshift,
    services,
    run: (machine, input) =>
      runDefinition(loadDefinition(machine), input, {
        stubs: services.stubs,
        handlerFor,
        onEvent: (e) => onEvent(machine, e),
        // Every execution has its own id, as on AWS: claims and locks record it as their holder.
        context: { Execution: localExecution(machine) },
      }),
    close: async () => {
      restore();
      await redshift.db.close();
    },
  };
}
