/**
 * A stand-in for the read-only AWS account APIs `sild doctor --aws` calls, answering each in its own protocol as AWS
 * does: STS `GetCallerIdentity` (query protocol, XML; or JSON 1.0), Lambda `GetAccountSettings` (REST JSON,
 * `GET /2016-08-19/account-settings`), API Gateway `GetAccount` (REST JSON, `GET /account`), SSM `GetParameter`
 * (JSON 1.1; `ParameterNotFound` for a missing name).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../../lib/local/read-body';

export interface AccountState {
  account: string;
  quota: number;
  unreserved: number;
  apiGatewayRole?: string;
  parameters: Record<string, string>;
}

export async function startAccountStandIn(state: AccountState): Promise<{ url: string; calls: string[]; stop(): Promise<void> }> {
  const calls: string[] = [];
  const server: Server = createServer(async (request, response) => {
    const body = ((await readBody(request)) ?? Buffer.alloc(0)).toString('utf8');
    const target = String(request.headers['x-amz-target'] ?? '');
    const json = (status: number, value: unknown, type = 'application/json') =>
      response.writeHead(status, { 'content-type': type }).end(JSON.stringify(value));
    if (request.method === 'GET' && request.url === '/2016-08-19/account-settings') {
      calls.push('lambda:GetAccountSettings');
      return json(200, {
        AccountLimit: {
          TotalCodeSize: 80530636800,
          CodeSizeUnzipped: 262144000,
          CodeSizeZipped: 52428800,
          ConcurrentExecutions: state.quota,
          UnreservedConcurrentExecutions: state.unreserved,
        },
        AccountUsage: { TotalCodeSize: 0, FunctionCount: 0 },
      });
    }
    if (request.method === 'GET' && request.url === '/account') {
      calls.push('apigateway:GetAccount');
      return json(200, {
        ...(state.apiGatewayRole ? { cloudwatchRoleArn: state.apiGatewayRole } : {}),
        throttleSettings: { burstLimit: 5000, rateLimit: 10000 },
        features: [],
        apiKeyVersion: '4',
      });
    }
    if (target === 'AmazonSSM.GetParameter') {
      calls.push('ssm:GetParameter');
      const name = String((JSON.parse(body) as { Name?: string }).Name);
      if (!(name in state.parameters)) return json(400, { __type: 'ParameterNotFound', message: '' }, 'application/x-amz-json-1.1');
      return json(200, { Parameter: { Name: name, Type: 'String', Value: state.parameters[name], Version: 1 } }, 'application/x-amz-json-1.1');
    }
    if (target.endsWith('.GetCallerIdentity')) {
      calls.push('sts:GetCallerIdentity');
      return json(
        200,
        { Account: state.account, Arn: `arn:aws:iam::${state.account}:user/operator`, UserId: 'AIDALOCAL' },
        'application/x-amz-json-1.0',
      );
    }
    if (body.includes('Action=GetCallerIdentity')) {
      calls.push('sts:GetCallerIdentity');
      response.writeHead(200, { 'content-type': 'text/xml' });
      return response.end(
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${state.account}:user/operator</Arn><UserId>AIDALOCAL</UserId><Account>${state.account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      );
    }
    return json(400, { __type: 'UnknownOperationException', message: `${request.method} ${request.url} ${target}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
