import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Informer } from '../../src/controller/informer.ts';
import { createLogger } from '../../src/controller/logger.ts';
import { object, scriptedSource, until } from './controller-fakes.ts';

describe('informer (list + watch)', () => {
  it('passes on each change once: replays and bookmarks are not changes, a re-list after 410 passes on only what differs', async () => {
    const { source, watches, listQueries } = scriptedSource([
      [{ items: [object('a', '1')], metadata: { continue: '1' } }, { items: [object('b', '1')], metadata: { resourceVersion: '10' } }],
      [{ items: [object('a', '2'), object('c', '1')], metadata: { resourceVersion: '20' } }],
    ]);
    const changes: string[] = [];
    const informer = new Informer(source, (key) => changes.push(key), createLogger({ write: () => undefined }));
    const stop = new AbortController();
    const running = informer.run(stop.signal);

    await until(() => watches.length === 1);
    assert.deepEqual(listQueries, [undefined, '1'], 'the first list in pages');
    assert.equal(informer.synced, true);
    assert.deepEqual(changes.splice(0), ['ns/a', 'ns/b']);
    assert.equal(watches[0]!.from, '10', 'watches from the list');

    const first = watches[0]!;
    first.emit('MODIFIED', object('a', '1'));
    first.emit('MODIFIED', object('a', '2'));
    first.emit('BOOKMARK', { metadata: { resourceVersion: '15' } });
    assert.deepEqual(changes.splice(0), ['ns/a']);
    first.end(null); // the server closed it (timeoutSeconds): watch again from the last version seen
    await until(() => watches.length === 2);
    assert.equal(watches[1]!.from, '15');
    assert.equal(first.aborted, true);

    watches[1]!.emit('ERROR', { code: 410, message: 'too old resource version' });
    await until(() => watches.length === 3);
    assert.deepEqual(changes.splice(0).sort(), ['ns/b', 'ns/c'], 'b was deleted and c created while the watch was gone; a is unchanged');
    assert.deepEqual(informer.keys().sort(), ['ns/a', 'ns/c']);
    assert.equal(watches[2]!.from, '20');

    watches[2]!.emit('DELETED', object('c', '21'));
    assert.deepEqual(changes.splice(0), ['ns/c']);
    assert.equal(informer.get('ns/c'), undefined);

    stop.abort();
    await running;
    assert.equal(watches[2]!.aborted, true);
  });

  it('reconnects after a failed watch, with backoff, from the version it had (no re-list)', async () => {
    const { source, watches, listQueries, failing } = scriptedSource([[{ items: [object('a', '1')], metadata: { resourceVersion: '5' } }]]);
    const lines: string[] = [];
    const informer = new Informer(source, () => undefined, createLogger({ write: (line) => lines.push(line) }));
    failing.watches = 1;
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    await until(() => watches.length === 1, 'the watch after the failed one');
    assert.equal(watches[0]!.from, '5');
    assert.equal(listQueries.length, 1, 'listed once');
    const warning = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.level === 'warn');
    assert.deepEqual([warning?.msg, warning?.error, warning?.retryInMs], ['list or watch failed; retrying', 'Internal Server Error', 500]);
    stop.abort();
    await running;
  });
});
