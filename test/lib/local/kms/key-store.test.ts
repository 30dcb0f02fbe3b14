/**
 * The key store on its own: which key a reference names for a caller of some account, key states, aliases, and
 * keys that outlive a restart — without HTTP or IAM in the way.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KeyStore } from '../../../../lib/local/kms/key-store';
import { kmsErrorType } from '../../../support/kms-errors';

const REGION = 'eu-north-1';
const MINE = '111111111111';
const THEIRS = '222222222222';

describe('KeyStore (in memory)', () => {
  const store = new KeyStore({ region: REGION, account: '000000000000' });
  const mine = store.createKey({ account: MINE, description: 'mine' });
  const theirs = store.createKey({ account: THEIRS, party: 'tax-board', description: 'theirs' });
  store.createAlias('alias/mine', mine);
  store.createAlias('alias/theirs', theirs);

  test('a new key is enabled, has a UUID key id and an ARN in its account and the Region', () => {
    expect(mine).toMatchObject({ account: MINE, description: 'mine', enabled: true });
    expect(mine.keyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(store.keyArn(mine)).toBe(`arn:aws:kms:${REGION}:${MINE}:key/${mine.keyId}`);
    expect(theirs.party).toBe('tax-board');
  });

  test('a caller names its own key by key id, key ARN, alias and alias ARN', () => {
    const references = [mine.keyId, store.keyArn(mine), 'alias/mine', store.aliasArn('alias/mine', MINE)];
    for (const reference of references) expect(store.resolve(reference, { allowAlias: true, callerAccount: MINE })).toBe(mine);
  });

  test("another account's key is found by ARN only, as in KMS", () => {
    expect(kmsErrorType(() => store.resolve(theirs.keyId, { allowAlias: true, callerAccount: MINE }))).toBe('NotFoundException');
    expect(kmsErrorType(() => store.resolve('alias/theirs', { allowAlias: true, callerAccount: MINE }))).toBe('NotFoundException');
    expect(store.resolve(store.keyArn(theirs), { allowAlias: true, callerAccount: MINE })).toBe(theirs);
    expect(store.resolve(store.aliasArn('alias/theirs', THEIRS), { allowAlias: true, callerAccount: MINE })).toBe(theirs);
  });

  test('the operator (no account) names a key of any account by id or alias', () => {
    expect(store.resolve(theirs.keyId, { allowAlias: false })).toBe(theirs);
    expect(store.resolve('alias/theirs', { allowAlias: true })).toBe(theirs);
  });

  test('an ARN of another Region, an alias where only keys are accepted and an unknown key are NotFoundException', () => {
    expect(kmsErrorType(() => store.resolve(`arn:aws:kms:us-east-1:${MINE}:key/${mine.keyId}`, { allowAlias: true, callerAccount: MINE }))).toBe(
      'NotFoundException',
    );
    expect(kmsErrorType(() => store.resolve('alias/mine', { allowAlias: false, callerAccount: MINE }))).toBe('NotFoundException');
    expect(kmsErrorType(() => store.resolve(crypto.randomUUID(), { allowAlias: true }))).toBe('NotFoundException');
  });

  test('a disabled key is not usable, naming its ARN, until enabled again', () => {
    const key = store.createKey({ account: MINE, description: 'to disable' });
    store.setEnabled(key, false);
    expect(kmsErrorType(() => store.usable(key))).toBe('DisabledException');
    expect(() => store.usable(key)).toThrow(`${store.keyArn(key)} is disabled.`);
    store.setEnabled(key, true);
    expect(store.usable(key)).toBe(key);
  });

  test('alias names are checked: taken, reserved for AWS or malformed', () => {
    expect(kmsErrorType(() => store.createAlias('alias/mine', theirs))).toBe('AlreadyExistsException');
    expect(kmsErrorType(() => store.createAlias('alias/aws/mine', mine))).toBe('NotAuthorizedException');
    expect(kmsErrorType(() => store.createAlias('mine', mine))).toBe('ValidationException');
    expect(kmsErrorType(() => store.createAlias(`alias/${'a'.repeat(251)}`, mine))).toBe('ValidationException');
    expect(store.resolve('alias/mine', { allowAlias: true })).toBe(mine);
  });

  test('aliases are listed per account and per key', () => {
    expect(store.listAliases({ account: MINE }).map((alias) => alias.name)).toEqual(['alias/mine']);
    expect(store.listAliases({ targetKeyId: theirs.keyId })).toEqual([
      expect.objectContaining({ name: 'alias/theirs', account: THEIRS, targetKeyId: theirs.keyId }),
    ]);
    expect(store.listAliases().map((alias) => alias.name)).toEqual(['alias/mine', 'alias/theirs']);
  });
});

describe('KeyStore (persistent)', () => {
  let stateDir: string;

  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sild-kms-store-'));
  });

  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  test('keys, their states and aliases survive a restart, and the key material with them', () => {
    const first = new KeyStore({ region: REGION, account: '000000000000', stateDir });
    const key = first.createKey({ account: MINE, party: 'central', description: 'kept' });
    first.createAlias('alias/kept', key);
    first.setEnabled(key, false);

    const second = new KeyStore({ region: REGION, account: '000000000000', stateDir });
    const reloaded = second.resolve('alias/kept', { allowAlias: true, callerAccount: MINE });
    expect(reloaded).toMatchObject({ keyId: key.keyId, account: MINE, party: 'central', description: 'kept', enabled: false });
    expect(reloaded.publicKeyDer.equals(key.publicKeyDer)).toBe(true);
  });

  test('without a state directory nothing is written', () => {
    const store = new KeyStore({ region: REGION, account: '000000000000' });
    store.createKey({ account: MINE, description: 'volatile' });
    expect(fs.readdirSync(stateDir)).toEqual([]);
  });
});
