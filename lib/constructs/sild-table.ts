/**
 * A DynamoDB table created from one of the shared layouts (`lambdas/adapters/tables.ts`) with Sild's production
 * defaults: on-demand, point-in-time recovery, deletion protection, RETAIN. Access is granted per item action on
 * the table itself (the layouts have no indexes), so no grantee ever gets `dynamodb:*` or an index wildcard.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { TableLayout } from '../../lambdas/adapters/tables';

/** The item-level actions Sild's adapters use. */
export type TableItemAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query' | 'Scan';

export interface SildTableProps {
  /** Key schema and TTL attribute, shared with the local runtime. */
  readonly layout: TableLayout;
}

export class SildTable extends Construct {
  public readonly table: dynamodb.ITable;

  constructor(scope: Construct, id: string, props: SildTableProps) {
    super(scope, id);
    const { layout } = props;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: layout.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: layout.sortKey ? { name: layout.sortKey, type: dynamodb.AttributeType.STRING } : undefined,
      timeToLiveAttribute: layout.timeToLiveAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Allows exactly these item actions on this table (no indexes, no other tables). */
  public grantItemActions(grantee: iam.IGrantable, ...actions: TableItemAction[]): iam.Grant {
    return this.table.grant(grantee, ...actions.map((action) => `dynamodb:${action}`));
  }
}
