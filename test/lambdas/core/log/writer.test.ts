import { createHash } from 'node:crypto';
import { XRoadError } from '../../../../lambdas/core/kernel/errors';
import { messageLogSettingsSchema, type MessageLogSettings } from '../../../../lambdas/core/log/settings';
import { parseGatewaySettings } from '../../../../lambdas/core/exchange/settings';
import { appendOrFail, bodyForLog } from '../../../../lambdas/core/log/writer';
import type { MessageLogRecord } from '../../../../lambdas/core/log/records';
import { DuplicateRecordError, StoreUnavailableError } from '../../../../lambdas/core/kernel/ports';
import type { MessageLog } from '../../../../lambdas/core/log/ports';
import { MemoryBodyStore } from '../../../support/memory-adapters';
import { rejectionOf } from '../../../support/assertions';

const settings = (overrides: Partial<MessageLogSettings> = {}): MessageLogSettings => ({ ...messageLogSettingsSchema.parse({}), ...overrides });
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('base64');

describe('bodyForLog', () => {
  const body = Buffer.from('x'.repeat(100));
  const store = new MemoryBodyStore();

  test('full mode stores a body up to the limit inline, with its hash and size', async () => {
    expect(await bodyForLog(body, settings({ maxInlineBodyBytes: 100 }), 'Server.ClientProxy', store)).toEqual({
      bodySha256: sha256(body),
      bodyBytes: 100,
      bodyLogged: 'inline',
      body,
    });
  });

  test('metadata mode never stores the body', async () => {
    const logged = await bodyForLog(body, settings({ mode: 'metadata' }), 'Server.ClientProxy', store);
    expect(logged).toEqual({ bodySha256: sha256(body), bodyBytes: 100, bodyLogged: 'metadata' });
    expect(logged).not.toHaveProperty('body');
  });

  test('an oversize body goes to the body store by default, content-addressed; the record keeps hash and location', async () => {
    const logged = await bodyForLog(body, settings({ maxInlineBodyBytes: 99 }), 'Server.ClientProxy', store);
    const hex = createHash('sha256').update(body).digest('hex');
    expect(logged).toEqual({ bodySha256: sha256(body), bodyBytes: 100, bodyLogged: 'stored', bodyLocation: `memory://log/${hex}` });
    expect(store.objects.get(`memory://log/${hex}`)).toEqual(body);
  });

  test('a body store that cannot be written is LoggingFailed (nothing unlogged is passed on)', async () => {
    const failing = new MemoryBodyStore();
    failing.failing = true;
    const error = await rejectionOf(bodyForLog(body, settings({ maxInlineBodyBytes: 99 }), 'Client', failing));
    expect((error as XRoadError).type).toBe('Server.ClientProxy.LoggingFailed');
  });

  test('an oversize body is refused with RequestTooLarge of the given side when configured so (or without a store)', async () => {
    for (const [options, withStore] of [
      [{ oversizeBody: 'reject' as const }, store],
      [{}, undefined],
    ] as const) {
      const error = await rejectionOf(bodyForLog(body, settings({ maxInlineBodyBytes: 99, ...options }), 'Server.ServerProxy', withStore));
      expect(error).toBeInstanceOf(XRoadError);
      expect((error as XRoadError).type).toBe('Server.ServerProxy.RequestTooLarge');
      expect((error as XRoadError).status).toBe(413);
    }
  });

  test('an oversize body is logged by hash only when configured so', async () => {
    const logged = await bodyForLog(body, settings({ maxInlineBodyBytes: 99, oversizeBody: 'hash-only' }), 'Server.ClientProxy', store);
    expect(logged).toEqual({ bodySha256: sha256(body), bodyBytes: 100, bodyLogged: 'hash-only' });
  });

  test('an empty body is logged inline', async () => {
    expect((await bodyForLog(Buffer.alloc(0), settings(), 'Server.ClientProxy', store)).bodyLogged).toBe('inline');
  });
});

describe('appendOrFail', () => {
  const record = {
    client: 'DEV/GOV/70000002/tax-records',
    xRoadId: 'id-1',
    side: 'provider',
    direction: 'request',
    service: 'DEV/GOV/70000001/population/persons',
    requestId: 'r-1',
    method: 'GET',
    target: '/r1/DEV/GOV/70000001/population/persons',
    loggedAt: '2025-03-01T12:00:00.000Z',
    bodySha256: sha256(Buffer.alloc(0)),
    bodyBytes: 0,
    bodyLogged: 'inline',
  } satisfies MessageLogRecord;

  const failingLog = (error: unknown): MessageLog => ({
    append: async () => {
      throw error;
    },
    find: async () => [],
  });

  test('writes the record', async () => {
    const appended: MessageLogRecord[] = [];
    await appendOrFail({ append: async (r) => void appended.push(r), find: async () => appended }, record, 'Server.ServerProxy');
    expect(appended).toEqual([record]);
  });

  test('a duplicate record → DuplicateMessageId 409 of the given side', async () => {
    const error = (await rejectionOf(appendOrFail(failingLog(new DuplicateRecordError('exists')), record, 'Server.ServerProxy'))) as XRoadError;
    expect(error).toBeInstanceOf(XRoadError);
    expect(error.type).toBe('Server.ServerProxy.DuplicateMessageId');
    expect(error.status).toBe(409);
  });

  test('any other failure → LoggingFailed 503, the cause kept for the operator', async () => {
    const cause = new StoreUnavailableError('message-log', 'throttled');
    const error = (await rejectionOf(appendOrFail(failingLog(cause), record, 'Server.ClientProxy'))) as XRoadError;
    expect(error.type).toBe('Server.ClientProxy.LoggingFailed');
    expect(error.status).toBe(503);
    expect(error.cause).toBe(cause);
    expect(error.message).not.toContain('throttled');
  });
});

describe('parseGatewaySettings', () => {
  const minimal = {
    instance: 'DEV',
    gatewayId: 'DEV/GOV/70000001/gw1',
    member: 'DEV/GOV/70000001',
    subsystems: ['population'],
    centralUrl: 'http://central',
    anchor: { instance: 'DEV', publicKey: 'AAAA' },
  };

  test('fills in the documented defaults', () => {
    const parsed = parseGatewaySettings(minimal);
    expect(parsed.signing).toEqual({ mode: 'session', sessionValiditySeconds: 3600 });
    expect(parsed.sealing).toEqual({ intervalSeconds: 60, graceSeconds: 30, maxLagSeconds: 600, shards: 4 });
    expect(parsed.globalConfRefreshSeconds).toBe(60);
    expect(parsed.maxClockSkewSeconds).toBe(60);
    expect(parsed.messageLog).toEqual({ mode: 'full', maxInlineBodyBytes: 8 * 1024, oversizeBody: 'store' });
  });

  test('names the field that is wrong', () => {
    expect(() => parseGatewaySettings({ ...minimal, subsystems: 'population' })).toThrow(/subsystems/);
    expect(() => parseGatewaySettings({ ...minimal, messageLog: { maxInlineBodyBytes: 400 * 1024 } })).toThrow(/messageLog\.maxInlineBodyBytes/);
  });
});
