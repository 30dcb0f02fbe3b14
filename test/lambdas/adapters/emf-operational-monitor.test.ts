/**
 * The EMF line a message leaves in CloudWatch Logs: namespace Sild, metrics Messages, Failures, LayerFaults and
 * Duration by gateway and side, Messages by the consumer's own 5xx outcomes — a number of custom metrics that does
 * not grow with clients or services — and the record's fields, client, service and outcome beside them for Logs
 * Insights; nothing else written anywhere.
 */
import { ALARMED_OUTCOMES, EmfOperationalMonitor } from '../../../lambdas/adapters/emf-operational-monitor';
import { customMetricsOf } from '../../../bench/cost';
import type { OpmonRecord } from '../../../lambdas/core/exchange/opmon';
import { PERSONS_CALL_IDS } from '../../support/opmon-records';

const record: OpmonRecord = {
  securityServerType: 'Producer',
  gateway: 'DEV/GOV/70000001/population-registry',
  requestInTs: Date.parse('2026-11-27T12:00:00.000Z'),
  requestOutTs: Date.parse('2026-11-27T12:00:00.003Z'),
  responseInTs: Date.parse('2026-11-27T12:00:00.010Z'),
  responseOutTs: Date.parse('2026-11-27T12:00:00.014Z'),
  ...PERSONS_CALL_IDS,
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

test('one EMF line per message: the metrics the alarms and the dashboard read, by side; the record, client, service and outcome beside them', () => {
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
        Dimensions: [['service', 'Gateway', 'Side']],
        Metrics: [
          { Name: 'Messages', Unit: 'Count' },
          { Name: 'Failures', Unit: 'Count' },
          { Name: 'LayerFaults', Unit: 'Count' },
          { Name: 'Duration', Unit: 'Milliseconds' },
        ],
      },
    ],
  });
  expect(first).toMatchObject({
    ...record,
    service: 'sild-gateway',
    Gateway: record.gateway,
    Side: 'provider',
    Service: 'DEV/GOV/70000001/population/persons',
    Client: 'DEV/GOV/70000002/tax-records',
    Outcome: 'Server.ServerProxy.AccessDenied',
    Messages: 1,
    Failures: 1,
    Duration: 14,
  });
  // Sizes stay in the record (requestSize, responseSize), not as metrics.
  expect(first.RequestBytes).toBeUndefined();
  // Nothing of the first message leaks into the second.
  expect(second).toMatchObject({ Outcome: 'ok', Failures: 0, statusCode: 200 });
  expect(second.faultCode).toBeUndefined();
});

test('a Messages metric by Outcome only for the consumer side’s own 5xx answers (what ConsumerServerErrorRate counts)', () => {
  const lines: string[] = [];
  const monitor = new EmfOperationalMonitor(record.gateway, (line) => lines.push(line));
  for (const faultCode of [...ALARMED_OUTCOMES, 'Server.ClientProxy.AccessDenied', 'Server.ServerProxy.LoggingFailed', undefined])
    monitor.record({ ...record, securityServerType: 'Client', faultCode });
  const byOutcome = lines
    .map((line) => JSON.parse(line))
    .filter((line) => line._aws.CloudWatchMetrics.length === 2)
    .map((line) => {
      expect(line._aws.CloudWatchMetrics[1]).toEqual({
        Namespace: 'Sild',
        Dimensions: [['service', 'Gateway', 'Outcome']],
        Metrics: [{ Name: 'Messages', Unit: 'Count' }],
      });
      return line.Outcome;
    });
  expect(byOutcome).toEqual([
    'Server.ClientProxy.InternalError',
    'Server.ClientProxy.LoggingFailed',
    'Server.ClientProxy.SigningFailed',
    'Server.ClientProxy.DatabaseError',
    'Server.ClientProxy.TimestampingFailed',
    'Server.ClientProxy.OutdatedGlobalConf',
  ]);
});

test('the metrics do not grow with clients and services: 300 clients × 20 services × every outcome on both sides make 14 custom metrics', () => {
  const lines: string[] = [];
  const monitor = new EmfOperationalMonitor(record.gateway, (line) => lines.push(line));
  const outcomes = [undefined, 'Server.ServerProxy.AccessDenied', 'Server.ServerProxy.ServiceFailed', ...ALARMED_OUTCOMES];
  for (let client = 0; client < 300; client += 1)
    for (let service = 0; service < 20; service += 1)
      for (const securityServerType of ['Client', 'Producer'] as const)
        monitor.record({
          ...record,
          securityServerType,
          clientSubsystemCode: `client-${client}`,
          serviceCode: `service-${service}`,
          faultCode: outcomes[(client + service) % outcomes.length],
        });
  expect(customMetricsOf(lines)).toHaveLength(2 * 4 + ALARMED_OUTCOMES.length);
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
