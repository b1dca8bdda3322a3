/**
 * Spaces calls at least `intervalMs` apart. LookupEvents allows 2 requests a second per
 * account and Region, shared with everyone else's tools: pacing keeps this function well
 * under it, and the SDK's adaptive retry mode absorbs throttling that happens anyway.
 */
export function createPacer(
  intervalMs: number,
  now: () => number = Date.now,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
) {
  let last = Number.NEGATIVE_INFINITY;
  return async function beforeCall(): Promise<void> {
    const wait = last + intervalMs - now();
    if (wait > 0) await sleep(wait);
    last = now();
  };
}
