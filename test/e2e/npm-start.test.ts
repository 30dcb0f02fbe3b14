/**
 * `npm start -- --config FILE` as a user runs it, with an ecosystem unlike the demo's (no tax-board, no access
 * rights): the process starts, writes `.sild/endpoints.json` in its documented shape, prints a curl line that
 * works, and verifies its own demo exchange end to end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEcosystemConfig } from '../../lib/config/ecosystem-config';
import { demoExchangeOf } from '../../lib/local/demo';
import { httpCall } from '../../lib/local/http-call';

const OTHER_ECOSYSTEM = {
  instance: 'LAB',
  memberClasses: ['GOV'],
  central: { account: '111111111111', region: 'eu-west-1' },
  agencies: [
    { name: 'customs', account: '222222222222', region: 'eu-west-1', member: { class: 'GOV', code: 'C1', name: 'Customs' }, subsystems: ['declarations'] },
    { name: 'ports-authority', account: '333333333333', region: 'eu-west-1', member: { class: 'GOV', code: 'P1', name: 'Ports' }, subsystems: ['berths'] },
  ],
  local: { basePort: 4700, sampleBackendPort: 4780 },
};

describe('npm start -- --config FILE', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sild-start-'));
  });
  afterAll(() => {
    child?.kill('SIGINT');
    rmSync(dir, { recursive: true, force: true });
  });

  test('the demo exchange is derived from the config: an access right when there is one, listMethods otherwise', () => {
    const demo = parseEcosystemConfig(JSON.parse(readFileSync('config/ecosystem.json', 'utf8')), 'demo', 'config');
    expect(demoExchangeOf(demo)).toEqual({ consumer: 'tax-board', provider: 'population-registry', client: 'DEV/GOV/70000002/tax-records', path: '/r1/DEV/GOV/70000001/population/persons/123' });
    expect(demoExchangeOf(parseEcosystemConfig(OTHER_ECOSYSTEM))).toEqual({ consumer: 'customs', provider: 'ports-authority', client: 'LAB/GOV/C1/declarations', path: '/r1/LAB/GOV/P1/berths/listMethods' });
    expect(demoExchangeOf(parseEcosystemConfig({ ...OTHER_ECOSYSTEM, agencies: OTHER_ECOSYSTEM.agencies.slice(0, 1) }))).toBeUndefined();
  });

  test('runs an ecosystem without a tax-board: endpoints file, a working curl line, a verified exchange', async () => {
    const configFile = join(dir, 'lab.json');
    writeFileSync(configFile, JSON.stringify(OTHER_ECOSYSTEM));
    const output: string[] = [];
    child = spawn(process.execPath, [require.resolve('tsx/cli'), 'bin/local.ts', '--config', configFile], {
      env: { ...process.env, SILD_STATE_DIR: join(dir, 'state') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const finished = new Promise<string>((resolve, reject) => {
      const watch = (chunk: Buffer) => {
        output.push(chunk.toString('utf8'));
        const text = output.join('');
        if (text.includes('Serving until Ctrl-C')) resolve(text);
      };
      child!.stdout!.on('data', watch);
      child!.stderr!.on('data', watch);
      child!.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output.join('')}`)));
    });
    const text = await finished;
    expect(text).toContain('Demo exchange verified end to end.');
    expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace

    const endpoints = JSON.parse(readFileSync(join(dir, 'state', 'endpoints.json'), 'utf8'));
    expect(Object.keys(endpoints.agencies)).toEqual(['customs', 'ports-authority']);
    expect(endpoints.central).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);

    // The printed curl line, run as the user would (headers and URL taken from it).
    const curl = /curl -i -H 'X-Road-Client: ([^']+)' (\S+)/.exec(text);
    expect(curl).not.toBeNull();
    const answer = await httpCall(curl![2], { headers: { 'x-road-client': curl![1] } });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString('utf8'))).toHaveProperty('service');
  }, 120_000);
});
