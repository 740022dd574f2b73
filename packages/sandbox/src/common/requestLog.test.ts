import { RequestLog } from './requestLog';

describe('RequestLog', () => {
  const entry = (method: string, path: string) => ({
    server: 'kubernetes' as const,
    target: 'dev',
    method,
    path,
    query: '',
    status: 200,
    at: 0,
    durationMs: 1,
  });

  it('counts writes separately from reads and only after a mark', () => {
    const log = new RequestLog();
    log.record(entry('GET', '/api/v1/namespaces'));
    const mark = log.mark();
    log.record(entry('PATCH', '/api/v1/namespaces/a'));
    log.record(entry('GET', '/api/v1/namespaces/a'));
    expect(log.count({ kind: 'write' })).toBe(1);
    expect(log.count({ since: mark })).toBe(2);
    expect(log.countsByRoute({ kind: 'read' })).toEqual({
      'GET /api/v1/namespaces': 1,
      'GET /api/v1/namespaces/a': 1,
    });
  });

  it('keeps marks valid when old entries are dropped', () => {
    const log = new RequestLog({ capacity: 2 });
    log.record(entry('GET', '/a'));
    log.record(entry('GET', '/b'));
    const mark = log.mark();
    log.record(entry('GET', '/c'));
    expect(log.entries({ since: mark }).map(e => e.path)).toEqual(['/c']);
  });
});
