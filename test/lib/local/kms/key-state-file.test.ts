/** keys.json: what is written is what is read back, privately and atomically, and a file it does not know is fatal. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { KeyRecord } from '../../../../lib/local/kms/key-record';
import { loadKeyState, saveKeyState } from '../../../../lib/local/kms/key-state-file';
import { generateSigningKey } from '../../../../lib/local/kms/signing-key';

const ACCOUNT = '111111111111';

function newKey(keyId: string, extra: Partial<KeyRecord> = {}): KeyRecord {
  return { keyId, account: ACCOUNT, description: `key ${keyId}`, creationDate: 1_700_000_000.5, enabled: true, ...generateSigningKey(), ...extra };
}

describe('key state file', () => {
  let stateDir: string;

  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sild-kms-state-'));
  });

  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  test('no file is no state', () => {
    expect(loadKeyState(stateDir, ACCOUNT)).toBeUndefined();
  });

  test('keys and aliases read back as written, private keys included', () => {
    const keys = [newKey('a', { party: 'central' }), newKey('b', { enabled: false })];
    const aliases = [{ name: 'alias/a', account: ACCOUNT, targetKeyId: 'a', creationDate: 1_700_000_001 }];
    saveKeyState(stateDir, { keys, aliases });

    const state = loadKeyState(stateDir, '000000000000')!;
    expect(state.aliases).toEqual(aliases);
    expect(state.keys.map(({ privateKey, publicKeyDer, ...rest }) => rest)).toEqual(keys.map(({ privateKey, publicKeyDer, ...rest }) => rest));
    state.keys.forEach((key, i) => {
      expect(key.publicKeyDer.equals(keys[i].publicKeyDer)).toBe(true);
      expect(key.privateKey.export({ format: 'jwk' }).d).toBe(keys[i].privateKey.export({ format: 'jwk' }).d);
    });
  });

  test('the file is readable by its owner alone and replaced whole (no temp file left behind)', () => {
    saveKeyState(path.join(stateDir, 'kms'), { keys: [newKey('a')], aliases: [] });
    saveKeyState(path.join(stateDir, 'kms'), { keys: [newKey('a'), newKey('b')], aliases: [] });
    expect(fs.readdirSync(path.join(stateDir, 'kms'))).toEqual(['keys.json']);
    expect(fs.statSync(path.join(stateDir, 'kms', 'keys.json')).mode & 0o777).toBe(0o600);
    expect(loadKeyState(path.join(stateDir, 'kms'), ACCOUNT)!.keys.map((key) => key.keyId)).toEqual(['a', 'b']);
  });

  test('a key written before keys had accounts lives in the default account', () => {
    saveKeyState(stateDir, { keys: [newKey('old')], aliases: [] });
    const file = path.join(stateDir, 'keys.json');
    const written = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete written.keys[0].account;
    fs.writeFileSync(file, JSON.stringify(written));
    expect(loadKeyState(stateDir, '000000000000')!.keys[0].account).toBe('000000000000');
  });

  test('a file of another version is refused rather than read as no keys', () => {
    fs.writeFileSync(path.join(stateDir, 'keys.json'), JSON.stringify({ version: 2, keys: [], aliases: [] }));
    expect(() => loadKeyState(stateDir, ACCOUNT)).toThrow(/unrecognised state file/);
  });
});
