import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startHealthServer } from '../../src/controller/health.ts';

describe('probes and metrics server', () => {
  it('answers /healthz always, /readyz by its source (503 with the reason), /metrics as Prometheus text, nothing else', async () => {
    let ready: { ok: true } | { ok: false; reason: string } = { ok: false, reason: 'not listed yet' };
    const server = await startHealthServer({ host: '127.0.0.1', port: 0 }, { ready: () => ready, metrics: () => 'tempcreds_leader 1\n' });
    const get = async (path: string, method = 'GET') => {
      const response = await fetch(`http://${server.address}${path}`, { method });
      return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
    };
    try {
      assert.equal((await get('/healthz')).status, 200);
      assert.deepEqual(await get('/readyz'), { status: 503, type: 'text/plain; charset=utf-8', text: 'not ready: not listed yet\n' });
      ready = { ok: true };
      assert.equal((await get('/readyz?verbose')).status, 200);
      assert.deepEqual(await get('/metrics'), { status: 200, type: 'text/plain; version=0.0.4; charset=utf-8', text: 'tempcreds_leader 1\n' });
      assert.equal((await get('/')).status, 404);
      assert.equal((await get('/metrics', 'POST')).status, 405);
      await assert.rejects(startHealthServer({ host: '127.0.0.1', port: Number(server.address.split(':')[1]) }, { ready: () => ready, metrics: () => '' }), {
        message: /^cannot serve probes and metrics on 127\.0\.0\.1:\d+ \(EADDRINUSE\): choose another address with --health-addr$/,
      });
    } finally {
      await server.close();
    }
  });
});
