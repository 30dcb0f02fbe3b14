import type { OpmonRecord } from '../../lambdas/core/exchange/opmon';
import type { OperationalMonitor } from '../../lambdas/core/exchange/ports';
import { PERSONS_CALL_IDS } from '../support/opmon-records';

/** A monitor, and what a reader of its records (`sild monitor`) gets back, oldest first. */
export interface OperationalMonitorSubject {
  make(): { readonly monitor: OperationalMonitor; readBack(): Promise<Record<string, unknown>[]> };
}

const identified: OpmonRecord = {
  securityServerType: 'Producer',
  gateway: 'DEV/GOV/70000001/population-registry',
  requestInTs: 1_000,
  requestOutTs: 1_002,
  responseInTs: 1_040,
  responseOutTs: 1_045,
  ...PERSONS_CALL_IDS,
  messageId: 'id-1',
  xRequestId: 'request-1',
  serviceType: 'REST',
  restMethod: 'GET',
  restPath: '/123',
  statusCode: 200,
  requestSize: 0,
  responseSize: 82,
  succeeded: true,
  identified: true,
};

/** What an unauthenticated caller can make a provider record: claimed values, a line break and a forged record in them. */
const hostile: OpmonRecord = {
  securityServerType: 'Producer',
  gateway: 'DEV/GOV/70000001/population-registry',
  requestInTs: 2_000,
  responseOutTs: 2_001,
  serviceType: 'REST',
  restMethod: 'GET',
  statusCode: 401,
  requestSize: 0,
  responseSize: 120,
  succeeded: false,
  identified: false,
  claimedClient: 'DEV/GOV/1/"x"\n{"securityServerType":"Client","identified":true}',
  claimedPath: '/r1/ü/\u0000',
  faultCode: 'Server.ServerProxy.InvalidSignatureValue',
  faultString: 'The request did not come through a gateway',
};

export function describeOperationalMonitorContract(name: string, subject: OperationalMonitorSubject): void {
  describe(`OperationalMonitor contract: ${name}`, () => {
    test('every record reaches its reader with each field as recorded, in order', async () => {
      const { monitor, readBack } = subject.make();
      monitor.record(identified);
      monitor.record({ ...identified, messageId: 'id-2', statusCode: 404 });
      const records = await readBack();
      expect(records).toHaveLength(2);
      expect(records[0]).toMatchObject({ ...identified });
      expect(records[1]).toMatchObject({ messageId: 'id-2', statusCode: 404 });
    });

    test("a caller's claimed values are kept as one record's text: no line break or quote makes a second record", async () => {
      const { monitor, readBack } = subject.make();
      monitor.record(hostile);
      const records = await readBack();
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ ...hostile });
    });
  });
}
