/**
 * The `MessageLog` contract (`lambdas/core/ports.ts`): one record per request and per response on each side of an
 * exchange; `append` writes a record unless one with the same key — client, X-Road-Id, side, direction — exists
 * (`DuplicateRecordError`: how a replayed X-Road-Id is refused); `find` returns all records of one exchange, exactly
 * as they were logged (their hashes are sealed); a store that cannot be written is `StoreUnavailableError`
 * (`message-log`). The port states no order for `find`: the records are compared as a set.
 */
import type { Direction, MessageLogRecord, Side } from '../../lambdas/core/log/records';
import { DuplicateRecordError } from '../../lambdas/core/kernel/ports';
import type { MessageLog } from '../../lambdas/core/log/ports';
import { recordHash } from '../../lambdas/core/log/seal';
import { rejectionOf } from '../support/assertions';
import { expectations, expectStoreUnavailable, type Deviations } from './contract-support';

export type MessageLogExpectation = 'find-unavailable';

/** Faults injected so far by one rule. */
export interface Injected {
  count(): number;
}

export interface MessageLogSubject {
  /** A log on a new, empty store. */
  make(): Promise<MessageLog>;
  /** A log whose store is down, and which of its calls that fails. @default - no way to make it unavailable */
  readonly unavailable?: { make(): MessageLog; readonly fails: readonly ('append' | 'find')[] };
  /**
   * Faults at the store's wire, for the retries the adapter promises: the next `times` writes throttled, or the next
   * write done but its answer lost; each tells how many faults were answered. @default - none
   */
  readonly faults?: { make(): Promise<MessageLog>; throttleWrites(times: number): Injected; loseNextWriteAnswer(): Injected };
  readonly deviations?: Deviations<MessageLogExpectation>;
}

const CLIENT = 'DEV/GOV/70000002/tax-records';
const SERVICE = 'DEV/GOV/70000001/population/persons';
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64');

/**
 * A signed record as a gateway logs it: a manifest, a signature, a session certificate, repeated headers and a
 * binary body. `overrides` changes any field.
 */
export function loggedRecord(
  xRoadId: string,
  side: Side = 'consumer',
  direction: Direction = 'request',
  overrides: Partial<MessageLogRecord> = {},
): MessageLogRecord {
  const body = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
  const target = `/r1/${SERVICE}/123?a=1&a=2`;
  const manifest = { type: `sild.${direction}.v1`, client: CLIENT, service: SERVICE, xRoadId, requestId: `req-${xRoadId}`, method: 'GET', target };
  return {
    client: CLIENT,
    xRoadId,
    side,
    direction,
    service: SERVICE,
    requestId: `req-${xRoadId}`,
    method: 'GET',
    target,
    ...(direction === 'response' ? { status: 200 } : {}),
    loggedAt: '2026-11-27T23:03:32.543Z',
    manifest: b64(manifest),
    signature: Buffer.alloc(71, 7).toString('base64'),
    certificate: b64({ header: 'x'.repeat(300), signature: 'y'.repeat(150) }),
    headers: { 'x-road-client': [CLIENT], accept: ['application/json', 'text/plain'], 'x-custom': ['b', 'a'] },
    bodySha256: Buffer.alloc(32, 3).toString('base64'),
    bodyBytes: body.length,
    bodyLogged: 'inline',
    body,
    ...overrides,
  };
}

const EXCHANGE: [Side, Direction][] = [
  ['consumer', 'request'],
  ['consumer', 'response'],
  ['provider', 'request'],
  ['provider', 'response'],
];

/** Records in an order that does not depend on the store's. */
const sorted = (records: readonly MessageLogRecord[]) =>
  [...records].sort((a, b) => `${a.side}#${a.direction}`.localeCompare(`${b.side}#${b.direction}`));

export function describeMessageLogContract(name: string, subject: MessageLogSubject): void {
  const expectation = expectations(subject.deviations);

  describe(`MessageLog contract: ${name}`, () => {
    test('a record reads back exactly as it was appended: every field, repeated headers in order, the binary body, the same record hash', async () => {
      const log = await subject.make();
      const record = loggedRecord('read-back');
      await log.append(record);
      const [found] = await log.find(record.client, record.xRoadId);
      expect(found).toEqual(record);
      expect(found.headers!.accept).toEqual(['application/json', 'text/plain']);
      expect(recordHash(found)).toEqual(recordHash(record));
    });

    test('a layer error without a manifest, signature or body reads back without them (absent fields stay absent)', async () => {
      const log = await subject.make();
      const refused: MessageLogRecord = {
        client: CLIENT,
        xRoadId: 'refused',
        side: 'provider',
        direction: 'response',
        service: SERVICE,
        requestId: 'r',
        method: 'POST',
        target: '/r1/x',
        status: 403,
        loggedAt: '2026-11-27T23:03:32.543Z',
        errorType: 'Server.ServerProxy.AccessDenied',
        bodySha256: Buffer.alloc(32).toString('base64'),
        bodyBytes: 12,
        bodyLogged: 'withheld',
      };
      await log.append(refused);
      expect(await log.find(CLIENT, 'refused')).toEqual([refused]);
    });

    test('a second record with the same key is refused with DuplicateRecordError, and the first stays as it was', async () => {
      const log = await subject.make();
      const first = loggedRecord('replayed');
      await log.append(first);
      const second = loggedRecord('replayed', 'consumer', 'request', { loggedAt: '2026-11-27T23:09:00.000Z', target: '/r1/other' });
      const error = await rejectionOf(log.append(second));
      expect(error).toBeInstanceOf(DuplicateRecordError);
      expect(await log.find(first.client, first.xRoadId)).toEqual([first]);
    });

    test('the same record appended twice (a replayed message) is a duplicate too', async () => {
      const log = await subject.make();
      const record = loggedRecord('identical');
      await log.append(record);
      expect(await rejectionOf(log.append(record))).toBeInstanceOf(DuplicateRecordError);
    });

    test('concurrent appends of one key: exactly one is written, every other is a DuplicateRecordError', async () => {
      const log = await subject.make();
      const attempts = Array.from({ length: 5 }, (_, index) => loggedRecord('raced', 'provider', 'request', { requestId: `attempt-${index}` }));
      const outcomes = await Promise.allSettled(attempts.map((record) => log.append(record)));
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.filter((entry): entry is PromiseRejectedResult => entry.status === 'rejected');
      for (const outcome of refused) expect(outcome.reason).toBeInstanceOf(DuplicateRecordError);
      expect(await log.find(CLIENT, 'raced')).toHaveLength(1);
    });

    test('find returns the four records of an exchange (each side, each direction) and none of another exchange', async () => {
      const log = await subject.make();
      const exchange = EXCHANGE.map(([side, direction]) => loggedRecord('x-1', side, direction));
      for (const record of exchange) await log.append(record);
      await log.append(loggedRecord('x-10'));
      await log.append(loggedRecord('x-1', 'consumer', 'request', { client: 'DEV/GOV/70000003/other' }));
      expect(sorted(await log.find(CLIENT, 'x-1'))).toEqual(sorted(exchange));
      expect(await log.find(CLIENT, 'x-10')).toHaveLength(1);
      expect(await log.find('DEV/GOV/70000003/other', 'x-1')).toHaveLength(1);
    });

    test('find of an exchange nothing was logged for is empty', async () => {
      const log = await subject.make();
      expect(await log.find(CLIENT, 'never-logged')).toEqual([]);
    });

    // Four records with bodies near DynamoDB's 400 KB item limit are more than one 1 MB page of a query.
    test('find returns every record of an exchange however large: four records of ~350 KB (more than one 1 MB DynamoDB page)', async () => {
      const log = await subject.make();
      const body = Buffer.alloc(350 * 1024, 0x5a);
      const exchange = EXCHANGE.map(([side, direction]) => loggedRecord('large', side, direction, { body, bodyBytes: body.length }));
      for (const record of exchange) await log.append(record);
      const found = sorted(await log.find(CLIENT, 'large'));
      expect(found.map((record) => `${record.side}#${record.direction}`)).toEqual(EXCHANGE.map(([side, direction]) => `${side}#${direction}`));
      // Bodies by `equals` (a deep comparison of 350 KB byte by byte takes seconds), the rest deeply.
      expect(found.every((record) => record.body?.equals(body))).toBe(true);
      const withoutBody = ({ body: _body, ...rest }: MessageLogRecord) => rest;
      expect(found.map(withoutBody)).toEqual(sorted(exchange).map(withoutBody));
    });

    const unavailable = subject.unavailable;
    if (unavailable?.fails.includes('append')) {
      test('an append to a store that is down is StoreUnavailableError (message-log), never a duplicate', async () => {
        await expectStoreUnavailable(unavailable.make().append(loggedRecord('down')), 'message-log');
      });
    }
    if (unavailable?.fails.includes('find')) {
      expectation('find-unavailable', 'a find on a store that is down is StoreUnavailableError (message-log)', async () => {
        await expectStoreUnavailable(unavailable.make().find(CLIENT, 'down'), 'message-log');
      });
    }

    const faults = subject.faults;
    if (faults) {
      test('a throttled append is retried and written once', async () => {
        const log = await faults.make();
        const record = loggedRecord('throttled');
        const throttled = faults.throttleWrites(2);
        await log.append(record);
        expect(throttled.count()).toBe(2);
        expect(await log.find(CLIENT, 'throttled')).toEqual([record]);
      });

      test('an append whose answer was lost is retried, and the retry finding its own write is no duplicate', async () => {
        const log = await faults.make();
        const record = loggedRecord('lost-answer');
        const lost = faults.loseNextWriteAnswer();
        await log.append(record);
        expect(lost.count()).toBe(1);
        expect(await log.find(CLIENT, 'lost-answer')).toEqual([record]);
        expect(await rejectionOf(log.append(record))).toBeInstanceOf(DuplicateRecordError);
      });
    }
  });
}
