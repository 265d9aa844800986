import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnLines, columns, keyValues, structured, terminalSafe } from '../../src/cli/render.ts';

const ESC = '\u001b';

describe('terminalSafe', () => {
  it('writes C0, DEL and C1 control characters as \\u escapes', () => {
    assert.equal(terminalSafe(`a${ESC}]0;owned\u0007${ESC}[2J\r\u007f\u009bz`), 'a\\u001b]0;owned\\u0007\\u001b[2J\\u000d\\u007f\\u009bz');
  });

  it('escapes newlines and tabs in a cell, keeps them in whole messages', () => {
    assert.equal(terminalSafe('a\nb\tc'), 'a\\u000ab\\u0009c');
    assert.equal(terminalSafe(`a\nb\tc${ESC}`, { lines: true }), 'a\nb\tc\\u001b');
  });

  it('leaves printable text alone, Unicode included', () => {
    assert.equal(terminalSafe('arn:aws:eks:eu-west-1:1234:cluster/prod — Zoë ✓'), 'arn:aws:eks:eu-west-1:1234:cluster/prod — Zoë ✓');
  });
});

describe('rendering values that may come from the cluster', () => {
  it('tables escape every cell, and pad to the escaped width', () => {
    const table = columns(['NAME', 'SERVICE ACCOUNT'], [[`x${ESC}[2J`, 'app'], ['y', `b\nc`]]);
    assert.doesNotMatch(table, /\u001b/);
    assert.equal(table, 'NAME         SERVICE ACCOUNT\nx\\u001b[2J   app\ny            b\\u000ac\n');
    assert.deepEqual(columnLines(['NAME', 'SERVICE ACCOUNT'], [[`x${ESC}[2J`, 'app'], ['y', `b\nc`]]), table.trimEnd().split('\n'), 'the same lines, for a long table written a part at a time');
    assert.doesNotMatch(keyValues([['issuer', `me${ESC}[31m`]]), /\u001b/);
  });

  it('JSON and YAML carry no raw control character, and decode to the same value', () => {
    const value = { issuedBy: `me${ESC}[31m\u009b\u007f` };
    const json = structured(value, 'json');
    assert.doesNotMatch(json, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    assert.deepEqual(JSON.parse(json), value);
    assert.doesNotMatch(structured(value, 'yaml'), /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});
