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

/** Stack names carry the instance, so two instances (e.g. DEV and TEST) can share an account. */
export const centralStackName = (instance: string) => `Sild-${stackNamePart(instance)}-Central`;
export const agencyStackName = (instance: string, agency: Pick<AgencyConfig, 'name'>) => `Sild-${stackNamePart(instance)}-Agency-${agency.name}`;

/** A stack name allows letters, digits and hyphens only. */
const stackNamePart = (text: string) => text.replace(/[^A-Za-z0-9-]/g, '-');

export interface SildStacks {
  readonly central: CentralStack;
  /** By agency name. */
  readonly agencies: Readonly<Record<string, AgencyStack>>;
}

/**
 * Every stack is created with termination protection: it holds the keys and logs evidence rests on. The CDK CLI turns
 * protection on right before it runs a stack's first create, so a first deploy that fails leaves a protected stack in
 * ROLLBACK_COMPLETE, which the next `cdk deploy` has to delete before creating it again — and protection refuses the
 * delete. Protection cannot be deferred to after a successful create from the app: the CLI sets every stack's
 * protection to the template's setting on each deploy, so a stack that turned it on by itself (a custom resource)
 * would lose it at the next deploy. Hence this recovery (README, "A failed first deploy"), for a stack that never
 * completed — it holds nothing: what the failed create retained (keys, table, bucket) left it at the rollback.
 */
export function failedFirstDeployRecovery(stackName: string, region: string): readonly string[] {
  const stack = `--stack-name ${stackName} --region ${region}`;
  return [
    `aws cloudformation describe-stacks ${stack} --query 'Stacks[0].[StackStatus,EnableTerminationProtection]'   # ROLLBACK_COMPLETE (or ROLLBACK_FAILED), true: a first create that failed`,
    `aws cloudformation describe-stack-events ${stack} --query "StackEvents[?ResourceStatus=='CREATE_FAILED'].[LogicalResourceId,ResourceStatusReason]" --output table   # why; fix that first`,
    `aws cloudformation update-termination-protection --no-enable-termination-protection ${stack}   # only for a stack that never reached CREATE_COMPLETE`,
    `npx cdk deploy ${stackName}   # deletes the failed stack, creates it again and protects it again`,
  ];
}

export function addSildStacks(app: App, config: EcosystemConfig): SildStacks {
  const centralName = centralStackName(config.instance);
  const central = new CentralStack(app, centralName, {
    stackName: centralName,
    env: { account: config.central.account, region: config.central.region },
    description: `Sild ${config.instance}: central registry, global configuration and join API`,
    terminationProtection: true,
    config,
  });
  const agencies: Record<string, AgencyStack> = {};
  for (const agency of config.agencies) {
    const name = agencyStackName(config.instance, agency);
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
