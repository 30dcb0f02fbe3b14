/**
 * One agency's gateway in the all-in-one demo app: a stack holding the `SildGateway` an agency would create in its
 * own app, built from the agency's part of the ecosystem config. (The construct's id `Default` keeps the resources'
 * logical ids as they were before the construct existed.)
 */
import { Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { gatewayConfigOf, type AgencyConfig, type EcosystemConfig } from '../config/ecosystem-config';
import { SildGateway } from '../constructs/sild-gateway';

export interface AgencyStackProps extends StackProps {
  /** The validated ecosystem config. */
  readonly config: EcosystemConfig;
  /** The agency this stack deploys (one of `config.agencies`). */
  readonly agency: AgencyConfig;
}

export class AgencyStack extends Stack {
  public readonly gateway: SildGateway;

  constructor(scope: Construct, id: string, props: AgencyStackProps) {
    super(scope, id, props);
    // The whole stack carries the gateway's tags (the construct tags its own resources; aws-cdk-lib's custom-resource
    // provider lives at stack level).
    Tags.of(this).add('sild:instance', props.config.instance);
    Tags.of(this).add('sild:component', 'gateway');
    Tags.of(this).add('sild:agency', props.agency.name);
    this.gateway = new SildGateway(this, 'Default', gatewayConfigOf(props.config, props.agency));
  }
}
