/**
 * What the deployment writes into a gateway's table (pk `CONFIG`): its access policy (`GatewayConfigStore`) and each
 * service's OpenAPI description or WSDL (`ServiceDescriptions`). The agency stack writes them with custom resources; the
 * local runtime with the `put…` methods here — the same items.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accessPolicySchema, type AccessPolicy, type AccessPolicyInput } from '../core/exchange/settings';
import { StoreUnavailableError } from '../core/kernel/ports';
import type { GatewayConfigStore, ServiceDescriptions } from '../core/exchange/ports';
import { ACCESS_POLICY_ITEM, serviceDescriptionItem, serviceWsdlItem } from './gateway-items';
import type { ItemKey, StoredItem } from './item-kind';

export class DynamoDbGatewayConfig implements GatewayConfigStore, ServiceDescriptions {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The access policy the deployment wrote; none written means no rights (deny all). */
  async accessPolicy(): Promise<AccessPolicy> {
    const item = await this.item(ACCESS_POLICY_ITEM.key, 'The access policy');
    return item ? ACCESS_POLICY_ITEM.read(item) : accessPolicySchema.parse({ accessRights: [] });
  }

  /** A service's OpenAPI description the deployment wrote; undefined when it has none. */
  async get(subsystem: string, code: string): Promise<unknown | undefined> {
    const description = serviceDescriptionItem(subsystem, code);
    const item = await this.item(description.key, `The description of ${subsystem}/${code}`);
    return item ? description.read(item) : undefined;
  }

  /** A SOAP service's WSDL the deployment wrote; undefined when it has none. */
  async wsdl(subsystem: string, code: string): Promise<string | undefined> {
    const wsdl = serviceWsdlItem(subsystem, code);
    const item = await this.item(wsdl.key, `The WSDL of ${subsystem}/${code}`);
    return item ? wsdl.read(item) : undefined;
  }

  private async item(key: ItemKey, what: string): Promise<StoredItem | undefined> {
    try {
      return (await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item;
    } catch (error) {
      throw new StoreUnavailableError('gateway-config', `${what} could not be read`, { cause: error });
    }
  }

  /** Writes a service description (the local runtime; in AWS the agency stack puts the same item). */
  async putServiceDescription(subsystem: string, code: string, document: unknown): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: serviceDescriptionItem(subsystem, code).write(document) }));
  }

  /** Writes a SOAP service's WSDL (the local runtime; in AWS the agency stack puts the same item). */
  async putServiceWsdl(subsystem: string, code: string, text: string): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: serviceWsdlItem(subsystem, code).write(text) }));
  }

  /** Writes the access policy (the local runtime; in AWS the agency stack's custom resource puts the same item). */
  async putAccessPolicy(policy: AccessPolicyInput): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: ACCESS_POLICY_ITEM.write(policy) }));
  }
}
