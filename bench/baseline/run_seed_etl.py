# Times the seed ETL over whole invocations, as the Lambda runtime runs it: JSON text of
# the event in, serialised response out. Usage: run_seed_etl.py EVENT.json WARMUP REPS
# Prints one JSON object: median seconds, raw log bytes, records, Ok records.
import base64
import contextlib
import io
import json
import statistics
import sys
import time

from seed_clickstream_etl import lambda_handler


def main():
    path, warmup, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(path, encoding='utf-8') as f:
        text = f.read()
    raw_bytes = sum(len(base64.b64decode(r['data'])) for r in json.loads(text)['records'])
    times = []
    result = None
    for rep in range(warmup + reps):
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            result = json.dumps(lambda_handler(json.loads(text), None))
        if rep >= warmup:
            times.append(time.perf_counter() - started)
    records = json.loads(result)['records']
    print(json.dumps({
        'medianSeconds': statistics.median(times),
        'rawBytes': raw_bytes,
        'records': len(records),
        'ok': sum(1 for r in records if r['result'] == 'Ok'),
    }))


if __name__ == '__main__':
    main()
