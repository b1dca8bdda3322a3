# The reference transformation Lambda loglake replaces, the baseline the
# clickstream transform is measured against. Ported to Python 3 only where Python 2 idioms
# fail (bytes vs str around base64), and with every print that dumps records removed (the
# raw event, each recordId and payload, the whole output): that only makes the baseline
# faster, so the measured ratio is conservative. The logic is otherwise the seed's.
from __future__ import print_function
import base64
import json
import re
from dateutil.parser import parse
from datetime import datetime, tzinfo, timedelta


class UTC(tzinfo):
    """UTC"""

    def utcoffset(self, dt):
        return timedelta(0)

    def tzname(self, dt):
        return "UTC"

    def dst(self, dt):
        return timedelta(0)

utc = UTC()


def lambda_handler(event, context):
    output = []
    succeeded_record_cnt = 0
    failed_record_cnt = 0

    safe_string_to_int = lambda x: int(x) if x.isdigit() else x

    for record in event['records']:
        payload = base64.b64decode(record['data'])
        payload = payload.decode("utf-8")

        regex = '^([\\d.]+) (\\S+) (\\S+) \\[([\\w:\\/]+)(\\s[\\+\\-]\\d{4}){0,1}\\] "(.+?)" (\\d{3}) (\\d+) (".+?") (".+?") "user = ([^;]*)'
        p = re.compile(regex)
        m = p.match(payload)

        if p.match(payload) is None:
            regex = '^([\\d.]+) (\\S+) (\\S+) \\[([\\w:/]+)(\\s[\\+\\-]\\d{4}){0,1}\\] \\"(.+?)\\" (\\d{3}) (\\d+) (".+?") (".+?")'
            p = re.compile(regex)
            m = p.match(payload)

        if m:
            succeeded_record_cnt += 1

            ts = m.group(4)
            try:
                d = parse(ts.replace(':', ' ', 1))
                ts = d.isoformat()
            except:
                print('Parsing the timestamp to date failed.')
            data_field = {
                'host': m.group(1),
                'ident': m.group(2),
                'authuser': m.group(3),
                '@timestamp': ts,
                'request': m.group(6),
                'response': safe_string_to_int(m.group(7)),
                'bytes': safe_string_to_int(m.group(8)),
                'referer': safe_string_to_int(m.group(9)),
                'user-agent': safe_string_to_int(m.group(10))
            }
            if (len(m.groups()) > 10):
                data_field['username'] = safe_string_to_int(m.group(11))

            if m.group(6) and len(m.group(6).split()) > 1:
                data_field['verb'] = m.group(6).split()[0]

            if m.group(5):
                data_field['timezone'] = m.group(5).strip()
                try:
                    ts_with_offset = m.group(4) + m.group(5)
                    d = parse(ts_with_offset.replace(':', ' ', 1))
                    utc_d = d.astimezone(utc)
                    data_field['@timestamp_utc'] = utc_d.isoformat()
                except:
                    print('Calculating UTC time failed.')

            output_record = {
                'recordId': record['recordId'],
                'result': 'Ok',
                # Python 3: b64encode takes and returns bytes.
                'data': base64.b64encode(json.dumps(data_field).encode('utf-8')).decode('ascii')
            }
        else:
            failed_record_cnt += 1
            output_record = {
                'recordId': record['recordId'],
                'result': 'ProcessingFailed',
                'data': record['data']
            }

        output.append(output_record)

    print('Processing completed.  Successful records {}, Failed records {}.'.format(succeeded_record_cnt, failed_record_cnt))
    return {'records': output}
