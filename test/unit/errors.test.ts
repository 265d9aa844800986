import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, TempcredsError, exitCodeOf, invalidInput, invalidInputs, operationFailed } from '../../src/core/errors.ts';

describe('errors', () => {
  it('invalidInput exits with 2', () => {
    const error = invalidInput('bad');
    assert.ok(error instanceof TempcredsError);
    assert.equal(error.exitCode, 2);
    assert.equal(exitCodeOf(error), 2);
  });
  it('operationFailed exits with 1 and keeps its cause', () => {
    const cause = new Error('socket hang up');
    const error = operationFailed('cannot create', cause);
    assert.equal(exitCodeOf(error), 1);
    assert.equal(error.cause, cause);
    assert.equal('cause' in operationFailed('x'), false);
  });
  it('an ApiError carries its HTTP status and exits with 1', () => {
    const error = new ApiError('forbidden', 403);
    assert.ok(error instanceof TempcredsError);
    assert.equal(error.status, 403);
    assert.equal(exitCodeOf(error), 1);
    assert.equal(error.name, 'ApiError');
  });
  it('any other error exits with 1', () => {
    assert.equal(exitCodeOf(new Error('x')), 1);
    assert.equal(exitCodeOf('x'), 1);
  });
  it('invalidInputs: one problem on one line, several as a list', () => {
    assert.equal(invalidInputs('role "r"', ['a']).message, 'role "r": a');
    assert.equal(invalidInputs('role "r"', ['a', 'b']).message, 'role "r":\n  - a\n  - b');
    assert.equal(invalidInputs('x', ['a']).exitCode, 2);
  });
});
