/**
 * `sild keys rotate --aws` walks a deployment's keys through the rotation one config change at a time: each step
 * leaves a valid config (what `cdk diff` then shows), touches nothing but the `signingKeys` field, and says what
 * comes next; a state that is no step of a rotation is refused.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyNameFor, nextCentralKeyStep, nextGatewayKeyStep, rotateInConfigFile } from '../../cli/aws-key-rotation';
import type { Output } from '../../cli/commands';
import { loadEcosystemConfig } from '../../lib/config/ecosystem-config';
import { loadGatewayConfig } from '../../lib/config/gateway-config';
import { ROOT } from '../support/synth';

const NOW = Date.parse('2026-11-27T12:00:00Z');
let dir: string;
let lines: string[];
const out: Output = { line: (text) => lines.push(text), progress: () => undefined };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sild-rotate-'));
  lines = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
/** The demo config with the files it names. */
const copyConfig = () => cpSync(join(ROOT, 'config'), dir, { recursive: true });

describe('the steps', () => {
  test('gateway: publish, switch, retire', () => {
    const publish = nextGatewayKeyStep(undefined, 'key-2026');
    expect(publish).toMatchObject({ name: 'publish', keys: { published: ['initial', 'key-2026'], current: 'initial' } });
    const switched = nextGatewayKeyStep(publish.keys, 'unused');
    expect(switched).toMatchObject({ name: 'switch', keys: { published: ['initial', 'key-2026'], current: 'key-2026' } });
    expect(nextGatewayKeyStep(switched.keys, 'unused')).toMatchObject({ name: 'retire', keys: { published: ['key-2026'], current: 'key-2026' } });
  });

  test('central: hand-over (the new key signs at once, the old one signs the hand-over), retire', () => {
    const handOver = nextCentralKeyStep(undefined, 'key-2026');
    expect(handOver).toMatchObject({ name: 'hand-over', keys: { published: ['initial', 'key-2026'], current: 'key-2026' } });
    expect(nextCentralKeyStep(handOver.keys, 'unused')).toMatchObject({ name: 'retire', keys: { published: ['key-2026'], current: 'key-2026' } });
    expect(() => nextCentralKeyStep({ published: ['a', 'b'], current: 'a' }, 'c')).toThrow(/not a step of a rotation/);
  });

  test('key names come from the date and never repeat one in use', () => {
    expect(keyNameFor(NOW, ['initial'])).toBe('key-20261127');
    expect(keyNameFor(NOW, ['key-20261127'])).toBe('key-20261127-2');
  });
});

describe('rotateInConfigFile', () => {
  test("the ecosystem file: every step is a valid config that changes only the agency's signingKeys", () => {
    const file = join(dir, 'ecosystem.json');
    copyConfig();
    const original = readFileSync(file, 'utf8');
    const seen: unknown[] = [];
    for (let step = 0; step < 3; step += 1) {
      expect(rotateInConfigFile(file, { agency: 'tax-board' }, out, NOW)).toBe(0);
      const config = loadEcosystemConfig(file);
      seen.push(config.agencies.find((agency) => agency.name === 'tax-board')!.signingKeys);
      expect(config.agencies.filter((agency) => agency.name !== 'tax-board').every((agency) => agency.signingKeys === undefined)).toBe(true);
    }
    expect(seen).toEqual([
      { published: ['initial', 'key-20261127'], current: 'initial' },
      { published: ['initial', 'key-20261127'], current: 'key-20261127' },
      { published: ['key-20261127'], current: 'key-20261127' },
    ]);
    expect(lines.filter((line) => line.startsWith('Step')).map((line) => line.slice(0, 18))).toEqual([
      'Step 1/3 (publish)',
      'Step 2/3 (switch):',
      'Step 3/3 (retire):',
    ]);
    expect(lines.join('\n')).toMatch(/wait 160 s .* then run this command again \(switch\)/);
    // Lines outside the agency's object are untouched.
    const changed = readFileSync(file, 'utf8').split('\n');
    expect(changed.slice(0, 20)).toEqual(original.split('\n').slice(0, 20));
  });

  test('the central key in the ecosystem file', () => {
    const file = join(dir, 'ecosystem.json');
    copyConfig();
    rotateInConfigFile(file, { central: true }, out, NOW);
    expect(loadEcosystemConfig(file).central.signingKeys).toEqual({ published: ['initial', 'key-20261127'], current: 'key-20261127' });
    expect(lines.join('\n')).toMatch(/records the hand-over, signed by both keys/);
  });

  test("an agency's own gateway config (signingKeys at the top)", () => {
    cpSync(join(ROOT, 'examples/agency-app/config'), dir, { recursive: true });
    const file = join(dir, 'gateway.json');
    const gateway = JSON.parse(readFileSync(file, 'utf8'));
    rotateInConfigFile(file, { agency: gateway.name }, out, NOW);
    expect(loadGatewayConfig(file).signingKeys).toEqual({ published: ['initial', 'key-20261127'], current: 'initial' });
  });

  test('an agency that is not in the file, or a file that is not JSON: an error naming it, the file unchanged', () => {
    const file = join(dir, 'ecosystem.json');
    copyConfig();
    expect(() => rotateInConfigFile(file, { agency: 'nobody' }, out, NOW)).toThrow(`${file} has no agency nobody`);
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(ROOT, 'config/ecosystem.json'), 'utf8'));
    writeFileSync(file, '{');
    expect(() => rotateInConfigFile(file, { central: true }, out, NOW)).toThrow(/cannot read the config/);
  });
});
