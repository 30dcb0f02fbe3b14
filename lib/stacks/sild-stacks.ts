/**
 * Builds the whole Sild app from a validated ecosystem config: one `CentralStack` and one `AgencyStack` per agency,
 * each with its explicit account and Region, under stable names ops select with `cdk diff <name>`; and runs the
 * cdk-nag AWS Solutions checks on every synth (findings fail the synth unless acknowledged with a reason).
 */
import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { AgencyConfig, EcosystemConfig } from '../config/ecosystem-config';
import { AgencyStack } from './agency-stack';
import { CentralStack } from './central-stack';

export const CENTRAL_STACK_NAME = 'Sild-Central';
export const agencyStackName = (agency: Pick<AgencyConfig, 'name'>) => `Sild-Agency-${agency.name}`;

export interface SildStacks {
  readonly central: CentralStack;
  /** By agency name. */
  readonly agencies: Readonly<Record<string, AgencyStack>>;
}

export function addSildStacks(app: App, config: EcosystemConfig): SildStacks {
  const central = new CentralStack(app, CENTRAL_STACK_NAME, {
    stackName: CENTRAL_STACK_NAME,
    env: { account: config.central.account, region: config.central.region },
    description: `Sild ${config.instance}: central registry, global configuration and join API`,
    terminationProtection: true,
    config,
  });
  const agencies: Record<string, AgencyStack> = {};
  for (const agency of config.agencies) {
    const name = agencyStackName(agency);
    agencies[agency.name] = new AgencyStack(app, name, {
      stackName: name,
      env: { account: agency.account, region: agency.region },
      description: `Sild ${config.instance}: gateway of ${agency.member.name} (${agency.name})`,
      terminationProtection: true,
      config,
      agency,
    });
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { central, agencies };
}
