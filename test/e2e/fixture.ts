/**
 * The end-to-end fixture: the demo ecosystem from `config/ecosystem.json`, started in-process on ephemeral ports
 * with a controllable clock, plus an `unreachable` service whose backend does not listen.
 */
import { loadEcosystemConfig, parseEcosystemConfig, type EcosystemConfig } from '../../lib/config/ecosystem-config';
import { startLocalEcosystem, type LocalEcosystem, type LocalEcosystemOptions } from '../../lib/local/ecosystem';
import type { Emulators } from '../../lib/local/emulators';
import { httpCall, type CallResult } from '../../lib/local/http-call';
import type { SampleBackend } from '../../lib/local/sample-backend';

export const TAX_CLIENT = 'DEV/GOV/70000002/tax-records';
export const CRM_CLIENT = 'DEV/COM/10000003/crm';
export const PERSONS = '/r1/DEV/GOV/70000001/population/persons';

/** A clock the test can move forward; every handler and front of the ecosystem reads it. */
export class TestClock {
  offsetMs = 0;
  now = () => Date.now() + this.offsetMs;
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** Adds a service to population-registry that tax-records may call. */
export function addService(
  raw: { agencies: { name: string; services: unknown[]; accessRights: unknown[] }[] },
  code: string,
  backendUrl: string,
  timeoutMs = 2000,
): void {
  const population = raw.agencies.find((agency) => agency.name === 'population-registry')!;
  population.services.push({ subsystem: 'population', code, backendUrl, timeoutMs });
  population.accessRights.push({ service: `population/${code}`, subject: TAX_CLIENT, methods: ['*'], paths: ['**'] });
}

/** The demo config plus a service whose backend is down (port 9, discard, is closed on loopback). */
export function testConfig(configure?: (raw: Parameters<typeof addService>[0]) => void): EcosystemConfig {
  const raw = JSON.parse(JSON.stringify(loadEcosystemConfig('config/ecosystem.json')));
  addService(raw, 'unreachable', 'http://127.0.0.1:9/down');
  configure?.(raw);
  return parseEcosystemConfig(raw);
}

export interface TestEcosystem extends LocalEcosystem {
  readonly clock: TestClock;
  readonly backend: SampleBackend;
  /** Where faults are injected: the KMS endpoint and the proxy in front of dynalite. */
  readonly kms: Emulators['kms'];
  readonly dynamodb: Emulators['dynamodb'];
  /** Calls the tax-board consumer side (or another agency's) with exactly these headers. */
  call(path: string, options?: { agency?: string; method?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<CallResult>;
}

export async function startTestEcosystem(options: Partial<LocalEcosystemOptions> = {}): Promise<TestEcosystem> {
  const clock = new TestClock();
  const ecosystem = await startLocalEcosystem({
    config: testConfig(),
    ephemeralPorts: true,
    clock,
    sealOnTimer: false,
    canaryOnTimer: false,
    ...options,
  });
  if (!ecosystem.emulators || !ecosystem.backend) throw new Error('The test ecosystem runs its own emulators and sample backend');
  return Object.assign(ecosystem, {
    clock,
    backend: ecosystem.backend,
    kms: ecosystem.emulators.kms,
    dynamodb: ecosystem.emulators.dynamodb,
    call: (path: string, call: { agency?: string; method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) =>
      httpCall(`${ecosystem.agencies[call.agency ?? 'tax-board'].consumerUrl}${path}`, {
        method: call.method,
        headers: call.headers,
        body: call.body,
      }),
  });
}

/** Asserts the X-Road error form: status, `X-Road-Error`, `{type, message, detail}` and no internals. */
export function expectXRoadError(response: CallResult, status: number, type: string): void {
  const body = response.json<Record<string, unknown>>();
  expect({ status: response.status, header: response.headers['x-road-error'], type: body.type }).toEqual({ status, header: type, type });
  expect(Object.keys(body).sort()).toEqual(['detail', 'message', 'type']);
  expect(typeof body.message).toBe('string');
  expect(body.detail).toMatch(/^[0-9a-f-]{36}$/);
  expect(response.body.toString('utf8')).not.toMatch(/\bat .+\.(ts|js):\d+|node_modules|Error:/);
}
