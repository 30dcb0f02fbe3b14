/**
 * The EMF line a message leaves in CloudWatch Logs: namespace Sild, metrics Messages, Failures, Duration and bytes,
 * by gateway and side and by gateway with service, with client and with outcome (separate dimension sets), the
 * record's fields beside them — and nothing else written anywhere.
 */
import { EmfOperationalMonitor } from '../../../lambdas/adapters/emf-operational-monitor';
import type { OpmonRecord } from '../../../lambdas/core/exchange/opmon';

const record: OpmonRecord = {
  securityServerType: 'Producer',
  gateway: 'DEV/GOV/70000001/population-registry',
  requestInTs: Date.parse('2026-11-27T12:00:00.000Z'),
  requestOutTs: Date.parse('2026-11-27T12:00:00.003Z'),
  responseInTs: Date.parse('2026-11-27T12:00:00.010Z'),
  responseOutTs: Date.parse('2026-11-27T12:00:00.014Z'),
  clientXRoadInstance: 'DEV',
  clientMemberClass: 'GOV',
  clientMemberCode: '70000002',
  clientSubsystemCode: 'tax-records',
  serviceXRoadInstance: 'DEV',
  serviceMemberClass: 'GOV',
  serviceMemberCode: '70000001',
  serviceSubsystemCode: 'population',
  serviceCode: 'persons',
  serviceType: 'REST',
  restMethod: 'GET',
  restPath: '/123',
  statusCode: 403,
  requestSize: 0,
  responseSize: 90,
  succeeded: false,
  identified: true,
  faultCode: 'Server.ServerProxy.AccessDenied',
};

test('one EMF line per message, with metrics by service, client and outcome and the record beside them', () => {
  const lines: string[] = [];
  const monitor = new EmfOperationalMonitor(record.gateway, (line) => lines.push(line));
  monitor.record(record);
  monitor.record({ ...record, succeeded: true, faultCode: undefined, statusCode: 200 });
  expect(lines).toHaveLength(2);
  const [first, second] = lines.map((line) => JSON.parse(line));
  expect(first._aws).toEqual({
    Timestamp: record.responseOutTs,
    CloudWatchMetrics: [
      {
        Namespace: 'Sild',
        Dimensions: [
          ['service', 'Gateway', 'Side'],
          ['service', 'Gateway', 'Service'],
          ['service', 'Gateway', 'Client'],
          ['service', 'Gateway', 'Outcome'],
        ],
        Metrics: [
          { Name: 'Messages', Unit: 'Count' },
          { Name: 'Failures', Unit: 'Count' },
          { Name: 'LayerFaults', Unit: 'Count' },
          { Name: 'Duration', Unit: 'Milliseconds' },
          { Name: 'RequestBytes', Unit: 'Bytes' },
          { Name: 'ResponseBytes', Unit: 'Bytes' },
        ],
      },
    ],
  });
  expect(first).toMatchObject({
    ...record,
    Gateway: record.gateway,
    Side: 'provider',
    Service: 'DEV/GOV/70000001/population/persons',
    Client: 'DEV/GOV/70000002/tax-records',
    Outcome: 'Server.ServerProxy.AccessDenied',
    Messages: 1,
    Failures: 1,
    Duration: 14,
    ResponseBytes: 90,
  });
  // Nothing of the first message leaks into the second.
  expect(second).toMatchObject({ Outcome: 'ok', Failures: 0, statusCode: 200 });
  expect(second.faultCode).toBeUndefined();
});

test('LayerFaults counts the faults of the gateway itself, not refusals or backend failures', () => {
  const lines: string[] = [];
  const monitor = new EmfOperationalMonitor(record.gateway, (line) => lines.push(line));
  for (const faultCode of ['Server.ClientProxy.LoggingFailed', 'Server.ClientProxy.AccessDenied'])
    monitor.record({ ...record, securityServerType: 'Client', faultCode });
  for (const faultCode of ['Server.ServerProxy.TimestampingFailed', 'Server.ServerProxy.AccessDenied', 'Server.ServerProxy.ServiceFailed'])
    monitor.record({ ...record, securityServerType: 'Producer', faultCode });
  expect(lines.map((line) => JSON.parse(line).LayerFaults)).toEqual([1, 0, 1, 0, 0]);
});

test('LayerFaults counts only this side’s own faults: a provider’s LoggingFailed relayed by the consumer pages the provider, not the consumer', () => {
  const lines: string[] = [];
  const monitor = new EmfOperationalMonitor(record.gateway, (line) => lines.push(line));
  monitor.record({ ...record, securityServerType: 'Client', faultCode: 'Server.ServerProxy.LoggingFailed' });
  monitor.record({ ...record, securityServerType: 'Producer', faultCode: 'Server.ClientProxy.LoggingFailed' });
  expect(lines.map((line) => JSON.parse(line).LayerFaults)).toEqual([0, 0]);
});

test('a request whose client and service were not established adds no dimension values of its own; unknown error types are "other"', () => {
  const lines: string[] = [];
  const monitor = new EmfOperationalMonitor(record.gateway, (line) => lines.push(line));
  // A hostile caller of the provider API inventing clients and services, and a provider gateway inventing error types.
  monitor.record({
    ...record,
    identified: false,
    clientMemberCode: 'random-1',
    serviceCode: 'random-2',
    faultCode: 'Server.ServerProxy.InvalidSignatureValue',
  });
  monitor.record({ ...record, faultCode: 'Server.ServerProxy.MadeUp123' });
  const [unidentified, invented] = lines.map((line) => JSON.parse(line));
  expect(unidentified).toMatchObject({
    Client: 'unidentified',
    Service: 'unidentified',
    Outcome: 'Server.ServerProxy.InvalidSignatureValue',
    clientMemberCode: 'random-1',
  });
  expect(invented).toMatchObject({ Outcome: 'other', faultCode: 'Server.ServerProxy.MadeUp123' });
});
