/**
 * Adapter contract tests: one behavioural suite per port (each feature's `ports.ts` under `lambdas/core/`), run
 * against the AWS adapter (`lambdas/adapters/`, pointed at the local emulators of `lib/local/`) and against the
 * in-memory adapter the unit tests use (`test/support/memory-adapters.ts`), so both are shown to keep the same promises.
 *
 * Layout, one pair per port, named after the port in kebab case:
 * - `<port>.contract.ts` — the suite, `describe<Port>Contract(name, subject)`: what a user of the port relies on, as
 *   the port's doc comments state it. Not a test file (jest only runs `*.test.ts`).
 * - `<port>.contract.test.ts` — the runner: starts the emulator once for the file and runs the suite against each
 *   adapter. Anything only one adapter promises (retries, KMS throttling) is a capability the subject offers; the
 *   suite registers those tests only for subjects that offer it.
 * - this file — what the suites and runners share.
 *
 * A behaviour the port documents but an AWS adapter does not keep is listed by its runner as a `deviation` with the
 * reason: the test then runs as `test.failing` (it must still fail; it turns red when the adapter is fixed, so the
 * entry is removed). The AWS adapter is the reference for the in-memory one except where it contradicts the port.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAwsClients, type AwsClients } from '../../lambdas/adapters/aws-clients';
import type { TableLayout } from '../../lambdas/adapters/tables';
import { StoreUnavailableError, type StoreName } from '../../lambdas/core/kernel/ports';
import { ensureTable } from '../../lib/local/dynamodb';
import { LOCAL_CREDENTIALS } from '../../lib/local/emulators';
import { rejectionOf } from '../support/assertions';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../lib/local/dynamodb';

export const REGION = 'eu-north-1';

/** Known deviations of one adapter from a suite: expectation id → why (shown in the test's title). */
export type Deviations<Id extends string> = Partial<Record<Id, string>>;

/**
 * The suite's `test`: an expectation the subject lists as a deviation runs as `test.failing`, titled with the reason.
 */
export function expectations<Id extends string>(deviations: Deviations<Id> = {}) {
  return (id: Id, title: string, fn: () => Promise<void>): void => {
    const reason = deviations[id];
    if (reason === undefined) test(title, fn);
    else test.failing(`${title} [known deviation: ${reason}]`, fn);
  };
}

/** Asserts that `promise` rejects with `StoreUnavailableError` naming `store`. */
export async function expectStoreUnavailable(promise: Promise<unknown>, store: StoreName): Promise<void> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(StoreUnavailableError);
  expect((error as StoreUnavailableError).store).toBe(store);
}

/** An http URL on 127.0.0.1 where nothing listens (a port just released): as an endpoint that is down. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Clients for the emulators at `endpoints`, as the local runtime builds them (operator credentials). */
export function localClients(endpoints: { dynamodb?: string; kms?: string; s3?: string }, maxAttempts?: number): AwsClients {
  return createAwsClients({ region: REGION, endpoints, credentials: LOCAL_CREDENTIALS, maxAttempts, tracing: false });
}

/**
 * One dynalite for the test file and clients on it: started before its first test, stopped after its last. The
 * clients are read in tests (`dynamoDb.clients`), once started.
 */
export function dynamoDbForFile(): { readonly clients: AwsClients } {
  let dynamodb: LocalDynamoDb | undefined;
  let clients: AwsClients | undefined;
  beforeAll(async () => {
    dynamodb = await startLocalDynamoDb();
    clients = localClients({ dynamodb: dynamodb.url }, 1);
  });
  afterAll(async () => {
    destroyClients(clients);
    await dynamodb?.stop();
  });
  return {
    get clients() {
      if (!clients) throw new Error('dynamoDbForFile: read the clients inside a test');
      return clients;
    },
  };
}

let tables = 0;

/** A new, empty table of `layout` (a store of its own for every test: no test sees another's items). */
export async function freshTable(clients: AwsClients, layout: TableLayout, prefix = 'contract'): Promise<string> {
  const name = `${prefix}-${process.pid}-${(tables += 1)}`;
  await ensureTable(clients.dynamodb as never, name, layout);
  return name;
}

/** A table name no table has: every call on it fails as on a deleted table (`ResourceNotFoundException`). */
export const MISSING_TABLE = 'contract-missing-table';

/** Destroys SDK clients (their keep-alive sockets) at the end of a file. */
export function destroyClients(...clients: (AwsClients | undefined)[]): void {
  for (const entry of clients) {
    entry?.dynamodb.destroy();
    entry?.kms.destroy();
    if (entry?.s3Endpoint !== undefined) entry.s3.destroy();
  }
}
