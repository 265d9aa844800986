import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupLeases, indexAnchors } from '../../src/core/cluster-leases.ts';
import { anchorCompactor } from '../../src/core/compact-anchor.ts';
import type { ManagedObject } from '../../src/core/lease.ts';
import { leaseObjects } from './fakes.ts';

/** Every field a reader may ask for, read through the getters as gc's readers do. */
function read(object: ManagedObject) {
  const { apiVersion, kind, name, namespace, uid, labels, annotations, creationTimestamp, owners } = object;
  return { apiVersion, kind, name, namespace, uid, labels, annotations, creationTimestamp, owners };
}

describe('anchorCompactor', () => {
  it('a compact anchor reads as the object it was made from, whatever text its metadata holds', () => {
    const compact = anchorCompactor();
    const [anchor] = leaseObjects({ suffix: 'compact00000' });
    const forged: ManagedObject = {
      ...anchor!,
      name: 'forged',
      uid: 'forged-uid',
      owners: ['a', 'b'],
      annotations: { ...anchor!.annotations, 'tempcreds.dev/issued-by': 'quote " backslash \\ newline \n nul \u0000 line separator \u2028 é 🙂', 'tempcreds.dev/expires-at': '' },
    };
    const { creationTimestamp: _created, ...withoutTime } = anchor!;
    const bare: ManagedObject = { ...withoutTime, name: 'bare', uid: undefined, labels: {}, annotations: {} };
    for (const object of [anchor!, forged, bare]) assert.deepEqual(read(compact(object)), read(object), object.name);
  });

  it('anchors of the same keys share one list of them; each keeps its own values', () => {
    const compact = anchorCompactor();
    const [first, second] = ['shared000001', 'shared000002'].map((suffix) => compact(leaseObjects({ suffix })[0]!));
    assert.equal(first!.labels['tempcreds.dev/lease'], 'shared000001');
    assert.equal(second!.labels['tempcreds.dev/lease'], 'shared000002');
    assert.deepEqual(Object.keys(first!.annotations), Object.keys(second!.annotations));
  });

  it('is one object to provenance: grouped with its members as the plain anchor would be', () => {
    const objects = leaseObjects({ suffix: 'grouped00000' });
    const compact = anchorCompactor();
    const anchor = compact(objects[0]!);
    const members = objects.slice(1);
    const plain = groupLeases(objects);
    const packed = groupLeases([anchor, ...members], indexAnchors([anchor]));
    assert.deepEqual(packed.warnings, plain.warnings);
    assert.equal(packed.leases.length, 1);
    assert.equal(packed.leases[0]!.anchor, anchor);
    assert.deepEqual(packed.leases[0]!.objects.map((object) => object.name), plain.leases[0]!.objects.map((object) => object.name));
    const { anchor: _compact, objects: _objects, ...decided } = packed.leases[0]!;
    const { anchor: _plain, objects: _plainObjects, ...expected } = plain.leases[0]!;
    assert.deepEqual(decided, expected);
  });
});
