import {
  clientIdOf,
  decodePart,
  formatClientId,
  formatServiceId,
  invalidPartReason,
  MAX_PART_LENGTH,
  memberOf,
  parseClientId,
  parseServiceId,
  serviceOwner,
  type ClientId,
  type ServiceId,
} from '../../../../lambdas/core/kernel/identifiers';
import { expectXRoadError } from '../../../support/assertions';

const ALLOWED_SPECIALS = "'()+,-.=?";

describe('parseClientId / formatClientId', () => {
  test('parses a member and a subsystem', () => {
    expect(parseClientId('DEV/GOV/70000001')).toEqual({ instance: 'DEV', memberClass: 'GOV', memberCode: '70000001' });
    expect(parseClientId('DEV/GOV/70000001/population')).toEqual({
      instance: 'DEV',
      memberClass: 'GOV',
      memberCode: '70000001',
      subsystemCode: 'population',
    });
  });

  test('a member has no subsystemCode property at all (not an undefined one)', () => {
    expect(Object.keys(parseClientId('DEV/GOV/70000001'))).not.toContain('subsystemCode');
  });

  test('format → parse round trip keeps every allowed character', () => {
    const id: ClientId = { instance: 'EE-test', memberClass: "G(O)V'", memberCode: `a${ALLOWED_SPECIALS}Z09`, subsystemCode: 'q=1?x+y,z' };
    const text = formatClientId(id);
    // Characters that are special in a URL are escaped; the text is still four '/'-separated parts.
    expect(text.split('/')).toHaveLength(4);
    expect(text).not.toMatch(/[?=+,]/);
    expect(parseClientId(text)).toEqual(id);
  });

  test('formats a member without a trailing subsystem part', () => {
    expect(formatClientId({ instance: 'DEV', memberClass: 'GOV', memberCode: '70000001' })).toBe('DEV/GOV/70000001');
  });

  test('each part is percent-decoded on its own', () => {
    expect(parseClientId('DEV/G%4FV/7000%2B0001/sub%3Dx')).toEqual({
      instance: 'DEV',
      memberClass: 'GOV',
      memberCode: '7000+0001',
      subsystemCode: 'sub=x',
    });
  });

  test('%2F stays inside its part: it is not a separator (and "/" is not an allowed character)', () => {
    // Three parts, the last decodes to "700/01": refused for its character, not for the number of parts.
    const error = expectXRoadError(() => parseClientId('DEV/GOV/700%2F01'), 'Client.InvalidClientIdentifier', 400);
    expect(error.message).toMatch(/character/);
    expect(error.message).not.toMatch(/3 or 4 parts/);
    // Four parts with %2F in the subsystem: still not split into five.
    expect(expectXRoadError(() => parseClientId('DEV/GOV/70000001/a%2Fb'), 'Client.InvalidClientIdentifier').message).toMatch(/character/);
  });

  test.each(['EE', 'EE/GOV', 'EE/GOV/1/sub/extra', ''])('wrong number of parts %j → Client.InvalidClientIdentifier', (text) => {
    expectXRoadError(() => parseClientId(text), 'Client.InvalidClientIdentifier', 400);
  });

  test.each(['/GOV/70000001', 'EE//70000001', 'EE/GOV/', 'EE/GOV/70000001/', '//'])('empty part in %j → Client.InvalidClientIdentifier', (text) => {
    expectXRoadError(() => parseClientId(text), 'Client.InvalidClientIdentifier', 400);
  });

  test.each([
    'EE/GOV/700 01',
    'EE/GOV/700_01',
    'EE/GOV/700*01',
    'EE/GOV/7000õ',
    'EE/GOV/700:01',
    'EE/GOV/a;b',
    'EE/G\nOV/1',
    'EE/GOV/%20x',
    'EE/GOV/x%00',
  ])('character outside the allowed set in %j → Client.InvalidClientIdentifier', (text) => {
    expectXRoadError(() => parseClientId(text), 'Client.InvalidClientIdentifier', 400);
  });

  test('every allowed character is accepted', () => {
    const all = `ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789${ALLOWED_SPECIALS}`;
    expect(parseClientId(`EE/GOV/${encodeURIComponent(all)}`).memberCode).toBe(all);
  });

  test('parts of up to 255 characters are accepted, 256 are refused', () => {
    expect(MAX_PART_LENGTH).toBe(255);
    const max = 'a'.repeat(255);
    expect(parseClientId(`EE/GOV/1/${max}`).subsystemCode).toBe(max);
    expectXRoadError(() => parseClientId(`EE/GOV/1/${'a'.repeat(256)}`), 'Client.InvalidClientIdentifier');
    expectXRoadError(() => parseClientId(`${'E'.repeat(256)}/GOV/1`), 'Client.InvalidClientIdentifier');
  });

  test('the length limit applies to the decoded part', () => {
    // 255 decoded characters, 765 encoded ones.
    expect(parseClientId(`EE/GOV/${'%2B'.repeat(255)}`).memberCode).toBe('+'.repeat(255));
  });

  test.each(['EE/GOV/%', 'EE/GOV/%2', 'EE/GOV/%zz', 'EE/%E0%A4%A/1', 'EE/GOV/%C0%80'])(
    'malformed percent-encoding %j → Client.InvalidClientIdentifier',
    (text) => {
      expectXRoadError(() => parseClientId(text), 'Client.InvalidClientIdentifier', 400);
    },
  );

  test('an overlong part is not echoed in full in the error message', () => {
    const error = expectXRoadError(() => parseClientId(`EE/GOV/${'x'.repeat(5000)}!`), 'Client.InvalidClientIdentifier');
    expect(error.message.length).toBeLessThan(300);
  });
});

describe('parseServiceId / formatServiceId', () => {
  const service: ServiceId = { instance: 'DEV', memberClass: 'GOV', memberCode: '70000001', subsystemCode: 'population', serviceCode: 'persons' };

  test('parses and formats a service id', () => {
    expect(parseServiceId('DEV/GOV/70000001/population/persons')).toEqual(service);
    expect(formatServiceId(service)).toBe('DEV/GOV/70000001/population/persons');
  });

  test('format → parse round trip with escaped characters', () => {
    const odd: ServiceId = { ...service, memberCode: '1+2', serviceCode: 'get?v=1,2' };
    expect(parseServiceId(formatServiceId(odd))).toEqual(odd);
  });

  test.each(['DEV/GOV/70000001/population', 'DEV/GOV/70000001/population/persons/v1', 'DEV/GOV/70000001'])(
    'wrong number of parts %j → Client.BadRequest',
    (text) => {
      expectXRoadError(() => parseServiceId(text), 'Client.BadRequest', 400);
    },
  );

  test.each([
    'DEV/GOV/70000001/population/',
    'DEV/GOV/70000001//persons',
    'DEV/GOV/70000001/population/per sons',
    `DEV/GOV/70000001/population/${'s'.repeat(256)}`,
    'DEV/GOV/70000001/population/a%2Fb',
    'DEV/GOV/70000001/population/%E0',
  ])('invalid part in %j → Client.BadRequest (not InvalidClientIdentifier)', (text) => {
    expectXRoadError(() => parseServiceId(text), 'Client.BadRequest', 400);
  });
});

describe('clientIdOf / decodePart / invalidPartReason', () => {
  test('clientIdOf uses the given error code', () => {
    expectXRoadError(() => clientIdOf(['EE', 'GOV']), 'Client.InvalidClientIdentifier');
    expectXRoadError(() => clientIdOf(['EE', 'GOV'], 'BadRequest'), 'Client.BadRequest');
    expectXRoadError(() => clientIdOf(['EE', 'GOV', 'bad code'], 'BadRequest'), 'Client.BadRequest');
  });

  test('decodePart defaults to BadRequest for a malformed escape', () => {
    expect(decodePart('a%2Bb')).toBe('a+b');
    expectXRoadError(() => decodePart('%'), 'Client.BadRequest');
    expectXRoadError(() => decodePart('%', 'InvalidClientIdentifier'), 'Client.InvalidClientIdentifier');
  });

  test('invalidPartReason names the problem, undefined when valid', () => {
    expect(invalidPartReason('ok')).toBeUndefined();
    expect(invalidPartReason('')).toMatch(/empty/);
    expect(invalidPartReason('a'.repeat(256))).toMatch(/longer than 255/);
    expect(invalidPartReason('a/b')).toMatch(/character/);
  });
});

describe('id helpers', () => {
  const subsystem = parseClientId('DEV/GOV/70000001/population');

  test('memberOf drops the subsystem; serviceOwner is the offering subsystem', () => {
    expect(formatClientId(memberOf(subsystem))).toBe('DEV/GOV/70000001');
    expect(serviceOwner(parseServiceId('DEV/GOV/70000001/population/persons'))).toEqual(subsystem);
  });
});
