/**
 * The backend's own process (forked by `bench/run.ts`), so that neither the load generator nor the gateways share
 * its event loop. Requests: `start` {profile} → url; `profile` {profile}; `usage` → CPU ms and requests answered.
 */
import { startBenchBackend, type BackendProfile, type BenchBackend } from './backend';
import { cpuMs, serveRequests } from './child';

let backend: BenchBackend | undefined;

serveRequests(
  {
    start: async (payload) => {
      backend = await startBenchBackend(payload as BackendProfile);
      return backend.url;
    },
    profile: (payload) => {
      backend?.setProfile(payload as BackendProfile);
      return true;
    },
    usage: () => ({ cpu: cpuMs(), answered: backend?.answered() ?? 0 }),
  },
  async () => backend?.stop(),
);
process.once('SIGTERM', () => void (backend?.stop() ?? Promise.resolve()).finally(() => process.exit(0)));
