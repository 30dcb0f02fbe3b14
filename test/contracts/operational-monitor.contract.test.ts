/**
 * The `OperationalMonitor` contract against `EmfOperationalMonitor` writing to the local runtime's opmon file (the
 * lines a Lambda function writes to CloudWatch Logs), read back as `sild monitor` reads that file, and against
 * `MemoryOperationalMonitor`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmfOperationalMonitor } from '../../lambdas/adapters/emf-operational-monitor';
import { openOpmonFiles, readOpmonLines } from '../../lib/local/opmon-files';
import { MemoryOperationalMonitor } from '../support/memory-adapters';
import { describeOperationalMonitorContract } from './operational-monitor.contract';

describeOperationalMonitorContract('EmfOperationalMonitor (to the opmon file sild monitor reads)', {
  make: () => {
    const dir = mkdtempSync(join(tmpdir(), 'sild-opmon-contract-'));
    const files = openOpmonFiles(dir);
    const monitor = new EmfOperationalMonitor('DEV/GOV/70000001/population-registry', files.sink('agency'));
    return {
      monitor,
      readBack: async () => {
        await files.close();
        const lines = readOpmonLines(files.fileOf('agency'));
        rmSync(dir, { recursive: true, force: true });
        return lines;
      },
    };
  },
});

describeOperationalMonitorContract('MemoryOperationalMonitor', {
  make: () => {
    const monitor = new MemoryOperationalMonitor();
    return { monitor, readBack: async () => monitor.records.map((record) => ({ ...record })) };
  },
});
