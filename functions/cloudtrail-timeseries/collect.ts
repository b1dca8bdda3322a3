import { HOUR_MS } from '../shared/cloudtrail/hours';
import type { TrailEvent } from './csv';

export class CollectionTimeoutError extends Error {
  override readonly name = 'CollectionTimeoutError';
}

export interface Collection {
  /** Hours whose files were written, oldest first, with their event counts. */
  readonly written: { hour: Date; events: number }[];
  readonly pages: number;
  /** Events LookupEvents returned without an EventTime: no hour can hold them, so they are counted. */
  readonly withoutTime: number;
}

/**
 * Pages LookupEvents (newest first) over `hours` and writes each hour as soon as paging has
 * passed its start, so a run cut short keeps every hour it finished. Hours with no events
 * are written too: an empty file says "no calls", a missing one "not collected".
 */
export async function collectHours(options: {
  hours: readonly Date[];
  pages: AsyncIterable<TrailEvent[]>;
  write: (hour: Date, events: TrailEvent[]) => Promise<void>;
  /** Asked after every page: true stops paging with CollectionTimeoutError. */
  outOfTime: () => boolean;
}): Promise<Collection> {
  const pending = new Map<number, TrailEvent[]>(
    [...options.hours].sort((a, b) => b.getTime() - a.getTime()).map((h) => [h.getTime(), []]),
  );
  const written: { hour: Date; events: number }[] = [];
  const flushFrom = async (oldestSeen: number) => {
    for (const [start, events] of pending) {
      if (start <= oldestSeen) continue;
      pending.delete(start);
      events.sort((a, b) => (a.EventTime as Date).getTime() - (b.EventTime as Date).getTime());
      await options.write(new Date(start), events);
      written.push({ hour: new Date(start), events: events.length });
    }
  };
  let pages = 0;
  let withoutTime = 0;
  for await (const page of options.pages) {
    pages++;
    let oldest = Number.POSITIVE_INFINITY;
    for (const event of page) {
      const time = event.EventTime?.getTime();
      if (time === undefined || Number.isNaN(time)) {
        withoutTime += 1;
        continue;
      }
      oldest = Math.min(oldest, time);
      pending.get(Math.floor(time / HOUR_MS) * HOUR_MS)?.push(event);
    }
    // Every event of an hour that starts after the oldest event seen has been returned.
    await flushFrom(oldest);
    if (pending.size > 0 && options.outOfTime()) {
      throw new CollectionTimeoutError(
        `ran out of time after ${pages} pages with ${pending.size} hours left; the hours written are kept`,
      );
    }
  }
  await flushFrom(Number.NEGATIVE_INFINITY);
  written.sort((a, b) => a.hour.getTime() - b.hour.getTime());
  return { written, pages, withoutTime };
}
