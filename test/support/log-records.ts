/** A consumer-side log record of tax-records calling `persons`, as the stream and sealing tests log them by the hundred. */
import type { MessageLogRecord } from '../../lambdas/core/log/records';

/** An empty body's SHA-256 (base64). */
const EMPTY_BODY_SHA256 = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

/** A metadata-only record logged at `loggedAtMs`; a response is a layer error with `status`. */
export const consumerRecord = (
  xRoadId: string,
  loggedAtMs: number,
  direction: 'request' | 'response' = 'request',
  status = 500,
): MessageLogRecord => ({
  client: 'DEV/GOV/70000002/tax-records',
  xRoadId,
  side: 'consumer',
  direction,
  service: 'DEV/GOV/70000001/population/persons',
  requestId: `r-${xRoadId}`,
  method: 'GET',
  target: '/r1/DEV/GOV/70000001/population/persons/1',
  ...(direction === 'response' ? { status, errorType: 'Server.ServerProxy.ServiceFailed' } : {}),
  loggedAt: new Date(loggedAtMs).toISOString(),
  bodySha256: EMPTY_BODY_SHA256,
  bodyBytes: 0,
  bodyLogged: 'metadata',
});
