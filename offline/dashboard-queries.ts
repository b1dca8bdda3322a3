import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './fixtures';

/**
 * The searches OpenSearch Dashboards sends for the saved visualizations in dashboards/*.ndjson,
 * built from the saved objects themselves (their aggregations and filters, not a copy of them),
 * the way Dashboards turns a visualization into a request: bucket aggregations nested in the
 * order the visualization lists them, metrics inside the deepest bucket, `count` as doc_count;
 * the search source's filters, and the time picker's range on the index pattern's time field,
 * as bool filters; a lucene query as query_string. An aggregation type this does not know is
 * an error, so a new visualization cannot pass unchecked.
 */

export interface SavedObject {
  readonly id: string;
  readonly type: string;
  readonly attributes: Record<string, unknown>;
  readonly references: readonly { name: string; type: string; id: string }[];
}

export interface Agg {
  readonly id: string;
  readonly type: string;
  readonly schema: string;
  readonly enabled?: boolean;
  readonly params: Record<string, unknown>;
}

export interface VisualizationSearch {
  readonly id: string;
  readonly title: string;
  readonly visType: string;
  /** The index pattern's title: the indexes searched. */
  readonly index: string;
  readonly aggs: readonly Agg[];
  readonly body: Record<string, unknown>;
}

export const DASHBOARDS_FILE = join(REPO_ROOT, 'dashboards', 'clickstream.ndjson');

export function savedObjects(ndjson = readFileSync(DASHBOARDS_FILE, 'utf8')): SavedObject[] {
  return ndjson
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SavedObject);
}

export interface TimeRange {
  readonly from: string;
  readonly to: string;
}

export function visualizationSearches(
  objects: readonly SavedObject[],
  time?: TimeRange,
): VisualizationSearch[] {
  const byId = new Map(objects.map((o) => [`${o.type}:${o.id}`, o]));
  return objects
    .filter((o) => o.type === 'visualization')
    .map((vis) => {
      const state = JSON.parse(String(vis.attributes.visState)) as { type: string; aggs: Agg[] };
      const meta = vis.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string };
      const source = JSON.parse(meta.searchSourceJSON) as {
        query?: { query: string; language: string };
        filter?: { meta: { disabled?: boolean; negate?: boolean }; query: Record<string, unknown> }[];
        indexRefName?: string;
      };
      const ref = vis.references.find((r) => r.name === source.indexRefName);
      const pattern = ref && byId.get(`index-pattern:${ref.id}`);
      if (!pattern)
        throw new Error(`${vis.id}: its index pattern (${source.indexRefName}) is not in the file`);
      const timeField = pattern.attributes.timeFieldName as string | undefined;

      const must: unknown[] = [];
      const filter: unknown[] = [];
      const mustNot: unknown[] = [];
      if (source.query?.query) must.push(queryOf(source.query));
      for (const f of source.filter ?? []) {
        if (f.meta.disabled) continue;
        (f.meta.negate ? mustNot : filter).push(f.query);
      }
      if (time && timeField)
        filter.push({
          range: { [timeField]: { gte: time.from, lte: time.to, format: 'strict_date_optional_time' } },
        });
      const aggs = state.aggs.filter((a) => a.enabled !== false);
      return {
        id: vis.id,
        title: String(vis.attributes.title),
        visType: state.type,
        index: String(pattern.attributes.title),
        aggs,
        body: {
          size: 0,
          track_total_hits: true,
          query: { bool: { must, filter, must_not: mustNot } },
          aggs: aggsDsl(aggs),
        },
      };
    });
}

function queryOf({ query, language }: { query: string; language: string }): unknown {
  if (language !== 'lucene')
    throw new Error(`a ${language} query needs Dashboards' parser; saved objects here use lucene`);
  return { query_string: { query, analyze_wildcard: true } };
}

const BUCKETS = new Set(['date_histogram', 'terms', 'filters', 'range']);
const METRICS = new Set(['count', 'cardinality']);

function aggsDsl(aggs: readonly Agg[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let level = root;
  for (const agg of aggs) {
    if (!BUCKETS.has(agg.type) && !METRICS.has(agg.type))
      throw new Error(`aggregation type ${agg.type} is not one this knows how Dashboards sends`);
  }
  for (const agg of aggs.filter((a) => BUCKETS.has(a.type))) {
    const inner: Record<string, unknown> = {};
    level[agg.id] = { [agg.type]: bucketParams(agg, aggs), aggs: inner };
    level = inner;
  }
  for (const agg of aggs.filter((a) => a.type !== 'count' && METRICS.has(a.type))) {
    const { field, json } = agg.params as { field: string; json?: string };
    level[agg.id] = { [agg.type]: { field, ...(json ? (JSON.parse(json) as object) : {}) } };
  }
  return prune(root);
}

function bucketParams(agg: Agg, all: readonly Agg[]): Record<string, unknown> {
  const p = agg.params as Record<string, unknown>;
  switch (agg.type) {
    case 'date_histogram': {
      const interval = String(p.interval);
      const unit = { m: 'm', h: 'h', d: 'd', w: 'w', M: 'M', y: 'y' }[interval];
      if (!unit) throw new Error(`${agg.id}: interval ${interval} is not a calendar unit`);
      return {
        field: p.field,
        calendar_interval: `1${unit}`,
        time_zone: 'UTC',
        min_doc_count: p.min_doc_count ?? 1,
      };
    }
    case 'terms': {
      const orderAgg = all.find((a) => a.id === p.orderBy);
      const key = orderAgg?.type === 'count' ? '_count' : String(p.orderBy);
      return { field: p.field, size: p.size, order: { [key]: p.order } };
    }
    case 'filters': {
      const filters = p.filters as { input: { query: string; language: string }; label?: string }[];
      return {
        filters: Object.fromEntries(filters.map((f) => [f.label || f.input.query, queryOf(f.input)])),
      };
    }
    case 'range':
      return { field: p.field, ranges: p.ranges };
    default:
      throw new Error(`bucket ${agg.type}`);
  }
}

function prune(aggs: Record<string, unknown>): Record<string, unknown> {
  for (const value of Object.values(aggs)) {
    const node = value as { aggs?: Record<string, unknown> };
    if (node.aggs) {
      prune(node.aggs);
      if (Object.keys(node.aggs).length === 0) delete node.aggs;
    }
  }
  return aggs;
}

/** One row of what a visualization shows: its bucket keys, outermost first, and its metric. */
export interface Row {
  readonly keys: readonly string[];
  readonly value: number;
}

/**
 * The numbers a visualization draws from the response: one row per innermost bucket (a metric
 * visualization has one row with no keys). `count` reads doc_count; another metric its value.
 */
export function rowsOf(search: VisualizationSearch, response: SearchResponse): Row[] {
  const buckets = search.aggs.filter((a) => BUCKETS.has(a.type));
  const metric = search.aggs.find((a) => METRICS.has(a.type));
  if (!metric) throw new Error(`${search.id} has no metric`);
  const metricOf = (node: Record<string, unknown>, docCount: number) =>
    metric.type === 'count' ? docCount : Number((node[metric.id] as { value: number }).value);
  const rows: Row[] = [];
  const walk = (node: Record<string, unknown>, depth: number, keys: string[], docCount: number) => {
    if (depth === buckets.length) {
      rows.push({ keys, value: metricOf(node, docCount) });
      return;
    }
    const agg = buckets[depth] as Agg;
    const raw = (node[agg.id] as { buckets: unknown }).buckets;
    const entries: [string, Record<string, unknown>][] = Array.isArray(raw)
      ? (raw as Record<string, unknown>[]).map((b) => [String(b.key_as_string ?? b.key), b])
      : Object.entries(raw as Record<string, Record<string, unknown>>);
    for (const [key, bucket] of entries) walk(bucket, depth + 1, [...keys, key], Number(bucket.doc_count));
  };
  walk(response.aggregations ?? {}, 0, [], response.hits.total.value);
  return rows;
}

export interface SearchResponse {
  readonly hits: { total: { value: number } };
  readonly aggregations?: Record<string, unknown>;
}
