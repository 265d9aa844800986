import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSelector, decideNamespace } from '../../src/core/namespace-policy.ts';
import { invalid, role } from './fakes.ts';

const listed = role('reader', { allowedNamespaces: ['dev', 'staging'], serviceAccount: 's' });
const single = role('reader', { allowedNamespaces: ['dev'], serviceAccount: 's' });
const everywhere = role('reader', { allowedNamespaces: '*', serviceAccount: 's' });
const selected = role('reader', { allowedNamespaces: ['dev'], namespaceSelector: 'env=dev,!legacy', serviceAccount: 's' });
const selectorOnly = role('reader', { allowedNamespaces: [], namespaceSelector: { matchLabels: { env: 'dev' } }, serviceAccount: 's' });

const MULTIPLE = 'role "reader" allows more than one namespace: choose one with -n NAMESPACE';

describe('decideNamespace', () => {
  it('allows a listed namespace', () => assert.deepEqual(decideNamespace(listed, 'staging'), { namespace: 'staging', verdict: 'allowed' }));
  it('normalizes the request like the role list', () => assert.deepEqual(decideNamespace(listed, ' Staging '), { namespace: 'staging', verdict: 'allowed' }));
  it('"*" allows any namespace', () => assert.deepEqual(decideNamespace(everywhere, 'anything'), { namespace: 'anything', verdict: 'allowed' }));
  it('the list is checked before the selector', () => assert.deepEqual(decideNamespace(selected, 'dev'), { namespace: 'dev', verdict: 'allowed' }));
  it('an unlisted namespace needs the selector', () => assert.deepEqual(decideNamespace(selected, 'team-a'), { namespace: 'team-a', verdict: 'needs-selector' }));
  it('with only a selector, every namespace needs it', () => assert.deepEqual(decideNamespace(selectorOnly, 'dev'), { namespace: 'dev', verdict: 'needs-selector' }));
  it('refuses an unlisted namespace without a selector, Vault-like', () => {
    assert.throws(
      () => decideNamespace(listed, 'prod'),
      invalid('namespace "prod" is not in role "reader"\'s allowed namespaces and does not match its selector (it allows namespaces dev, staging)'),
    );
  });
  it('refuses an invalid namespace name', () => {
    assert.throws(() => decideNamespace(everywhere, 'team_a'), invalid('namespace "team_a" must consist of lower case letters, digits and "-", and start and end with a letter or digit'));
  });

  describe('an omitted namespace', () => {
    it('is the only one when the role allows exactly one', () => {
      assert.deepEqual(decideNamespace(single, undefined), { namespace: 'dev', verdict: 'allowed' });
      assert.deepEqual(decideNamespace(single, ''), { namespace: 'dev', verdict: 'allowed' });
    });
    for (const [name, definition] of [
      ['several namespaces', listed],
      ['"*"', everywhere],
      ['one namespace plus a selector', selected],
      ['only a selector', selectorOnly],
    ] as const) {
      it(`is refused with ${name}`, () => assert.throws(() => decideNamespace(definition, undefined), invalid(MULTIPLE)));
    }
  });
});

describe('checkSelector', () => {
  it('passes a namespace whose labels match', () => checkSelector(selected, 'team-a', { env: 'dev', team: 'a' }));
  it('refuses one whose labels do not match, naming list and selector', () => {
    assert.throws(
      () => checkSelector(selected, 'team-a', { env: 'dev', legacy: 'true' }),
      invalid('namespace "team-a" is not in role "reader"\'s allowed namespaces and does not match its selector (it allows namespaces dev or namespaces labelled env=dev,!legacy)'),
    );
  });
  it('names only the selector when the role lists no namespace', () => {
    assert.throws(
      () => checkSelector(selectorOnly, 'prod', { env: 'prod' }),
      invalid('namespace "prod" is not in role "reader"\'s allowed namespaces and does not match its selector (it allows namespaces labelled env=dev)'),
    );
  });
  it('refuses a namespace that does not exist', () => {
    assert.throws(() => checkSelector(selected, 'ghost', undefined), invalid('namespace "ghost" does not exist'));
  });
});
