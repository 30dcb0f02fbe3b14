/**
 * Every config mistake that would otherwise deploy something wrong in silence is refused before synth, naming the
 * field: unknown keys (with the field probably meant), Regions, subjects outside the ecosystem, sealing settings that
 * cannot work, anchors that are not P-256, duplicate services, plain-http central URLs, malformed resource ids, IAM
 * consumer principals of another account.
 */
import { generateKeyPairSync } from 'node:crypto';
import { ConfigError } from '../../../lib/config/ecosystem-config';
import { parseGatewayConfig, type GatewayConfigInput } from '../../../lib/config/gateway-config';
import { parseCentralConfig } from '../../../lib/config/central-config';
import { thrownBy } from '../../support/assertions';
import { configWith, IDS, minimalGatewayConfig } from '../../support/synth';

/** The problems a config change produces, one `field: reason` line each. */
function problemsOf(change: (raw: any) => void): string[] {
  const error = thrownBy(() => configWith(change));
  expect(error).toBeInstanceOf(ConfigError);
  return (error as Error).message
    .split('\n')
    .slice(1)
    .map((line) => line.trim());
}

const gateway = (): GatewayConfigInput => minimalGatewayConfig();
const gatewayProblems = (change: (raw: any) => void) => {
  const raw = gateway();
  change(raw);
  const error = thrownBy(() => parseGatewayConfig(raw));
  expect(error).toBeInstanceOf(ConfigError);
  return (error as Error).message
    .split('\n')
    .slice(1)
    .map((line) => line.trim());
};

describe('unknown keys', () => {
  test('a typo in an agency field (acessRights) is refused with the field meant, instead of deploying an empty policy', () => {
    expect(
      problemsOf((raw) => {
        raw.agencies[0].acessRights = raw.agencies[0].accessRights;
        delete raw.agencies[0].accessRights;
      }),
    ).toEqual([expect.stringMatching(/^agencies\.0: unknown field "acessRights" \(did you mean "accessRights"\?\); known: name, account, /)]);
  });

  test.each([
    [
      'central',
      (raw: any) => (raw.central.globalConfValidity = 60),
      /^central: unknown field "globalConfValidity" \(did you mean "globalConfValiditySeconds"\?\)/,
    ],
    [
      'a nested setting',
      (raw: any) => (raw.agencies[1].sealing = { intervalSecond: 60 }),
      /^agencies\.1\.sealing: unknown field "intervalSecond" \(did you mean "intervalSeconds"\?\)/,
    ],
    [
      'an access right',
      (raw: any) => (raw.agencies[0].accessRights[0].method = ['GET']),
      /^agencies\.0\.accessRights\.0: unknown field "method" \(did you mean "methods"\?\)/,
    ],
    ['the top level', (raw: any) => (raw.instances = 'EE'), /^\(root\): unknown field "instances" \(did you mean "instance"\?\)/],
    [
      "a provider API's web ACL",
      (raw: any) => (raw.agencies[0].waf = { signedRate: 60_000 }),
      /^agencies\.0\.waf: unknown field "signedRate" \(did you mean "signedRatePer5Minutes"\?\)/,
    ],
    // The central receives no signed messages (gateways read GET /globalconf and join with SigV4): one limit only.
    [
      "the central API's web ACL, which has no signed-message limit",
      (raw: any) => (raw.central.waf = { signedRatePer5Minutes: 60_000 }),
      /^central\.waf: unknown field "signedRatePer5Minutes"/,
    ],
  ])('in %s', (_where, change, problem) => {
    expect(problemsOf(change)).toEqual([expect.stringMatching(problem)]);
  });

  test("in an agency's own gateway config and in the central config", () => {
    expect(gatewayProblems((raw) => (raw.central.anchr = IDS.anchor))).toEqual([
      expect.stringMatching(/^central: unknown field "anchr" \(did you mean "anchor"\?\)/),
    ]);
    const error = thrownBy(() =>
      parseCentralConfig({ instance: 'EE', memberClasses: ['GOV'], central: { account: '111111111111', region: 'eu-north-1' }, agency: [] }),
    );
    expect((error as Error).message).toMatch(/\(root\): unknown field "agency" \(did you mean "agencies"\?\)/);
  });
});

describe('values', () => {
  test('a Region AWS does not have', () => {
    expect(problemsOf((raw) => (raw.agencies[1].region = 'eu-nort-1'))).toEqual([
      expect.stringMatching(/^agencies\.1\.region: "eu-nort-1" is not an AWS Region/),
    ]);
  });

  test('a subject that is no subsystem of the ecosystem, unless listed as external', () => {
    const typo = (raw: any) => (raw.agencies[0].accessRights[0].subject = 'DEV/GOV/70000002/tax-record');
    expect(problemsOf(typo)).toEqual([
      expect.stringMatching(
        /^agencies\.0\.accessRights\.0\.subject: DEV\/GOV\/70000002\/tax-record is not a subsystem of any agency in this file; .* externalSubsystems/,
      ),
    ]);
    expect(
      configWith((raw) => {
        typo(raw);
        raw.externalSubsystems = ['DEV/GOV/70000002/tax-record'];
      }).externalSubsystems,
    ).toEqual(['DEV/GOV/70000002/tax-record']);
  });

  test('federation: an agency opts in only to instances the central federates with; no instance federates with itself or twice; the anchor is a P-256 key', () => {
    const anchorPublicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const fi = { instance: 'FI', anchorPublicKey, centralUrl: 'https://central.fi.example' };
    expect(problemsOf((raw) => (raw.agencies[0].federation = ['FI']))).toEqual([
      expect.stringMatching(/^agencies\.0\.federation\.0: instance FI is not in central\.federation \(none\)/),
    ]);
    expect(problemsOf((raw) => (raw.central.federation = [fi, { ...fi, instance: 'DEV' }, fi]))).toEqual([
      expect.stringMatching(/^central\.federation\.1\.instance: an instance cannot federate with itself/),
      expect.stringMatching(/^central\.federation\.2\.instance: instance FI is listed twice/),
    ]);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    expect(problemsOf((raw) => (raw.central.federation = [{ ...fi, anchorPublicKey: rsa }]))).toEqual([
      expect.stringMatching(/^central\.federation\.0\.anchorPublicKey: /),
    ]);
    expect(
      configWith((raw) => {
        raw.central.federation = [fi];
        raw.agencies[0].federation = ['FI'];
      }).agencies[0].federation,
    ).toEqual(['FI']);
  });

  test('local and global group members are checked too; a global group of this instance must be defined; a local group named by a right must exist', () => {
    expect(
      problemsOf((raw) => {
        raw.agencies[0].localGroups = { auditors: ['DEV/GOV/99999999/nobody'] };
        raw.central.globalGroups = [{ code: 'tax', members: ['EE/GOV/1/x'] }];
        raw.agencies[0].accessRights.push(
          { service: 'population/persons', subject: 'globalgroup:DEV/taxes' },
          { service: 'population/persons', subject: 'localgroup:auditor' },
        );
      }),
    ).toEqual([
      expect.stringMatching(/^agencies\.0\.accessRights\.3\.subject: local group auditor is not defined in localGroups \(auditors\)/),
      expect.stringMatching(/^agencies\.0\.accessRights\.2\.subject: global group taxes is not defined in central\.globalGroups \(tax\)/),
      expect.stringMatching(/^agencies\.0\.localGroups\.auditors\.0: DEV\/GOV\/99999999\/nobody is not a subsystem of any agency/),
      expect.stringMatching(/^central\.globalGroups\.0\.members\.0: EE\/GOV\/1\/x is not a subsystem of any agency/),
    ]);
  });

  test('sealing that would fail closed while healthy: maxLagSeconds below two intervals + grace + a minute', () => {
    expect(problemsOf((raw) => (raw.agencies[0].sealing = { intervalSeconds: 300, maxLagSeconds: 600 }))).toEqual([
      expect.stringMatching(
        /^agencies\.0\.sealing\.maxLagSeconds: must be at least 690 \(two seal intervals of 300 s, the grace of 30 s and a minute of margin\)/,
      ),
    ]);
    expect(configWith((raw) => (raw.agencies[0].sealing = { intervalSeconds: 300, maxLagSeconds: 690 })).agencies[0].sealing).toMatchObject({
      maxLagSeconds: 690,
    });
  });

  test('an anchor that is an EC key on another curve than P-256', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    expect(gatewayProblems((raw) => (raw.central.anchor = p384))).toEqual([
      expect.stringMatching(/^central\.anchor: must be the central public key .* \(a P-256 EC key/),
    ]);
    expect(problemsOf((raw) => (raw.central.anchorPublicKey = p384))).toEqual([
      expect.stringMatching(/^central\.anchorPublicKey: must be the central public key/),
    ]);
  });

  test('a service declared twice', () => {
    expect(problemsOf((raw) => raw.agencies[0].services.push({ ...raw.agencies[0].services[0], openapi: undefined }))).toEqual([
      expect.stringMatching(/^agencies\.0\.services\.2: population\/persons is declared twice \(also services\.0\)/),
    ]);
  });

  test('central URLs over plain http', () => {
    expect(problemsOf((raw) => (raw.central.apiUrl = 'http://central.example/prod'))).toEqual([
      "central.apiUrl: must be the central API's https:// URL",
    ]);
    expect(problemsOf((raw) => (raw.central.configurationUrl = 'http://d1.cloudfront.net/globalconf/current.json'))).toEqual([
      'central.configurationUrl: must be the https:// URL of the GlobalConfigurationUrl output',
    ]);
    expect(gatewayProblems((raw) => (raw.central.url = 'http://central.example/prod'))).toEqual([
      "central.url: must be the central API's https:// URL",
    ]);
  });

  test.each([
    [
      'vpcId',
      { vpcId: 'vpc_1', subnetIds: IDS.subnets, availabilityZones: ['eu-north-1a'], executeApiPrivateDns: false },
      /^vpc\.vpcId: must be a VPC id \(vpc-…\)/,
    ],
    [
      'subnetIds',
      { vpcId: IDS.vpc, subnetIds: ['subnet-XYZ'], availabilityZones: ['eu-north-1a'], executeApiPrivateDns: false },
      /^vpc\.subnetIds\.0: must be a subnet id \(subnet-…\)/,
    ],
    [
      'securityGroupIds',
      { vpcId: IDS.vpc, subnetIds: IDS.subnets, availabilityZones: ['eu-north-1a'], securityGroupIds: ['sg'], executeApiPrivateDns: false },
      /^vpc\.securityGroupIds\.0: must be a security group id \(sg-…\)/,
    ],
  ])('a malformed %s, named by its field', (_field, vpc, problem) => {
    expect(gatewayProblems((raw) => (raw.vpc = vpc))).toEqual([expect.stringMatching(problem)]);
  });

  test('the API Gateway logging role both set by this stack and said to exist: this stack would replace the role the account has', () => {
    expect(gatewayProblems((raw) => Object.assign(raw, { apiGatewayAccountRole: true, apiGatewayAccountRoleExists: true }))).toEqual([
      expect.stringMatching(
        /^apiGatewayAccountRoleExists: apiGatewayAccountRole \(this stack sets the account's role\) and apiGatewayAccountRoleExists \(the account has one\) exclude each other/,
      ),
    ]);
    expect(problemsOf((raw) => Object.assign(raw.central, { apiGatewayAccountRole: true, apiGatewayAccountRoleExists: true }))).toEqual([
      expect.stringMatching(/^central\.apiGatewayAccountRoleExists: .* exclude each other/),
    ]);
    const error = thrownBy(() =>
      parseCentralConfig({
        instance: 'EE',
        memberClasses: ['GOV'],
        central: { account: '111111111111', region: 'eu-north-1', apiGatewayAccountRole: true, apiGatewayAccountRoleExists: true },
      }),
    );
    expect((error as Error).message).toMatch(/central\.apiGatewayAccountRoleExists: .* exclude each other/);
  });

  test('two stacks of one account and Region setting its API Gateway logging role (one setting there: they would overwrite each other)', () => {
    expect(
      problemsOf((raw) => {
        raw.agencies[2].account = raw.agencies[1].account;
        raw.agencies[1].apiGatewayAccountRole = true;
        raw.agencies[2].apiGatewayAccountRole = true;
      }),
    ).toEqual([
      'agencies.2.apiGatewayAccountRole: agencies.1 already sets the API Gateway CloudWatch Logs role of account and Region 333333333333/eu-north-1 (one setting per account and Region): set apiGatewayAccountRoleExists here instead',
    ]);
    // Another Region of the same account has a setting of its own.
    expect(() =>
      configWith((raw) => {
        raw.agencies[2].account = raw.agencies[1].account;
        raw.agencies[2].region = 'eu-west-1';
        raw.agencies[1].apiGatewayAccountRole = true;
        raw.agencies[2].apiGatewayAccountRole = true;
      }),
    ).not.toThrow();
  });

  test('a configuration URL for a CDN the central does not deploy (central.configurationCdn false)', () => {
    expect(
      problemsOf((raw) => {
        raw.central.configurationCdn = false;
        raw.central.configurationUrl = 'https://d111111abcdef8.cloudfront.net/globalconf/current.json';
      }),
    ).toEqual([
      'central.configurationUrl: names a distribution the central does not deploy (central.configurationCdn is false): remove it, and gateways read the configuration from the central API',
    ]);
    expect(configWith((raw) => (raw.central.configurationCdn = false)).central.configurationCdn).toBe(false);
  });

  test('an IAM consumer principal of another account: an HTTP API cannot allow it, so it is refused naming the principal and both accounts', () => {
    const other = 'arn:aws:iam::999999999999:role/elsewhere';
    expect(
      gatewayProblems(
        (raw) =>
          (raw.consumerAccess = {
            mode: 'iam',
            principals: [
              { arn: 'arn:aws:iam::555555555555:role/own-app', subsystems: ['vehicles'] },
              { arn: other, subsystems: ['vehicles'] },
            ],
          }),
      ),
    ).toEqual([
      `consumerAccess.principals.1.arn: ${other} is in account 999999999999, not vehicle-registry's account 555555555555: the IAM consumer side is an HTTP API without a resource policy, so only principals of 555555555555 can be allowed to call it (let the caller assume a role in 555555555555, or use a private consumer side)`,
    ]);
    expect(
      problemsOf((raw) => (raw.agencies[1].consumerAccess = { mode: 'iam', principals: [{ arn: other, subsystems: ['tax-records'] }] })),
    ).toEqual([
      expect.stringMatching(
        /^agencies\.1\.consumerAccess\.principals\.0\.arn: arn:aws:iam::999999999999:role\/elsewhere is in account 999999999999, not tax-board's account 333333333333/,
      ),
    ]);
  });

  test('a malformed VPC endpoint id', () => {
    expect(gatewayProblems((raw) => (raw.consumerAccess = { mode: 'private', vpcEndpointIds: ['vpce-XYZ'] }))).toEqual([
      expect.stringMatching(/^consumerAccess\.vpcEndpointIds\.0: must be a VPC endpoint id \(vpce-…\)/),
    ]);
  });
});

/**
 * A gateway in a VPC: the layouts that cannot work are refused before synth, each naming the field and what to change
 * (lib/config/vpc-layout.ts). The trap: an execute-api interface endpoint with private DNS — where a private consumer
 * side's clients usually are — makes every regional API of its Region unreachable from that VPC.
 */
describe('SOAP services (type "soap")', () => {
  /** The demo's SOAP service, getPerson v1, and its right. */
  const soapService = (raw: any) => raw.agencies[0].services[1];
  const soapRight = (raw: any) => raw.agencies[0].accessRights[1];

  test('the demo’s SOAP service reads its WSDL relative to the config file; REST is the default type', () => {
    const config = configWith(() => undefined);
    const [persons, getPerson] = config.agencies[0].services;
    expect([persons.type, getPerson.type, getPerson.version]).toEqual(['rest', 'soap', 'v1']);
    expect(getPerson.wsdlDocument).toMatch(/^<\?xml [^]*<wsdl:definitions [^]*<xrd:version>v1<\/xrd:version>/);
    expect(config.agencies[0].accessRights[1]).toEqual({ service: 'population/getPerson', subject: 'DEV/GOV/70000002/tax-records' });
  });

  test('an OpenAPI description on a SOAP service, a WSDL or version on a REST one', () => {
    expect(problemsOf((raw) => (soapService(raw).openapi = 'persons.openapi.yaml'))).toEqual([
      'agencies.0.services.1.openapi: a SOAP service is described by its wsdl, not by OpenAPI',
    ]);
    expect(
      problemsOf((raw) => {
        raw.agencies[0].services[0].wsdl = 'population-registry.wsdl';
        raw.agencies[0].services[0].version = 'v1';
      }),
    ).toEqual([
      'agencies.0.services.0.wsdl: wsdl applies to SOAP services only (type "soap")',
      'agencies.0.services.0.wsdlDocument: wsdlDocument applies to SOAP services only (type "soap")',
      'agencies.0.services.0.version: version applies to SOAP services only (type "soap")',
    ]);
  });

  test('a SOAP service without its WSDL, or with one that cannot be read', () => {
    expect(problemsOf((raw) => delete soapService(raw).wsdl)).toEqual([
      'agencies.0.services.1.wsdl: a SOAP service needs its WSDL 1.1 description (a file relative to the config file)',
    ]);
    expect(problemsOf((raw) => (soapService(raw).wsdl = 'population.wsdl'))).toEqual([
      expect.stringMatching(/^agencies\.0\.services\.1\.wsdl: cannot read .*config\/population\.wsdl: ENOENT/),
    ]);
  });

  test('a version that is no identifier part; a type other than rest and soap', () => {
    expect(problemsOf((raw) => (soapService(raw).version = 'v1/beta'))).toEqual([
      expect.stringMatching(/^agencies\.0\.services\.1\.version: Service version /),
    ]);
    expect(problemsOf((raw) => (soapService(raw).type = 'graphql'))).toEqual([expect.stringMatching(/^agencies\.0\.services\.1\.type: /)]);
  });

  test('a right on a SOAP service that names methods or paths: rights on a SOAP service are per service code', () => {
    const perServiceCode = 'methods and paths do not apply to a SOAP service: rights on population/getPerson are per service code, as in X-Road';
    expect(problemsOf((raw) => (soapRight(raw).methods = ['*']))).toEqual([`agencies.0.accessRights.1.methods: ${perServiceCode}`]);
    expect(
      problemsOf((raw) => {
        soapRight(raw).methods = ['POST'];
        soapRight(raw).paths = ['/getPerson'];
      }),
    ).toEqual([`agencies.0.accessRights.1.methods: ${perServiceCode}`, `agencies.0.accessRights.1.paths: ${perServiceCode}`]);
  });

  test('in an agency’s own gateway config too (the WSDL given as text)', () => {
    const problems = gatewayProblems((raw: any) => {
      raw.services = [
        { subsystem: 'vehicles', code: 'getCar', type: 'soap', backendUrl: 'https://cars.example/soap', openapiDocument: { openapi: '3.0.3' } },
      ];
      raw.accessRights = [{ service: 'vehicles/getCar', subject: 'EE/GOV/70000002/tax-records', paths: ['**'] }];
    });
    expect(problems).toEqual([
      'services.0.openapiDocument: a SOAP service is described by its wsdl, not by OpenAPI',
      'services.0.wsdl: a SOAP service needs its WSDL 1.1 description (a file relative to the config file)',
      'accessRights.0.paths: methods and paths do not apply to a SOAP service: rights on vehicles/getCar are per service code, as in X-Road',
    ]);
  });
});

describe('VPC layouts', () => {
  const vpc = (fields: Record<string, unknown> = {}) => ({
    vpcId: IDS.vpc,
    subnetIds: IDS.subnets,
    availabilityZones: ['eu-north-1a', 'eu-north-1b'],
    ...fields,
  });
  /** The layout the README recommends: private consumer side, the provider side alone in the VPC, the CDN known. */
  const recommended = (raw: any) => {
    raw.consumerAccess = { mode: 'private', vpcEndpointIds: [IDS.vpce] };
    raw.vpc = vpc({ executeApiPrivateDns: true });
    raw.central.configurationUrl = IDS.configurationUrl;
  };

  test('the recommended layout is accepted: the provider side alone in a VPC with execute-api private DNS, reading the central’s CDN', () => {
    const raw = gateway();
    recommended(raw);
    expect(parseGatewayConfig(raw).vpc).toMatchObject({ functions: 'provider', executeApiPrivateDns: true });
  });

  test('a VPC must say whether it resolves execute-api names privately: that decides which layouts work', () => {
    expect(gatewayProblems((raw) => (raw.vpc = vpc()))).toEqual([
      expect.stringMatching(
        /^vpc\.executeApiPrivateDns: must say whether this VPC resolves execute-api names through an interface endpoint with private DNS \(true or false: `aws ec2 describe-vpc-endpoints/,
      ),
    ]);
  });

  test('every function in a VPC with execute-api private DNS: the consumer side could not call other gateways or the central', () => {
    expect(gatewayProblems((raw) => (recommended(raw), (raw.vpc.functions = 'all')))).toEqual([
      expect.stringMatching(
        /^vpc\.functions: "all" puts the consumer side and the canary into a VPC whose execute-api names resolve to an interface endpoint .* Keep "provider"/,
      ),
    ]);
    expect(parseGatewayConfig({ ...gateway(), vpc: vpc({ functions: 'all', executeApiPrivateDns: false }) }).vpc?.functions).toBe('all');
    expect(gatewayProblems((raw) => (raw.vpc = vpc({ functions: 'consumer', executeApiPrivateDns: false })))).toEqual([
      expect.stringMatching(/^vpc\.functions: /),
    ]);
  });

  test('execute-api private DNS and a central API of the same Region, without the CDN URL: the provider side could never read the configuration', () => {
    expect(gatewayProblems((raw) => (recommended(raw), delete raw.central.configurationUrl))).toEqual([
      "vpc.executeApiPrivateDns: the provider side in this VPC cannot reach the central API (https://abc123defg.execute-api.eu-north-1.amazonaws.com/prod/: execute-api names of eu-north-1 resolve to the VPC's interface endpoint), so it must read the global configuration from the central's CDN: set central.configurationUrl to the central's GlobalConfigurationUrl output",
    ]);
    // A central API in another Region, or behind a custom domain, is not behind this VPC's endpoint.
    for (const url of ['https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod/', 'https://central.sild.example.gov/prod/']) {
      const raw = gateway();
      recommended(raw);
      Object.assign(raw.central, { url, configurationUrl: undefined });
      expect(() => parseGatewayConfig(raw)).not.toThrow();
    }
  });

  test('in the all-in-one file: the central without its CDN cannot serve a provider side behind execute-api private DNS', () => {
    expect(
      problemsOf((raw) => {
        raw.central.configurationCdn = false;
        raw.agencies[0].vpc = vpc({ executeApiPrivateDns: true });
      }),
    ).toEqual([
      expect.stringMatching(
        /^agencies\.0\.vpc\.executeApiPrivateDns: the provider side in this VPC cannot reach the central API .* and the central runs without its CDN \(central\.configurationCdn: false\)/,
      ),
    ]);
  });

  test('in the all-in-one file: a federated instance whose configuration only its central API (same Region) serves', () => {
    const federate = (raw: any, configurationUrl?: string) => {
      raw.central.federation = [
        {
          instance: 'FI',
          anchorPublicKey: IDS.anchor,
          centralUrl: 'https://fi0central1.execute-api.eu-north-1.amazonaws.com/prod/',
          configurationUrl,
        },
      ];
      raw.central.apiUrl = IDS.centralUrl;
      raw.central.configurationUrl = IDS.configurationUrl;
      raw.agencies[0].federation = ['FI'];
      raw.agencies[0].vpc = vpc({ executeApiPrivateDns: true });
    };
    expect(problemsOf((raw) => federate(raw))).toEqual([
      expect.stringMatching(
        /^agencies\.0\.federation\.0: the provider side in this agency's VPC cannot reach FI's central API .*: give FI its configurationUrl in central\.federation/,
      ),
    ]);
    expect(() => configWith((raw) => federate(raw, 'https://d222222abcdef8.cloudfront.net/globalconf/current.json'))).not.toThrow();
  });
});
