/**
 * localPorts promises the config's port layout — the central API on `basePort`, each agency's consumer and provider
 * side on the next two in config order, the CDN after the last agency's, the sample backend on its own port — or the
 * system's choice (0) for every server when the ports are ephemeral.
 */
import { localPorts } from '../../../lib/local/ports';

const config = { local: { basePort: 4000, sampleBackendPort: 4080 }, agencies: [{}, {}, {}] } as Parameters<typeof localPorts>[0];

describe('localPorts', () => {
  test('lays the servers out from basePort, in config order', () => {
    const ports = localPorts(config);
    expect([
      ports.central,
      ports.consumer(0),
      ports.provider(0),
      ports.consumer(1),
      ports.provider(1),
      ports.consumer(2),
      ports.provider(2),
      ports.cdn,
    ]).toEqual([4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007]);
    expect(ports.sampleBackend).toBe(4080);
  });

  test('ephemeral: every server on a port the system picks', () => {
    const ports = localPorts(config, true);
    expect([ports.central, ports.consumer(1), ports.provider(1), ports.cdn, ports.sampleBackend]).toEqual([0, 0, 0, 0, 0]);
  });
});
