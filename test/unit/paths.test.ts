// Where state lives on each platform, with the platform, environment and home directory
// injected: XDG on Linux; macOS's Application Support and Caches; Windows' %APPDATA% (roles,
// which may roam with the profile) and %LOCALAPPDATA% (leases and cache, this machine's);
// XDG variables honoured everywhere when set; KUBECTL_TEMPCREDS_HOME above all.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { homedir } from 'node:os';
import { homeDirectory, statePaths } from '../../src/adapters/paths.ts';

describe('statePaths', () => {
  it('Linux: the XDG base directories, defaulted under the home directory', () => {
    assert.deepEqual(statePaths({}, 'linux', '/home/ada'), {
      roles: '/home/ada/.config/kubectl-tempcreds/roles',
      leases: '/home/ada/.local/state/kubectl-tempcreds/leases',
      audit: '/home/ada/.local/state/kubectl-tempcreds/audit.log',
      cache: '/home/ada/.cache/kubectl-tempcreds',
    });
  });

  it('macOS: ~/Library/Application Support and ~/Library/Caches', () => {
    assert.deepEqual(statePaths({}, 'darwin', '/Users/ada'), {
      roles: '/Users/ada/Library/Application Support/kubectl-tempcreds/roles',
      leases: '/Users/ada/Library/Application Support/kubectl-tempcreds/leases',
      audit: '/Users/ada/Library/Application Support/kubectl-tempcreds/audit.log',
      cache: '/Users/ada/Library/Caches/kubectl-tempcreds',
    });
  });

  it('Windows: roles under %APPDATA%, leases and cache under %LOCALAPPDATA%, with Windows separators', () => {
    const env = { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming', LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' };
    assert.deepEqual(statePaths(env, 'win32', 'C:\\Users\\ada'), {
      roles: 'C:\\Users\\ada\\AppData\\Roaming\\kubectl-tempcreds\\roles',
      leases: 'C:\\Users\\ada\\AppData\\Local\\kubectl-tempcreds\\leases',
      audit: 'C:\\Users\\ada\\AppData\\Local\\kubectl-tempcreds\\audit.log',
      cache: 'C:\\Users\\ada\\AppData\\Local\\kubectl-tempcreds\\cache',
    });
    // Unset variables: the profile's standard folders.
    assert.equal(statePaths({}, 'win32', 'C:\\Users\\ada').leases, 'C:\\Users\\ada\\AppData\\Local\\kubectl-tempcreds\\leases');
    assert.equal(statePaths({}, 'win32', 'C:\\Users\\ada').roles, 'C:\\Users\\ada\\AppData\\Roaming\\kubectl-tempcreds\\roles');
  });

  it('XDG variables, when set, win on every platform', () => {
    const env = { XDG_CONFIG_HOME: '/x/config', XDG_STATE_HOME: '/x/state', XDG_CACHE_HOME: '/x/cache' };
    for (const platform of ['linux', 'darwin'] as const) {
      assert.deepEqual(statePaths(env, platform, '/home/ada'), {
        roles: '/x/config/kubectl-tempcreds/roles',
        leases: '/x/state/kubectl-tempcreds/leases',
        audit: '/x/state/kubectl-tempcreds/audit.log',
        cache: '/x/cache/kubectl-tempcreds',
      });
    }
    assert.equal(statePaths({ XDG_STATE_HOME: 'D:\\state' }, 'win32', 'C:\\Users\\ada').leases, 'D:\\state\\kubectl-tempcreds\\leases');
    // Only the ones set: the rest keep the platform's convention.
    assert.equal(statePaths({ XDG_CACHE_HOME: '/x/cache' }, 'darwin', '/Users/ada').roles, '/Users/ada/Library/Application Support/kubectl-tempcreds/roles');
  });

  it('KUBECTL_TEMPCREDS_HOME wins over everything', () => {
    const env = { KUBECTL_TEMPCREDS_HOME: 'C:\\tc', XDG_CONFIG_HOME: '/x', APPDATA: 'C:\\a' };
    assert.deepEqual(statePaths(env, 'win32', 'C:\\Users\\ada'), { roles: 'C:\\tc\\roles', leases: 'C:\\tc\\leases', audit: 'C:\\tc\\audit.log', cache: 'C:\\tc\\cache' });
    assert.equal(statePaths({ KUBECTL_TEMPCREDS_HOME: '/tc' }, 'darwin', '/Users/ada').cache, '/tc/cache');
  });

  it('without a home given: the one os.homedir() would find, $HOME (%USERPROFILE% on Windows) first', () => {
    assert.equal(statePaths({ HOME: '/home/bob' }, 'linux').cache, '/home/bob/.cache/kubectl-tempcreds');
    assert.equal(statePaths({ USERPROFILE: 'C:\\Users\\bob', HOME: '/ignored' }, 'win32').roles, 'C:\\Users\\bob\\AppData\\Roaming\\kubectl-tempcreds\\roles');
  });
});

describe('homeDirectory', () => {
  it('reads the variable libuv reads first, and falls back to os.homedir() only when it is unset or empty', () => {
    assert.equal(homeDirectory({ HOME: '/home/bob' }, 'linux'), '/home/bob');
    assert.equal(homeDirectory({ USERPROFILE: 'C:\\Users\\bob', HOME: '/ignored' }, 'win32'), 'C:\\Users\\bob');
    assert.equal(homeDirectory({ HOME: '' }, 'darwin'), homedir());
  });
});
