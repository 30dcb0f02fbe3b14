#!/usr/bin/env node
/**
 * An agency's own CDK app: one stack holding its Sild gateway, built from the agency's own config document
 * (`config/gateway.json`: its member, subsystems, services, access rights — plus the central's URL and anchor,
 * taken from the central operator's stack outputs). Nothing here comes from the central operator's repository.
 *
 *   npm run synth            synthesize offline (cdk.out/)
 *   npm run diff             what a deployment would change (needs credentials for the agency's account)
 */
import { App, Stack } from 'aws-cdk-lib';
import { ConfigError, loadGatewayConfig, SildGateway, validateServiceDescriptions, type GatewayConfig } from 'sild';

async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadGatewayConfig(process.env.GATEWAY_CONFIG ?? 'config/gateway.json');
    await validateServiceDescriptions(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }

  const app = new App({ analyticsReporting: false });
  const stack = new Stack(app, `VehicleRegistry-SildGateway`, {
    env: { account: config.account, region: config.region },
    description: `Sild ${config.instance}: the gateway of ${config.member.name}`,
    terminationProtection: true,
  });
  new SildGateway(stack, 'Gateway', config);
}

void main();
