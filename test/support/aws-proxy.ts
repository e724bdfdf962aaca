import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';

/**
 * An HTTP proxy of our own between the SDK and moto. IAM and STS speak AWS's
 * query protocol (a form-encoded POST naming the Action), so a rule can see
 * which operation a request is and for which user, then answer in its place
 * or rewrite moto's answer. The SDK parses whatever comes back for real.
 */
export interface ProxiedRequest {
  /** The operation: the query protocol's Action (IAM, STS, SNS…) or the JSON protocol's X-Amz-Target (Organizations); empty for a REST service such as Security Hub. */
  readonly action: string;
  /** The request's path: what a REST service's operation is (`/findings/import`). */
  readonly path?: string;
  readonly params: URLSearchParams;
  /** Requests of this action being handled now, this one included. */
  readonly inFlight?: number;
}

export type ProxyRule = (
  request: ProxiedRequest,
) =>
  | { readonly respond: { readonly status: number; readonly body: string } }
  | { readonly rewrite: (body: string) => string }
  | undefined;

export interface AwsProxy {
  readonly endpoint: string;
  /** Requests seen, by Action. */
  readonly seen: Map<string, number>;
  /** Requests passed on to moto (not answered by a rule), in order: what really happened. */
  readonly forwarded: ProxiedRequest[];
  setRule(rule: ProxyRule | undefined): void;
  /** Waits this long before answering each request: AWS's latency. */
  setDelay(ms: number): void;
  stop(): Promise<void>;
}

export async function startAwsProxy(target: string): Promise<AwsProxy> {
  let rule: ProxyRule | undefined;
  let delayMs = 0;
  const seen = new Map<string, number>();
  const forwarded: ProxiedRequest[] = [];
  const inFlight = new Map<string, number>();
  const server: Server = createServer(async (request, response) => {
    let action: string | undefined;
    try {
      const body = await readBody(request);
      const params = new URLSearchParams(body);
      // The query protocol names the operation in the body; the JSON protocol (Organizations) in a header.
      const amzTarget = request.headers['x-amz-target'];
      action =
        params.get('Action') ?? (typeof amzTarget === 'string' ? (amzTarget.split('.').pop() ?? '') : '');
      seen.set(action, (seen.get(action) ?? 0) + 1);
      inFlight.set(action, (inFlight.get(action) ?? 0) + 1);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const decision = rule?.({
        action,
        params,
        path: request.url ?? '/',
        inFlight: inFlight.get(action) ?? 1,
      });
      if (decision && 'respond' in decision) {
        response.writeHead(decision.respond.status, { 'content-type': 'text/xml' });
        response.end(decision.respond.body);
        return;
      }
      forwarded.push({ action, params, path: request.url ?? '/' });
      const upstream = await fetch(`${target}${request.url ?? '/'}`, {
        method: request.method ?? 'POST',
        headers: forwardHeaders(request),
        body: request.method === 'GET' || request.method === 'HEAD' ? undefined : body,
      });
      let text = await upstream.text();
      if (decision && 'rewrite' in decision) text = decision.rewrite(text);
      response.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'text/xml',
      });
      response.end(text);
    } catch (error) {
      response.writeHead(502);
      response.end(String(error));
    } finally {
      if (action !== undefined) inFlight.set(action, (inFlight.get(action) ?? 1) - 1);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    seen,
    forwarded,
    setRule: (next) => {
      rule = next;
    },
    setDelay: (ms) => {
      delayMs = ms;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function forwardHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || ['host', 'content-length', 'connection'].includes(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** AWS's query-protocol error body, as IAM sends it. */
export function awsErrorXml(code: string, message: string, type: 'Sender' | 'Receiver' = 'Sender'): string {
  return `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ErrorResponse>`;
}

export function accessDenied(action: string, userName = 'auditor'): { status: number; body: string } {
  return {
    status: 403,
    body: awsErrorXml(
      'AccessDenied',
      `User: arn:aws:iam::123456789012:user/${userName} is not authorized to perform: iam:${action} on resource: arn:aws:iam::123456789012:user/* because no identity-based policy allows the iam:${action} action`,
    ),
  };
}

/** Rewrites the base64 CSV inside a GetCredentialReport answer. */
export function rewriteCredentialReport(transform: (csv: string) => string): (body: string) => string {
  return (body) =>
    body.replace(/<Content>([^<]*)<\/Content>/, (_, content: string) => {
      const csv = Buffer.from(content, 'base64').toString('utf8');
      return `<Content>${Buffer.from(transform(csv)).toString('base64')}</Content>`;
    });
}

/**
 * Sets keys of a GetAccountSummary answer's SummaryMap, adding the ones moto
 * leaves out (it has no AccountPasswordPresent).
 */
export function rewriteAccountSummary(entries: Readonly<Record<string, number>>): (body: string) => string {
  return (body) => {
    let text = body;
    for (const [key, value] of Object.entries(entries)) {
      const entry = `<entry><key>${key}</key><value>${value}</value></entry>`;
      const existing = new RegExp(`<entry><key>${key}</key><value>\\d+</value></entry>`);
      text = existing.test(text)
        ? text.replace(existing, entry)
        : text.replace('<SummaryMap>', `<SummaryMap>${entry}`);
    }
    return text;
  };
}
