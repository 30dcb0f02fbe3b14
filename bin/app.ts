#!/usr/bin/env node
/**
 * The CDK app. Reads the ecosystem config — `-c sild:config=PATH`, else `SILD_CONFIG`, else the demo config —
 * validates it before any stack is built (an invalid config stops here, naming each field and reason), then
 * builds `Sild-<instance>-Central` and one `Sild-<instance>-Agency-<name>` per agency.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError, DEFAULT_CONFIG_PATH, loadEcosystemConfig, type EcosystemConfig } from '../lib/config/ecosystem-config';
import { validateServiceDescriptions } from '../lib/config/service-descriptions';
import { addSildStacks } from '../lib/stacks/sild-stacks';

const app = new App({ analyticsReporting: false });
const configPath: string = app.node.tryGetContext('sild:config') ?? process.env.SILD_CONFIG ?? DEFAULT_CONFIG_PATH;

async function main(): Promise<void> {
  let config: EcosystemConfig;
  try {
    config = loadEcosystemConfig(configPath);
    await validateServiceDescriptions(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  addSildStacks(app, config);
}

void main();
