/**
 * The local KMS's keys and aliases on disk, `<stateDir>/keys.json`: read once at start, rewritten whole after each
 * change. Private keys are kept as PKCS#8 PEM, so the file is the operator's alone (mode 0o600).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { AliasRecord, KeyRecord } from './key-record';
import { publicKeyDerOf } from './signing-key';

const STATE_FILE = 'keys.json';
const STATE_VERSION = 1;

/** On-disk form of a key: the private key is PKCS#8 PEM. */
interface PersistedKey {
  readonly keyId: string;
  readonly account?: string;
  readonly party?: string;
  readonly description: string;
  readonly creationDate: number;
  readonly enabled: boolean;
  readonly privateKeyPem: string;
}

/** On-disk layout of `<stateDir>/keys.json`. */
interface PersistedState {
  readonly version: number;
  readonly keys: PersistedKey[];
  readonly aliases: AliasRecord[];
}

/** The keys and aliases of a state directory. */
export interface KeyState {
  readonly keys: readonly KeyRecord[];
  readonly aliases: readonly AliasRecord[];
}

/**
 * Loads `<stateDir>/keys.json`, or nothing if there is none. A key written before keys had accounts lives in
 * `defaultAccount`. A corrupt file is fatal: silently dropping keys would be worse.
 */
export function loadKeyState(stateDir: string, defaultAccount: string): KeyState | undefined {
  const file = path.join(stateDir, STATE_FILE);
  if (!fs.existsSync(file)) return undefined;
  const state = JSON.parse(fs.readFileSync(file, 'utf8')) as PersistedState;
  if (state.version !== STATE_VERSION || !Array.isArray(state.keys) || !Array.isArray(state.aliases)) {
    throw new Error(`LocalKmsEndpoint: unrecognised state file ${file}`);
  }
  const keys = state.keys.map((persisted): KeyRecord => {
    const privateKey = crypto.createPrivateKey({ key: persisted.privateKeyPem, format: 'pem' });
    return {
      keyId: persisted.keyId,
      account: persisted.account ?? defaultAccount,
      ...(persisted.party === undefined ? {} : { party: persisted.party }),
      description: persisted.description,
      creationDate: persisted.creationDate,
      enabled: persisted.enabled,
      privateKey,
      publicKeyDer: publicKeyDerOf(privateKey),
    };
  });
  return { keys, aliases: state.aliases.map((alias) => ({ ...alias })) };
}

/**
 * Writes the whole state after each mutation. Synchronous on purpose: the
 * file is tiny, and it keeps concurrent requests from racing their renames
 * (the last rename would otherwise win with possibly stale contents).
 * Temp file + rename makes the update atomic, so a crash never leaves a
 * truncated keys.json; mode 0o600 because it holds private keys.
 */
export function saveKeyState(stateDir: string, state: KeyState): void {
  const persisted: PersistedState = {
    version: STATE_VERSION,
    keys: state.keys.map((key) => ({
      keyId: key.keyId,
      account: key.account,
      ...(key.party === undefined ? {} : { party: key.party }),
      description: key.description,
      creationDate: key.creationDate,
      enabled: key.enabled,
      privateKeyPem: key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    })),
    aliases: [...state.aliases],
  };
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, STATE_FILE);
  const temp = `${file}.${process.pid}.${crypto.randomUUID()}.tmp`;
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(persisted, null, 2));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}
