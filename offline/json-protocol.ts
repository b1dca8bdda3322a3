import { Readable } from 'node:stream';
import { modelledErrors, operation, serviceModel, shapeProblems } from './service-models';

/**
 * An SDK v3 request handler that answers an AWS JSON-protocol service (DynamoDB Streams, SQS)
 * in-process, on the wire: the SDK's own serialiser and deserialiser run, every request and
 * answer is checked against the botocore model, and an error can only be one the operation
 * declares. Tools that take an SDK client get a real client built on this.
 */

/** An error answer: `code` must be one of the operation's modelled exceptions. */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export type JsonAnswer = (input: Record<string, unknown>) => unknown;

export interface JsonServiceCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

interface WireRequest {
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

export function jsonProtocolHandler(service: string, answers: Record<string, JsonAnswer>) {
  const model = serviceModel(service);
  const calls: JsonServiceCall[] = [];
  const respond = (statusCode: number, payload: unknown) => ({
    response: {
      statusCode,
      reason: statusCode === 200 ? 'OK' : 'Bad Request',
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: Readable.from([Buffer.from(JSON.stringify(payload))]),
    },
  });
  const handler = {
    calls,
    async handle(request: WireRequest) {
      const target = request.headers['x-amz-target'] ?? '';
      const name = target.slice(target.lastIndexOf('.') + 1);
      const op = operation(model, name);
      // The SDK hands JSON bodies over as bytes: decode the bytes, not through its string methods.
      const bytes = request.body instanceof Uint8Array ? request.body : undefined;
      const body = bytes
        ? new TextDecoder().decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
        : request.body;
      const input = JSON.parse(typeof body === 'string' && body ? body : '{}');
      const sent = op.input ? shapeProblems(model, op.input, input) : [];
      if (sent.length > 0)
        throw new Error(`${service}.${name} request breaks the model:\n${sent.join('\n')}`);
      calls.push({ operation: name, input });
      const answer = answers[name];
      if (!answer) throw new Error(`${service}.${name} has no answer in this test`);
      try {
        const output = (await answer(input)) ?? {};
        const problems = op.output ? shapeProblems(model, op.output, output) : [];
        if (problems.length > 0)
          throw new Error(`${service}.${name} answer breaks the model:\n${problems.join('\n')}`);
        return respond(200, output);
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error;
        if (!modelledErrors(model, name).includes(error.code))
          throw new Error(
            `${service}.${name} cannot raise ${error.code} (model: ${modelledErrors(model, name).join(', ')})`,
          );
        return respond(400, { __type: error.code, message: error.message });
      }
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  return handler;
}
