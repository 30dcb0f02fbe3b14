/**
 * A local stand-in for AWS KMS, speaking the KMS JSON 1.1 wire protocol well
 * enough that an unmodified `@aws-sdk/client-kms` `KMSClient` (pointed at
 * `endpoint: url`) can create, describe, alias, enable/disable, sign and
 * verify with ECC_NIST_P256 / ECDSA_SHA_256 keys.
 *
 * Scope is deliberately narrow: it exists so that local development and tests
 * can exercise Sild's signing path without an AWS account. It is not a KMS
 * emulator — any operation or key type Sild does not use is refused loudly
 * instead of being half-implemented.
 *
 * As KMS does, it authenticates every request (SigV4, against the local principals) and authorizes it with the
 * caller's identity policies and the key's key policy (`iam`). Keys live in accounts: a caller names a key of its own
 * account by id or alias, another account's only by ARN, and the key policy decides whether it may use it. A key is
 * created in the caller's account; the operator (an administrator everywhere) creates a party's key in the party's
 * account, naming the party in the key's `sild:party` tag — the tag also says which stack key it stands for in IAM.
 *
 * This file is the HTTP server and the order of a request's steps; the protocol is `wire.ts`, the operations
 * `operations.ts`, the keys `key-store.ts`.
 */
import * as http from 'http';
import { signedCaller } from '../iam/aws-caller';
import { LocalIam } from '../iam/local-iam';
import { readBody } from '../read-body';
import { FaultInjector, type KmsFault } from './faults';
import { KeyStore } from './key-store';
import { KmsError } from './kms-error';
import { KmsOperations } from './operations';
import { parseJsonBody, parseOperation, sendError, sendJson, SIGNATURE_ERRORS } from './wire';

/** Options for {@link LocalKmsEndpoint.start}. */
export interface LocalKmsOptions {
  /** When set, keys and aliases persist in `<stateDir>/keys.json`. Otherwise memory only. */
  readonly stateDir?: string;
  /** Region used in ARNs. @default 'eu-north-1' */
  readonly region?: string;
  /** Account id used in ARNs. @default '000000000000' */
  readonly account?: string;
  /** TCP port. @default 0 (ephemeral) */
  readonly port?: number;
  /** Interface to bind. @default '127.0.0.1' */
  readonly host?: string;
  /** Who may call, and what they may do. @default - the operator alone */
  readonly iam?: LocalIam;
}

/** Generous cap on request bodies so a runaway client cannot exhaust memory. */
const MAX_BODY_BYTES = 1024 * 1024;

/** A local HTTP server implementing the subset of KMS that Sild uses. */
export class LocalKmsEndpoint {
  /** Starts a server and resolves once it is listening. Loads persisted keys first, if any. */
  static async start(options: LocalKmsOptions = {}): Promise<LocalKmsEndpoint> {
    const endpoint = new LocalKmsEndpoint(options);
    await endpoint.listen(options.port ?? 0, options.host ?? '127.0.0.1');
    return endpoint;
  }

  /** Base URL to pass as the SDK `endpoint`, e.g. `http://127.0.0.1:43123`. */
  get url(): string {
    if (this.baseUrl === undefined) throw new Error('LocalKmsEndpoint is not listening');
    return this.baseUrl;
  }

  private readonly server: http.Server;
  private readonly iam: LocalIam;
  private readonly operations: KmsOperations;
  private readonly faults = new FaultInjector();
  private readonly counts: Record<string, number> = {};
  private baseUrl?: string;
  private stopped = false;

  private constructor(options: LocalKmsOptions) {
    this.iam = options.iam ?? new LocalIam();
    const store = new KeyStore({ region: options.region ?? 'eu-north-1', account: options.account ?? '000000000000', stateDir: options.stateDir });
    this.operations = new KmsOperations(store, this.iam);
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
  }

  /**
   * Installs (or, with `undefined`, clears) a fault. The fault is copied, so
   * later mutation of the argument has no effect.
   */
  setFault(fault?: KmsFault): void {
    this.faults.set(fault);
  }

  /** Requests received per operation name (including failed and faulted ones). */
  callCounts(): Record<string, number> {
    return { ...this.counts };
  }

  /**
   * Stops listening and tears down keep-alive sockets, which `server.close()`
   * alone would wait on indefinitely because the SDK pools connections.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.faults.cancelDelays();
    const closed = new Promise<void>((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
    });
    this.server.closeAllConnections();
    await closed;
  }

  private listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error('LocalKmsEndpoint: unexpected server address'));
          return;
        }
        const hostPart = host.includes(':') ? `[${host}]` : host;
        this.baseUrl = `http://${hostPart}:${address.port}`;
        resolve();
      });
    });
  }

  /** Top-level request handler: every failure becomes a KMS-shaped JSON error. */
  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const body = await readBody(req, MAX_BODY_BYTES);
      if (body === undefined) throw new KmsError('ValidationException', `Request body exceeds ${MAX_BODY_BYTES} bytes`, 413);
      const operation = parseOperation(req);
      this.counts[operation] = (this.counts[operation] ?? 0) + 1;
      await this.faults.apply(operation);
      const caller = await signedCaller(this.iam, req, body, 'kms');
      if ('refusal' in caller) throw SIGNATURE_ERRORS[caller.refusal];
      // Own entries only: `TrentService.constructor` names no operation, whatever the table inherits.
      const handler = Object.hasOwn(this.operations.byName, operation) ? this.operations.byName[operation] : undefined;
      if (req.method !== 'POST' || handler === undefined) {
        throw new KmsError('UnsupportedOperationException', `Operation ${operation} is not supported by the local KMS endpoint`);
      }
      sendJson(res, 200, await handler(parseJsonBody(body), caller.principal));
    } catch (err) {
      sendError(res, err);
    }
  }
}
