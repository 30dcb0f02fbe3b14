/**
 * One of a gateway's functions (consumer side, provider side, sealer, canary): a SildFunction deployed with the
 * gateway's resources and granted exactly what it does with them. Its environment (`gatewayEnvironment`, the
 * deployment contract) and its grants are made here and nowhere else — as aws-ecs's `ContainerDefinition` grants a
 * secret where it adds it to the environment — so no function gets a variable without its grant, or a grant on
 * something its environment does not name.
 */
import { Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CERT_PK } from '../../lambdas/adapters/message-log-item';
import { CONFIG_PK, GLOBALCONF_PK, KEYS_PK, SEAL_INDEX, SEAL_PK } from '../../lambdas/adapters/tables';
import type { GatewaySettingsInput } from '../../lambdas/core/exchange/settings';
import { gatewayEnvironment } from '../../lambdas/deployment-contract';
import type { GatewayFunctionName } from '../config/vpc-layout';
import type { BodyStoreBucket } from './body-store-bucket';
import type { SigningKeySet } from './signing-key';
import { SildFunction, type SildFunctionProps } from './sild-function';
import type { LeadingKeys, SildTable, TableItemAction } from './sild-table';

/** What every gateway function is deployed with: its environment names all of it (`GatewayDeployment`). */
export interface GatewayResources {
  /** The gateway settings document (`SILD_GATEWAY_SETTINGS`); nothing to grant. */
  readonly settings: GatewaySettingsInput;
  /** The key that signs and every key published beside it (`SILD_SIGNING_KEY_ID`, `SILD_PUBLISHED_KEY_IDS`). */
  readonly signingKeys: SigningKeySet;
  /** The message log (`SILD_MESSAGE_LOG_TABLE`). */
  readonly messageLog: SildTable;
  /** Days before DynamoDB's TTL removes a record (`SILD_LOG_RETENTION_DAYS`); nothing to grant. */
  readonly logRetentionDays: number;
  /** The body store (`SILD_BODY_BUCKET`). */
  readonly bodyStore: BodyStoreBucket;
}

/** One grant on the message log: item actions, optionally only on some partition keys; or queries on an index. */
export type MessageLogGrant = { readonly actions: readonly TableItemAction[]; readonly keys?: LeadingKeys } | { readonly queryIndex: string };

/** What a gateway function does with the resources its environment names. Every gateway function signs. */
export interface GatewayFunctionAccess {
  /** Its grants on the message log, in this order (the order of its role's policy statements). */
  readonly messageLog: readonly MessageLogGrant[];
  /**
   * `readWrite`: it stores and reads bodies. `none`: it never touches one — it still gets the bucket's name, which
   * every gateway deployment carries (`readGatewayDeployment` requires it).
   */
  readonly bodyStore: 'readWrite' | 'none';
  /** `read`: it reads the message log's stream (the sealer). @default - none */
  readonly logStream?: 'read';
}

/**
 * The exchange sides write log records and their kept global configurations (never the deployment's CONFIG items,
 * the operator's key ring or the sealer's seals), and read the seals (the fail-closed check) and the kept
 * configurations.
 */
const EXCHANGE_WRITES_AND_QUERIES: readonly MessageLogGrant[] = [
  { actions: ['PutItem'], keys: { except: [CONFIG_PK, SEAL_PK, KEYS_PK] } },
  { actions: ['Query'], keys: { only: [SEAL_PK, GLOBALCONF_PK] } },
];

/**
 * They also get a log record back by key (a conditional write that failed: their own retried write, or a replayed
 * X-Road-Id) and the key ring — never a seal or a stored certificate by key.
 */
const CONSUMER_ACCESS: GatewayFunctionAccess = {
  messageLog: [...EXCHANGE_WRITES_AND_QUERIES, { actions: ['GetItem'], keys: { except: [CONFIG_PK, SEAL_PK, CERT_PK] } }],
  bodyStore: 'readWrite',
};

/** Least privilege on the table the four functions share: what each may do with the gateway's resources. */
export const GATEWAY_FUNCTION_ACCESS: Readonly<Record<GatewayFunctionName, GatewayFunctionAccess>> = {
  consumer: CONSUMER_ACCESS,
  // The provider side also reads the deployment's items (access policy, service descriptions).
  provider: {
    messageLog: [...EXCHANGE_WRITES_AND_QUERIES, { actions: ['GetItem'], keys: { except: [SEAL_PK, CERT_PK] } }],
    bodyStore: 'readWrite',
  },
  // The sealer writes and reads seals, reads the key ring, and finds the closed windows' records in the log's stream
  // (and, for windows that began before the stream did, in the legacy index).
  sealer: {
    messageLog: [
      { actions: ['PutItem', 'Query'], keys: { only: [SEAL_PK] } },
      { actions: ['GetItem'], keys: { only: [KEYS_PK] } },
      { queryIndex: SEAL_INDEX.indexName },
    ],
    bodyStore: 'none',
    logStream: 'read',
  },
  // The canary acts as the gateway's own subsystem: it needs what the consumer side needs.
  canary: CONSUMER_ACCESS,
};

export interface GatewayFunctionProps extends Omit<SildFunctionProps, 'entry' | 'handler' | 'environment'> {
  /** Which function: its code is `lambdas/gateway/<name>.ts`, its access `GATEWAY_FUNCTION_ACCESS[name]`. */
  readonly name: GatewayFunctionName;
  readonly resources: GatewayResources;
}

export class GatewayFunction extends SildFunction {
  constructor(scope: Construct, id: string, props: GatewayFunctionProps) {
    const { name, resources, ...functionProps } = props;
    const { settings, signingKeys, messageLog, logRetentionDays, bodyStore } = resources;
    super(scope, id, {
      ...functionProps,
      entry: `lambdas/gateway/${name}.ts`,
      environment: gatewayEnvironment({
        settings,
        signingKeyId: signingKeys.current.key.keyArn,
        publishedKeyIds: signingKeys.published.map((key) => key.key.keyArn),
        messageLogTable: messageLog.table.tableName,
        logRetentionDays,
        bodyBucket: bodyStore.bucket.bucketName,
      }),
    });
    // The grants on what the environment names, in the order their statements appear in the role's policy.
    const access = GATEWAY_FUNCTION_ACCESS[name];
    for (const key of signingKeys.published) key.grantSign(this);
    for (const grant of access.messageLog) {
      if ('queryIndex' in grant) messageLog.grantIndexQuery(this, grant.queryIndex);
      else messageLog.grantItemActions(this, grant.actions, grant.keys);
    }
    if (access.bodyStore === 'readWrite') bodyStore.grantReadWrite(this);
    if (access.logStream === 'read') {
      messageLog.grantStreamRead(this);
      Validations.of(this.role!).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "dynamodb:ListStreams supports no resource-level permissions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html); it only lists stream ARNs. Reading a stream (DescribeStream, GetShardIterator, GetRecords) is granted on this gateway's message-log stream alone.",
      });
    }
  }
}
