import { toApiError } from './api-exception.filter';
import { isDependencyDown } from './dependency-down';

describe('errors from an unreachable dependency', () => {
  it.each([
    ['Postgres connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['Postgres admin shutdown', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['Redis without offline queue', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['a Redis replica promoted away', new Error("READONLY You can't write against a read only replica.")],
    ['a Redis Cluster without quorum', new Error('CLUSTERDOWN The cluster is down')],
    ['Sentinels all gone', new Error('All sentinels are unreachable. Retrying from scratch after 100ms.')],
  ])('answers a coded 503 for %s', (_what, err) => {
    expect(isDependencyDown(err)).toBe(true);
    const mapped = toApiError(err, { id: 'r1' }, 1024);
    expect({ code: mapped.code, status: mapped.status }).toEqual({ code: 'REQ_1000006', status: 503 });
  });

  it('answers a bug as REQ_1000007 naming the request id, never the error text', () => {
    const mapped = toApiError(new TypeError('x is undefined'), { id: 'req-42' }, 1024);
    expect(mapped.code).toBe('REQ_1000007');
    expect(mapped.body.desc.en).toContain('req-42');
    expect(JSON.stringify(mapped.body)).not.toContain('undefined');
  });
});
