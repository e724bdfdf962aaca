/**
 * cdk-nag 3.x acknowledgments. cdk-nag names each wildcard finding after the
 * resource as it appears in the template (`Resource::arn:aws:iam::<AWS::AccountId>:user/*`,
 * or with a literal account when the stack has one), so the acknowledgment
 * is computed from the same resolved value rather than typed by hand: it
 * keeps matching whether or not CDK_DEFAULT_ACCOUNT is set.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

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
