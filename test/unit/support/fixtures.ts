/**
 * Small in-memory stand-ins for the core's ports, shared by the unit tests: a P-256 signer on node:crypto, a clock
 * the test moves, an in-memory registry, and helpers to assert on thrown X-Road errors.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { XRoadError } from '../../../lambdas/core/errors';
import type { BodyStore, Clock, Registry, Signer } from '../../../lambdas/core/ports';
import type { AllowedAgency, GlobalGroup, RegistryEntry } from '../../../lambdas/core/central';

export interface TestKey extends Signer {
  readonly privateKey: KeyObject;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Buffer;
  /** DER SubjectPublicKeyInfo, base64. */
  readonly spkiBase64: string;
  /** Synchronous signature, for tests that craft signed bytes themselves. */
  signSync(message: Buffer): Buffer;
}

/** An ECDSA P-256 key; `sign` = `crypto.sign('sha256', msg, privateKey)` (DER), `publicKey` = DER SPKI. */
export function newTestKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const signSync = (message: Buffer) => sign('sha256', message, privateKey);
  return {
    privateKey,
    spki,
    spkiBase64: spki.toString('base64'),
    signSync,
    sign: async (message: Buffer) => signSync(message),
    publicKey: async () => spki,
  };
}

/** A clock that only moves when the test says so. */
export class ManualClock implements Clock {
  constructor(public ms: number = Date.parse('2025-01-01T00:00:00.000Z')) {}
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}

export class MemoryRegistry implements Registry {
  readonly entries = new Map<string, RegistryEntry>();
  constructor(
    public allowed: AllowedAgency[] = [],
    public groups: GlobalGroup[] = [],
  ) {}
  async allowList(): Promise<AllowedAgency[]> {
    return this.allowed;
  }
  async globalGroups(): Promise<GlobalGroup[]> {
    return this.groups;
  }
  async put(entry: RegistryEntry): Promise<void> {
    this.entries.set(entry.agency, entry);
  }
  async list(): Promise<RegistryEntry[]> {
    return [...this.entries.values()];
  }
}

/** Runs `fn` and returns what it threw; fails the test when it does not throw. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

/** Awaits `promise` and returns its rejection; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** Asserts that `fn` throws an `XRoadError` of `type` (and `status` when given); returns the error. */
export function expectXRoadError(fn: () => unknown, type: string, status?: number): XRoadError {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(XRoadError);
  const xroad = error as XRoadError;
  expect(xroad.type).toBe(type);
  if (status !== undefined) expect(xroad.status).toBe(status);
  return xroad;
}

/** `BodyStore` in memory: content-addressed like the S3 adapter; `failing` makes every write fail. */
export class MemoryBodyStore implements BodyStore {
  readonly objects = new Map<string, Buffer>();
  failing = false;
  async put(body: Buffer, sha256Hex: string, purpose: 'log' | 'transfer'): Promise<string> {
    if (this.failing) throw new Error('store unavailable');
    const location = `memory://${purpose}/${sha256Hex}`;
    this.objects.set(location, body);
    return location;
  }
  async get(location: string): Promise<Buffer> {
    const body = this.objects.get(location);
    if (!body) throw new Error(`no body at ${location}`);
    return body;
  }
  async shareUrl(location: string): Promise<string> {
    return `http://127.0.0.1/${encodeURIComponent(location)}`;
  }
}
