/**
 * A permissions boundary on every IAM role a Sild deployment creates — what government landing zones commonly
 * require (a service control policy then refuses `iam:CreateRole` without it). aws-cdk-lib's aspect covers every role
 * under the construct; the one role outside it, the stack's `AwsCustomResource` provider (a per-stack singleton that
 * writes the `TableItem`s, shared with the stack's other `AwsCustomResource`s), is given it too.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { AWS_CUSTOM_RESOURCE_SINGLETON } from './table-item';

/** Applies the managed policy `arn` as the boundary of every role in `scope` and of the stack's custom-resource provider. */
export function applyPermissionsBoundary(scope: Construct, arn: string): void {
  const boundary = iam.ManagedPolicy.fromManagedPolicyArn(scope, 'PermissionsBoundary', arn);
  iam.PermissionsBoundary.of(scope).apply(boundary);
  const provider = Stack.of(scope).node.tryFindChild(AWS_CUSTOM_RESOURCE_SINGLETON);
  if (provider) iam.PermissionsBoundary.of(provider).apply(boundary);
}
