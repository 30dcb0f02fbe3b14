/**
 * The `Signer` contract against `KmsSigner` (the local KMS endpoint, a new ECC_NIST_P256 key per test, the SDK client
 * as the functions build it — 3 attempts; an outage is the endpoint unreachable) and the in-memory test key
 * (`newTestKey`) the unit tests sign with.
 */
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import type { AwsClients } from '../../lambdas/adapters/aws-clients';
import { KmsSigner } from '../../lambdas/adapters/kms-signer';
import { LocalKmsEndpoint } from '../../lib/local/kms/local-kms-endpoint';
import { newTestKey } from '../support/memory-adapters';
import { closedPortUrl, destroyClients, localClients, REGION } from './contract-support';
import { describeSignerContract } from './signer.contract';

let kms: LocalKmsEndpoint;
let clients: AwsClients;
let down: AwsClients;
beforeAll(async () => {
  kms = await LocalKmsEndpoint.start({ region: REGION });
  clients = localClients({ kms: kms.url });
  down = localClients({ kms: await closedPortUrl() }, 1);
});
afterEach(() => kms.setFault(undefined));
afterAll(async () => {
  destroyClients(clients, down);
  await kms?.stop();
});

/** A new signing key, as the stacks create one (ECC_NIST_P256, SIGN_VERIFY). */
async function newKey(): Promise<string> {
  const created = await clients.kms.send(
    new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'contract test key' }),
  );
  return created.KeyMetadata!.KeyId!;
}

const kmsSigner = async () => new KmsSigner(clients.kms, await newKey());

describeSignerContract('KmsSigner', {
  make: kmsSigner,
  unavailable: () => new KmsSigner(down.kms, 'alias/sild-contract'),
  faults: {
    make: kmsSigner,
    inject: (operation, kind, times) => {
      const before = kms.callCounts()[operation] ?? 0;
      kms.setFault({ operation, kind, remaining: times });
      return { calls: () => (kms.callCounts()[operation] ?? 0) - before };
    },
  },
});

describeSignerContract('newTestKey (in memory)', { make: async () => newTestKey() });
