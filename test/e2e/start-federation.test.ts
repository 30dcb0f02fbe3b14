/**
 * `npm run start:federation` as a user runs it: both instances start, `.sild/endpoints.json` keeps its documented
 * shape (the agencies of both instances under their names) and adds `centrals`, the printed curl from the FI client
 * to the DEV service works, and the cross-border exchange is verified end to end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpCall } from '../../lib/local/http-call';

describe('npm run start:federation', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sild-federation-'));
  });
  afterAll(() => {
    child?.kill('SIGINT');
    rmSync(dir, { recursive: true, force: true });
  });

  test('two instances, endpoints of both, a working cross-border curl line, a verified exchange', async () => {
    const output: string[] = [];
    child = spawn(process.execPath, [require.resolve('tsx/cli'), 'bin/local-federation.ts'], {
      env: { ...process.env, SILD_STATE_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const text = await new Promise<string>((resolve, reject) => {
      const watch = (chunk: Buffer) => {
        output.push(chunk.toString('utf8'));
        if (output.join('').includes('Serving until Ctrl-C')) resolve(output.join(''));
      };
      child!.stdout!.on('data', watch);
      child!.stderr!.on('data', watch);
      child!.once('exit', (code) => reject(new Error(`start:federation exited with ${code}:\n${output.join('')}`)));
    });
    expect(text).toContain('Federation demo verified end to end.');
    expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

    const endpoints = JSON.parse(readFileSync(join(dir, 'endpoints.json'), 'utf8'));
    expect(Object.keys(endpoints.agencies).sort()).toEqual(['business-registry', 'fi-tax-office', 'population-registry', 'tax-board']);
    expect(endpoints.agencies['fi-tax-office']).toEqual({
      consumer: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      provider: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    expect(endpoints.centrals).toEqual({ DEV: endpoints.central, FI: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expect(endpoints.configuration).toMatch(/current\.json$/);

    // The sild CLI's files for each instance (SILD_STATE_DIR=<dir>/federation/<INSTANCE>).
    for (const [instance, agency] of [
      ['DEV', 'population-registry'],
      ['FI', 'fi-tax-office'],
    ]) {
      expect(JSON.parse(readFileSync(join(dir, 'federation', instance, 'anchor.json'), 'utf8'))).toMatchObject({ instance });
      expect(Object.keys(JSON.parse(readFileSync(join(dir, 'federation', instance, 'local.json'), 'utf8')).agencies)).toContain(agency);
    }

    const curl = /curl -i -H 'X-Road-Client: (FI\/[^']+)' (\S+)/.exec(text);
    expect(curl).not.toBeNull();
    const answer = await httpCall(curl![2], { headers: { 'x-road-client': curl![1] } });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-road-service']).toBe('DEV/GOV/70000001/population/persons');

    // The CLI on DEV's provider log, which now holds records the FI gateway signed.
    const verify = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'bin/sild.ts', 'log', 'verify', '--agency', 'population-registry'], {
      env: { ...process.env, SILD_STATE_DIR: join(dir, 'federation', 'DEV') },
      encoding: 'utf8',
    });
    expect({ status: verify.status, stdout: verify.stdout }).toMatchObject({ status: 0, stdout: expect.stringContaining('problems:        none') });
  }, 120_000);
});
