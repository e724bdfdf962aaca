/**
 * cdk-nag 3.x acknowledgments. cdk-nag names each wildcard finding after the
 * resource as it appears in the template (`Resource::arn:aws:iam::<AWS::AccountId>:user/*`,
 * or with a literal account when the stack has one), so the acknowledgment
 * is computed from the same resolved value rather than typed by hand: it
 * keeps matching whether or not CDK_DEFAULT_ACCOUNT is set.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { RolePermission } from './function-permissions.ts';

/** A resolved CloudFormation value flattened the way cdk-nag prints it (`<Logical.Arn>`, `<AWS::AccountId>`). */
export function flattenForNag(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof value === 'object' && value !== null) {
    const node = value as Record<string, unknown>;
    const join = node['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map(flattenForNag).join(join[0]);
    }
    if ('Fn::Sub' in node) return flattenForNag(node['Fn::Sub']);
    const getAtt = node['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${flattenForNag(getAtt[0])}.${flattenForNag(getAtt[1])}>`;
    if ('Fn::ImportValue' in node) return flattenForNag(node['Fn::ImportValue']);
    if ('Ref' in node) return `<${flattenForNag(node.Ref)}>`;
  }
  return JSON.stringify(value);
}

/** A resource ARN (string or token) as cdk-nag's IAM5 finding for it reads. */
export function nagResource(scope: IConstruct, resource: string): string {
  return flattenForNag(Stack.of(scope).resolve(resource));
}

/** Acknowledges one cdk-nag rule (or one finding of it, `AwsSolutions-IAM5[Resource::…]`) on a construct and its children. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * A role's statements, checked: no wildcard action, and a wildcard in a
 * resource only with a reason, recorded as the cdk-nag acknowledgment of
 * exactly that finding on the role (one per finding, naming each statement).
 * `where` names the construct in the errors.
 */
export function checkedStatements(
  where: IConstruct,
  role: IConstruct,
  permissions: readonly RolePermission[],
): PolicyStatement[] {
  const reasons = new Map<string, string[]>();
  for (const { statement, wildcardReason } of permissions) {
    const wildcardActions = statement.actions.filter((action) => action.includes('*'));
    if (wildcardActions.length > 0) {
      throw new Error(
        `${where.node.path}: no wildcard actions (${wildcardActions.join(', ')}) in ${statement.sid}`,
      );
    }
    for (const resource of statement.resources.map((arn) => nagResource(role, arn))) {
      if (!resource.includes('*')) continue;
      if (wildcardReason === undefined) {
        throw new Error(
          `${where.node.path}: ${statement.sid} names ${resource} without a reason for the wildcard`,
        );
      }
      const finding = `AwsSolutions-IAM5[Resource::${resource}]`;
      reasons.set(finding, [...(reasons.get(finding) ?? []), `${statement.sid}: ${wildcardReason}`]);
    }
  }
  for (const [finding, why] of reasons) acknowledge(role, finding, why.join(' | '));
  return permissions.map(({ statement }) => statement);
}
