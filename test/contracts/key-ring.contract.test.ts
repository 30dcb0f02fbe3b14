/**
 * The `KeyRing` contract against `KmsKeyRing` composed as a gateway composes it (KMS keys on the local KMS endpoint,
 * the ring item read through `DynamoDbGatewayKeys` from dynalite, written as `sild keys rotate` writes it, re-read
 * every minute of a manual clock) and against `singleKeyRing` of an in-memory test key, which the unit tests use.
 */
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import type { AwsClients } from '../../lambdas/adapters/aws-clients';
import { DynamoDbGatewayKeys } from '../../lambdas/adapters/dynamodb-gateway-keys';
import { KmsKeyRing } from '../../lambdas/adapters/kms-key-ring';
import { MESSAGE_LOG_TABLE } from '../../lambdas/adapters/tables';
import { singleKeyRing } from '../../lambdas/core/kernel/ports';
import { startEmulators, type Emulators } from '../../lib/local/emulators';
import { ManualClock, newTestKey } from '../support/memory-adapters';
import { closedPortUrl, destroyClients, freshTable, localClients, MISSING_TABLE, REGION } from './contract-support';
import { describeKeyRingContract } from './key-ring.contract';

const REFRESH_MS = 60_000;
let emulators: Emulators;
let clients: AwsClients;
let down: AwsClients;
beforeAll(async () => {
  emulators = await startEmulators({ region: REGION, account: '111111111111', faultInjection: false });
  clients = localClients({ dynamodb: emulators.dynamodbUrl, kms: emulators.kmsUrl }, 1);
  down = localClients({ kms: await closedPortUrl() }, 1);
});
afterAll(async () => {
  destroyClients(clients, down);
  await emulators?.stop();
});

async function newKey(): Promise<string> {
  const created = await clients.kms.send(
    new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'contract test key' }),
  );
  return created.KeyMetadata!.KeyId!;
}

describeKeyRingContract('KmsKeyRing', {
  make: async () => {
    const keys = new DynamoDbGatewayKeys(clients.dynamodb, await freshTable(clients, MESSAGE_LOG_TABLE));
    const key = await newKey();
    return new KmsKeyRing(
      () => clients.kms,
      () => keys.state(),
      { current: key, published: [key] },
      new ManualClock(),
      REFRESH_MS,
    );
  },
  operated: async () => {
    const clock = new ManualClock();
    const [first, next] = [await newKey(), await newKey()];
    let store = new DynamoDbGatewayKeys(clients.dynamodb, await freshTable(clients, MESSAGE_LOG_TABLE));
    const at = () => new Date(clock.now()).toISOString();
    return {
      ring: new KmsKeyRing(
        () => clients.kms,
        () => store.state(),
        { current: first, published: [first] },
        clock,
        REFRESH_MS,
      ),
      announce: () =>
        store.write({ current: first, published: [first, next], rotation: { stage: 'published', previous: first, next, at: at() }, retired: [] }),
      switchOver: () =>
        store.write({ current: next, published: [next, first], rotation: { stage: 'switched', previous: first, next, at: at() }, retired: [] }),
      retire: () => store.write({ current: next, published: [next], retired: [{ key: first, at: at() }] }),
      refresh: () => clock.advance(REFRESH_MS),
      breakStore: () => (store = new DynamoDbGatewayKeys(clients.dynamodb, MISSING_TABLE)),
    };
  },
  unreadable: () => {
    const missing = new DynamoDbGatewayKeys(clients.dynamodb, MISSING_TABLE);
    return new KmsKeyRing(
      () => clients.kms,
      () => missing.state(),
      { current: 'k', published: ['k'] },
      new ManualClock(),
      REFRESH_MS,
    );
  },
  signingDown: () => {
    const key = 'alias/sild-contract';
    return new KmsKeyRing(
      () => down.kms,
      async () => undefined,
      { current: key, published: [key] },
      new ManualClock(),
      REFRESH_MS,
    );
  },
});

describeKeyRingContract('singleKeyRing of newTestKey (in memory)', { make: async () => singleKeyRing(newTestKey()) });
