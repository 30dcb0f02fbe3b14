/**
 * One DynamoDB item written at deploy time (an `AwsCustomResource` `PutItem`): configuration that grows with the
 * ecosystem and so cannot live in a function's 4 KB environment — the join allow-list, an agency's access policy.
 * The item is a property of the resource, so `cdk diff` shows every change to it.
 */
import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, type IConstruct } from 'constructs';
import type { AttributeValueItem } from '../../lambdas/adapters/item-kind';
import type { SildTable } from './sild-table';

/** The construct id aws-cdk-lib gives the AwsCustomResource provider (a per-stack singleton). */
export const AWS_CUSTOM_RESOURCE_SINGLETON = 'AWS679f53fac002430cb0da5b7982bd2287';

/** Providers whose findings are acknowledged already (one provider serves every TableItem of a stack). */
const acknowledged = new WeakSet<IConstruct>();

export interface TableItemProps {
  readonly table: SildTable;
  /** The item in DynamoDB's attribute-value form, as an item kind writes it (`JOIN_ALLOW_LIST_ITEM.write(…)`). */
  readonly item: AttributeValueItem;
  /** CloudFormation resource type, e.g. `Custom::SildJoinAllowList`. */
  readonly resourceType: string;
  /** A stable physical id (never time-based): the item is replaced in place on every change. */
  readonly physicalId: string;
  /**
   * What a reviewer reads in `cdk diff`: lists of one-line entries (e.g. one per access right), kept sorted in the
   * resource's metadata, so a change shows as the lines added and removed rather than as one long escaped string.
   * @default - none
   */
  readonly review?: Readonly<Record<string, readonly string[]>>;
}

export class TableItem extends Construct {
  constructor(scope: Construct, id: string, props: TableItemProps) {
    super(scope, id);
    const resource = new cr.AwsCustomResource(this, 'Resource', {
      resourceType: props.resourceType,
      installLatestAwsSdk: false,
      onUpdate: {
        service: 'DynamoDB',
        action: 'putItem',
        parameters: { TableName: props.table.table.tableName, Item: props.item },
        physicalResourceId: cr.PhysicalResourceId.of(props.physicalId),
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [props.table.table.tableArn] }),
      ]),
      // The provider function is one per stack; so is its log group, with a retention (Lambda's own would keep logs forever).
      logGroup: providerLogGroup(Stack.of(this)),
    });
    const cfn = resource.node.findChild('Resource').node.defaultChild as CfnResource;
    for (const [key, lines] of Object.entries(props.review ?? {})) cfn.addMetadata(`sild:${key}`, [...lines].sort());
    const provider = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_SINGLETON);
    if (!provider) throw new Error('The AwsCustomResource provider function was not found');
    if (acknowledged.has(provider)) return;
    acknowledged.add(provider);
    Validations.of(provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "The AwsCustomResource provider function (aws-cdk-lib's singleton) writes its own logs with the AWS-managed basic execution policy; its only data permission is PutItem of configuration items on this stack's table.",
      },
      {
        id: 'AwsSolutions-L1',
        reason: "The AwsCustomResource provider's runtime is chosen by aws-cdk-lib; it runs only at deploy time to write configuration items.",
      },
    );
  }
}

function providerLogGroup(stack: Stack): logs.ILogGroup {
  const id = 'SildTableItemProviderLogs';
  return (stack.node.tryFindChild(id) as logs.ILogGroup | undefined) ?? new logs.LogGroup(stack, id, { retention: logs.RetentionDays.THREE_MONTHS });
}
