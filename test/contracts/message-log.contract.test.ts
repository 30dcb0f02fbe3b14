/**
 * The `MessageLog` contract against `DynamoDbMessageLog` (dynalite behind the local fault proxy, a new table per
 * test, records written by the SDK-less `PutItem` as the gateways write them) and against `MemoryMessageLog`.
 */
import { DynamoDbMessageLog } from '../../lambdas/adapters/dynamodb-message-log';
import { DynamoDbPutItemClient } from '../../lambdas/adapters/dynamodb-put-item';
import { MESSAGE_LOG_TABLE } from '../../lambdas/adapters/tables';
import type { AwsClients } from '../../lambdas/adapters/aws-clients';
import { LOCAL_CREDENTIALS, startEmulators, type Emulators } from '../../lib/local/emulators';
import { THROTTLED, UNAVAILABLE, type FaultAnswer } from '../../lib/local/fault-proxy';
import { MemoryMessageLog } from '../support/memory-adapters';
import { destroyClients, freshTable, localClients, MISSING_TABLE, REGION } from './contract-support';
import { describeMessageLogContract } from './message-log.contract';

let emulators: Emulators;
let clients: AwsClients;
beforeAll(async () => {
  emulators = await startEmulators({ region: REGION, account: '111111111111' });
  clients = localClients({ dynamodb: emulators.dynamodbUrl });
});
afterEach(() => emulators.dynamodb.setRule(undefined));
afterAll(async () => {
  destroyClients(clients);
  await emulators?.stop();
});

/** The gateways' writer, its back-off without the wait (what is promised is the retry, not its delay). */
const writer = (maxAttempts = 3) =>
  new DynamoDbPutItemClient({
    endpoint: emulators.dynamodbUrl,
    region: REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts,
    sleep: async () => undefined,
  });

/** Answers `fault` instead of DynamoDB to the next `times` record writes (the conditional puts). */
function faultRecordWrites(fault: FaultAnswer, times: number): { count(): number } {
  let answered = 0;
  emulators.dynamodb.setRule((call) => {
    if (!call.target.endsWith('.PutItem') || call.body.ConditionExpression === undefined || answered >= times) return undefined;
    answered += 1;
    return fault;
  });
  return { count: () => answered };
}

describeMessageLogContract('DynamoDbMessageLog', {
  make: async () => new DynamoDbMessageLog(clients.dynamodb, await freshTable(clients, MESSAGE_LOG_TABLE), { writer: clients.logWriter }),
  unavailable: { make: () => new DynamoDbMessageLog(clients.dynamodb, MISSING_TABLE, { writer: writer(1) }), fails: ['append', 'find'] },
  faults: {
    make: async () => new DynamoDbMessageLog(clients.dynamodb, await freshTable(clients, MESSAGE_LOG_TABLE), { writer: writer() }),
    throttleWrites: (times) => faultRecordWrites(THROTTLED, times),
    loseNextWriteAnswer: () => faultRecordWrites({ ...UNAVAILABLE, afterForwarding: true }, 1),
  },
});

describeMessageLogContract('MemoryMessageLog', {
  make: async () => new MemoryMessageLog(),
  // `failing` makes writes fail (what the unit tests of the core need); reads still answer.
  unavailable: { make: () => Object.assign(new MemoryMessageLog(), { failing: true }), fails: ['append'] },
});
