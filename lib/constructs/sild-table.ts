/**
 * A DynamoDB table created from one of the shared layouts (`lambdas/adapters/tables.ts`) with Sild's production
 * defaults: on-demand, point-in-time recovery, deletion protection, RETAIN. Access is granted per item action on
 * the table, and per index for queries, so no grantee ever gets `dynamodb:*` or an index wildcard.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { TableLayout } from '../../lambdas/adapters/tables';

/** The item-level actions Sild's adapters use. */
export type TableItemAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query' | 'Scan';

/**
 * Which partition keys a grant covers (IAM's `dynamodb:LeadingKeys`): `only` these, or any `except` these. Several
 * roles share one table; this is what keeps, e.g., the internet-facing provider function from writing the access
 * policy or a seal.
 */
export type LeadingKeys = { readonly only: readonly string[] } | { readonly except: readonly string[] };

export interface SildTableProps {
  /** Key schema and TTL attribute, shared with the local runtime. */
  readonly layout: TableLayout;
}

export class SildTable extends Construct {
  public readonly table: dynamodb.ITable;
  private readonly layout: TableLayout;

  constructor(scope: Construct, id: string, props: SildTableProps) {
    super(scope, id);
    const { layout } = props;
    this.layout = layout;
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: layout.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: layout.sortKey ? { name: layout.sortKey, type: dynamodb.AttributeType.STRING } : undefined,
      timeToLiveAttribute: layout.timeToLiveAttribute,
      // The change stream the sealer reads (24-hour retention, no charge for the stream itself).
      stream: layout.stream === 'NEW_IMAGE' ? dynamodb.StreamViewType.NEW_IMAGE : undefined,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of layout.indexes ?? []) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: [...index.include],
      });
    }
    this.table = table;
  }

  /** Allows `Query` on one of the layout's indexes (and nothing else on it). */
  public grantIndexQuery(grantee: iam.IGrantable, indexName: string): iam.Grant {
    if (!(this.layout.indexes ?? []).some((index) => index.indexName === indexName)) throw new Error(`The table has no index ${indexName}`);
    return iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [`${this.table.tableArn}/index/${indexName}`] });
  }

  /**
   * Allows reading the table's stream and nothing else: `ListStreams` (on `*`, as IAM defines that action) and
   * `DescribeStream`, `GetShardIterator`, `GetRecords` on this table's stream alone
   * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/iam-policy-example-data-crud.html).
   */
  public grantStreamRead(grantee: iam.IGrantable): iam.Grant {
    if (!this.layout.stream) throw new Error('The table has no stream');
    return this.table.grantStreamRead(grantee);
  }

  /**
   * Allows exactly these item actions on this table — not on its indexes (`ITable.grant` would add `index/*`), not
   * on other tables — optionally only on items with given partition keys (`Scan` has no key: never combine them).
   * @param keys @default - every item
   */
  public grantItemActions(grantee: iam.IGrantable, actions: readonly TableItemAction[], keys?: LeadingKeys): iam.Grant {
    if (keys && actions.includes('Scan')) throw new Error('A Scan cannot be limited to partition keys');
    let conditions: Record<string, Record<string, unknown>> | undefined;
    if (keys && 'only' in keys) conditions = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...keys.only] } };
    if (keys && 'except' in keys) conditions = { 'ForAllValues:StringNotEquals': { 'dynamodb:LeadingKeys': [...keys.except] } };
    return iam.Grant.addToPrincipal({
      grantee,
      actions: actions.map((action) => `dynamodb:${action}`),
      resourceArns: [this.table.tableArn],
      conditions,
    });
  }
}
