/**
 * The central deployment in the all-in-one demo app: a stack holding the `SildCentral` a central operator would
 * create, built from the central part of the ecosystem config. (The construct's id `Default` keeps the resources'
 * logical ids as they were before the construct existed.)
 */
import { Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { centralConfigOf, type EcosystemConfig } from '../config/ecosystem-config';
import { SildCentral } from '../constructs/sild-central';

export interface CentralStackProps extends StackProps {
  /** The validated ecosystem config. */
  readonly config: EcosystemConfig;
}

export class CentralStack extends Stack {
  public readonly central: SildCentral;

  constructor(scope: Construct, id: string, props: CentralStackProps) {
    super(scope, id, props);
    Tags.of(this).add('sild:instance', props.config.instance);
    Tags.of(this).add('sild:component', 'central');
    this.central = new SildCentral(this, 'Default', centralConfigOf(props.config));
  }
}
