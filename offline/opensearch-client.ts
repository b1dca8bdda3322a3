/** The few OpenSearch REST calls the offline proof makes, over fetch, with OpenSearch's errors kept. */
export class OpenSearchError extends Error {
  override readonly name = 'OpenSearchError';
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${body.slice(0, 500)}`);
  }
}

export interface OpenSearchHttp {
  request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
}

export function openSearchHttp(baseUrl: string): OpenSearchHttp {
  return {
    async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json') {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { 'content-type': contentType },
        ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new OpenSearchError(response.status, text, `${method} ${path}`);
      return JSON.parse(text) as T;
    },
  };
}
