import { TaskFailure } from '../../offline/stubs';

/**
 * A write that happens every time but whose first answer never reaches Step Functions (a reset
 * connection after the service applied it), so the Task is retried against its own write.
 */
export function firstAnswerLost<I, O>(key: string, write: (input: I) => O): (input: I) => O {
  let answers = 0;
  return (input) => {
    const written = write(input);
    answers += 1;
    if (answers === 1) throw TaskFailure.of(key, 'InternalServerError', 'connection reset');
    return written;
  };
}
