import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_KEYS,
  ConfigError,
  checkContextKeys,
  DEFAULT_CONFIG,
  DEFAULT_REGIONS,
  readConfig,
} from '../../lib/config.ts';
import { PROJECT_ROOT } from '../../lib/constructs/awssec-function.ts';

const fromContext = (context: Record<string, unknown>) => readConfig((key) => context[key]);

describe('readConfig', () => {
  it('gives the defaults with no context at all', () => {
    expect(fromContext({})).toEqual({
      senderEmail: '',
      emailDomain: '',
      securityEmails: [],
      schedule: 'cron(0 3 * * ? *)',
      mode: 'report',
      apply: false,
      gracePeriodDays: 7,
      warningDays: 3,
      excludeUsers: [],
      breakGlass: [],
      maxUsers: 10,
      maxPercent: 50,
      disableConsoleAccess: false,
      logRetentionDays: RetentionDays.ONE_YEAR,
      alertWindowMinutes: 60,
      securityHub: false,
      // The regions enabled in every commercial account: checked against aws-cdk-lib's record below.
      regions: DEFAULT_REGIONS,
      organization: false,
      organizationId: '',
      targetOus: [],
      auditOperatorRoles: [],
      enforceOperatorRoles: [],
      accountConcurrency: 8,
    });
    expect(fromContext({})).toEqual(DEFAULT_CONFIG);
    expect(CONFIG_KEYS).toEqual(Object.keys(DEFAULT_CONFIG));
  });

  it('reads the strings -c passes', () => {
    expect(
      fromContext({
        senderEmail: ' sec@example.com ',
        emailDomain: '@example.com',
        securityEmails: 'a@example.com, b@example.com',
        schedule: 'cron(15 2 ? * MON-FRI *)',
        mode: 'enforce',
        apply: 'true',
        gracePeriodDays: '0',
        warningDays: '1',
        excludeUsers: 'svc-*, ci-bot',
        breakGlass: 'breakglass',
        maxUsers: '1',
        maxPercent: '0.5',
        disableConsoleAccess: 'false',
        logRetentionDays: '3653',
        alertWindowMinutes: '15',
        securityHub: 'true',
        regions: 'eu-west-1, us-east-2',
      }),
    ).toEqual({
      senderEmail: 'sec@example.com',
      emailDomain: 'example.com',
      securityEmails: ['a@example.com', 'b@example.com'],
      schedule: 'cron(15 2 ? * MON-FRI *)',
      mode: 'enforce',
      apply: true,
      gracePeriodDays: 0,
      warningDays: 1,
      excludeUsers: ['svc-*', 'ci-bot'],
      breakGlass: ['breakglass'],
      maxUsers: 1,
      maxPercent: 0.5,
      disableConsoleAccess: false,
      logRetentionDays: RetentionDays.TEN_YEARS,
      alertWindowMinutes: 15,
      securityHub: true,
      regions: ['eu-west-1', 'us-east-2'],
      organization: false,
      organizationId: '',
      targetOus: [],
      auditOperatorRoles: [],
      enforceOperatorRoles: [],
      accountConcurrency: 8,
    });
  });

  it("reads cdk.json's JSON values, and lists as JSON arrays in a string", () => {
    const config = fromContext({
      securityEmails: ['a@example.com'],
      excludeUsers: '["svc-*", "bob"]',
      apply: true,
      maxPercent: 100,
      logRetentionDays: 30,
      regions: ['us-east-1', 'ap-southeast-2'],
    });
    expect(config).toMatchObject({
      regions: ['us-east-1', 'ap-southeast-2'],
      securityEmails: ['a@example.com'],
      excludeUsers: ['svc-*', 'bob'],
      apply: true,
      maxPercent: 100,
      logRetentionDays: RetentionDays.ONE_MONTH,
    });
  });

  it.each(['excludeUsers', 'breakGlass', 'securityEmails'])(
    'refuses %s given but naming nobody, or with an empty item; an absent key is none',
    (key) => {
      for (const value of ['', ' ', ' , ', '[]', []]) {
        expect(() => fromContext({ [key]: value })).toThrow(ConfigError);
        expect(() => fromContext({ [key]: value })).toThrow(
          `context ${key}: ${typeof value === 'string' && !value.startsWith('[') ? `'${value}'` : '[]'} names nobody: give one or more ${key === 'securityEmails' ? 'email addresses' : 'names or patterns'}, or leave it out`,
        );
      }
      for (const value of [
        'a@example.com,,b@example.com',
        'a@example.com,',
        '["a@example.com",""]',
        ['a@example.com', ' '],
      ]) {
        expect(() => fromContext({ [key]: value })).toThrow(ConfigError);
        expect(() => fromContext({ [key]: value })).toThrow(`context ${key}: `);
        expect(() => fromContext({ [key]: value })).toThrow('has an empty item (item 2)');
      }
      expect(fromContext({ [key]: undefined })[key as 'breakGlass']).toEqual([]);
    },
  );

  it('defaults to the regions enabled in every commercial account, which are not opt-in regions', () => {
    const enabledByDefault = RegionInfo.regions
      .filter((region) => region.partition === 'aws' && !region.isOptInRegion)
      .map((region) => region.name);
    expect([...DEFAULT_REGIONS].sort()).toEqual(enabledByDefault.sort());
    expect(DEFAULT_REGIONS).toHaveLength(17);
  });

  it('takes any commercial region, opt-in ones included, and us-east-1 alone', () => {
    expect(fromContext({ regions: '["af-south-1","eu-south-2"]' }).regions).toEqual([
      'af-south-1',
      'eu-south-2',
    ]);
    expect(fromContext({ regions: 'us-east-1' }).regions).toEqual(['us-east-1']);
  });

  it('refuses a regions list naming no region, or with an empty item', () => {
    for (const value of ['', ' ', '[]', []]) {
      expect(() => fromContext({ regions: value })).toThrow(ConfigError);
      expect(() => fromContext({ regions: value })).toThrow(
        'names nobody: give one or more region names, or leave it out',
      );
    }
    expect(() => fromContext({ regions: 'eu-west-1,,us-east-2' })).toThrow(
      "context regions: 'eu-west-1,,us-east-2' has an empty item (item 2)",
    );
  });

  it('takes numbers within their ranges, as JSON numbers or plain decimal text', () => {
    expect(
      fromContext({
        gracePeriodDays: '3650',
        warningDays: 30,
        maxUsers: '5000',
        maxPercent: '12.5',
        alertWindowMinutes: 1440,
      }),
    ).toMatchObject({
      gracePeriodDays: 3650,
      warningDays: 30,
      maxUsers: 5000,
      maxPercent: 12.5,
      alertWindowMinutes: 1440,
    });
  });

  it.each(['warn', 'enforce'])('refuses mode %s without a sender: nobody is acted on unwarned', (mode) => {
    expect(() => fromContext({ mode })).toThrow(
      `context senderEmail: mode ${mode} warns users by mail before anything happens to them; set senderEmail to an SES-verified address, or use mode report`,
    );
    expect(fromContext({ mode, senderEmail: 'security@example.com' }).mode).toBe(mode);
  });

  it.each([
    ['mode', 'audit', "context mode: 'audit' is not one of report, warn, enforce"],
    ['mode', 'Report', "context mode: 'Report' is not one of report, warn, enforce"],
    ['apply', 'yes', "context apply: 'yes' is not true or false"],
    ['apply', 1, 'context apply: 1 is not true or false'],
    ['disableConsoleAccess', 'TRUE', "context disableConsoleAccess: 'TRUE' is not true or false"],
    ['securityHub', 'on', "context securityHub: 'on' is not true or false"],
    ['gracePeriodDays', '-1', "context gracePeriodDays: '-1' is not a whole number of days from 0 to 3650"],
    ['gracePeriodDays', '1.5', "context gracePeriodDays: '1.5' is not a whole number of days from 0 to 3650"],
    ['gracePeriodDays', 'seven', "context gracePeriodDays: 'seven' is not a whole number of days"],
    [
      'gracePeriodDays',
      '3651',
      "context gracePeriodDays: '3651' is not a whole number of days from 0 to 3650",
    ],
    ['gracePeriodDays', 999999999, 'context gracePeriodDays: 999999999 is not a whole number of days'],
    ['gracePeriodDays', '0x10', "context gracePeriodDays: '0x10' is not a whole number of days"],
    ['gracePeriodDays', '1e3', "context gracePeriodDays: '1e3' is not a whole number of days"],
    ['warningDays', '0', "context warningDays: '0' is not a whole number of days from 1 to 30"],
    ['warningDays', 31, 'context warningDays: 31 is not a whole number of days from 1 to 30'],
    ['maxUsers', 0, 'context maxUsers: 0 is not a whole number of users from 1 to 5000'],
    ['maxUsers', '', "context maxUsers: '' is not a whole number of users from 1 to 5000"],
    ['maxUsers', '5001', "context maxUsers: '5001' is not a whole number of users from 1 to 5000"],
    ['maxUsers', '+5', "context maxUsers: '+5' is not a whole number of users"],
    ['maxUsers', '1 0', "context maxUsers: '1 0' is not a whole number of users"],
    [
      'maxPercent',
      '0',
      "context maxPercent: '0' is not a percentage above 0 and at most 100 (plain decimal, e.g. 12.5)",
    ],
    ['maxPercent', 101, 'context maxPercent: 101 is not a percentage above 0 and at most 100'],
    ['maxPercent', '0x10', "context maxPercent: '0x10' is not a percentage above 0 and at most 100"],
    ['maxPercent', '1e1', "context maxPercent: '1e1' is not a percentage above 0 and at most 100"],
    ['maxPercent', '.5', "context maxPercent: '.5' is not a percentage above 0 and at most 100"],
    [
      'alertWindowMinutes',
      '0',
      "context alertWindowMinutes: '0' is not a whole number of minutes from 1 to 1440",
    ],
    [
      'alertWindowMinutes',
      1441,
      'context alertWindowMinutes: 1441 is not a whole number of minutes from 1 to 1440',
    ],
    [
      'logRetentionDays',
      '100',
      "context logRetentionDays: '100' is not a CloudWatch Logs retention (days): one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
    ],
    ['logRetentionDays', 9999, 'context logRetentionDays: 9999 is not a CloudWatch Logs retention'],
    ['schedule', 'rate(1 day)', "context schedule: 'rate(1 day)' is not an EventBridge cron expression"],
    [
      'schedule',
      'cron(0 3 * * *)',
      "context schedule: 'cron(0 3 * * *)' is not an EventBridge cron expression",
    ],
    [
      'schedule',
      'cron(0 3 * * * *)',
      "context schedule: 'cron(0 3 * * * *)' is not an EventBridge cron expression",
    ],
    [
      'schedule',
      'cron(0 3 ? * ? *)',
      "context schedule: 'cron(0 3 ? * ? *)' is not an EventBridge cron expression",
    ],
    ['schedule', '0 3 * * ? *', "context schedule: '0 3 * * ? *' is not an EventBridge cron expression"],
    ['schedule', 42, 'context schedule: 42 is not a string'],
    ['senderEmail', 'security', "context senderEmail: 'security' is not an email address"],
    [
      'senderEmail',
      'Sec <sec@example.com>',
      "context senderEmail: 'Sec <sec@example.com>' is not an email address",
    ],
    ['emailDomain', 'example', "context emailDomain: 'example' is not a domain name"],
    ['securityEmails', 'a@example.com,nobody', "context securityEmails: 'nobody' is not an email address"],
    ['securityEmails', '[not json', "context securityEmails: '[not json' is not a JSON array of strings"],
    ['securityEmails', { a: 1 }, 'context securityEmails: {"a":1} is not a list of strings'],
    ['excludeUsers', 'bob smith', "context excludeUsers: 'bob smith' is not a user name or pattern"],
    ['excludeUsers', ['team/alice'], "context excludeUsers: 'team/alice' is not a user name or pattern"],
    ['excludeUsers', ['last,first'], "context excludeUsers: 'last,first' contains a comma"],
    ['breakGlass', 'ok, [bad]', "context breakGlass: '[bad]' is not a user name or pattern"],
    [
      'regions',
      'eu-west1',
      "context regions: 'eu-west1' is not a commercial AWS region; did you mean eu-west-1?",
    ],
    [
      'regions',
      'us-east-1, EU-WEST-1',
      "context regions: 'EU-WEST-1' is not a commercial AWS region; did you mean eu-west-1?",
    ],
    [
      'regions',
      'eu-west-1,us-east-2,eu-west-1',
      "context regions: 'eu-west-1' is listed twice: name each region once",
    ],
    [
      'regions',
      'cn-north-1',
      "context regions: 'cn-north-1' is a region of the aws-cn partition: the stacks go to one commercial (aws) account, so list its regions only",
    ],
    [
      'regions',
      ['us-east-1', 'us-gov-west-1'],
      "context regions: 'us-gov-west-1' is a region of the aws-us-gov partition",
    ],
    [
      'regions',
      'xx-nowhere-9',
      "context regions: 'xx-nowhere-9' is not a commercial AWS region: give names such as eu-west-1 (known: af-south-1, ",
    ],
    ['regions', ['eu-west-1', 3], 'context regions: ["eu-west-1",3]: item 2 is not a string'],
  ])('rejects %s = %j, naming the key', (key, value, message) => {
    expect(() => fromContext({ [key]: value })).toThrow(ConfigError);
    expect(() => fromContext({ [key]: value })).toThrow(message);
  });
});

describe('organization mode', () => {
  const ORG = { organization: 'true', organizationId: 'o-a1b2c3d4e5', targetOus: 'r-ab12' };

  it('reads the organization, and the root or OUs to install in', () => {
    expect(fromContext(ORG)).toMatchObject({
      organization: true,
      organizationId: 'o-a1b2c3d4e5',
      targetOus: ['r-ab12'],
    });
    expect(
      fromContext({
        ...ORG,
        organizationId: 'o-abcdefghij0123456789abcdefghij01',
        targetOus:
          '["ou-ab12-cdefgh34", "ou-0123456789abcdef0123456789abcdef-01234567890123456789012345678901"]',
      }).targetOus,
    ).toEqual(['ou-ab12-cdefgh34', 'ou-0123456789abcdef0123456789abcdef-01234567890123456789012345678901']);
    expect(fromContext({ organization: false }).organization).toBe(false);
  });

  it('reads the roles people run report --org and enforce --org with, and refuses anything but role ARNs', () => {
    expect(
      fromContext({
        ...ORG,
        auditOperatorRoles:
          'arn:aws:iam::111111111111:role/SecurityAudit, arn:aws:iam::111111111111:role/team/Auditor',
        enforceOperatorRoles: '["arn:aws:iam::111111111111:role/SecurityAdmin"]',
      }),
    ).toMatchObject({
      auditOperatorRoles: [
        'arn:aws:iam::111111111111:role/SecurityAudit',
        'arn:aws:iam::111111111111:role/team/Auditor',
      ],
      enforceOperatorRoles: ['arn:aws:iam::111111111111:role/SecurityAdmin'],
    });
    for (const [value, problem] of [
      ['arn:aws:iam::111111111111:user/alice', 'is not an IAM role ARN'],
      ['111111111111', 'is not an IAM role ARN'],
      ['arn:aws:iam::111111111111:role/*', 'is not an IAM role ARN'],
      ['arn:aws:iam::111111111111:role/A,arn:aws:iam::111111111111:role/A', 'is listed twice'],
    ] as const) {
      expect(() => fromContext({ ...ORG, auditOperatorRoles: value })).toThrow(problem);
    }
    expect(() => fromContext({ enforceOperatorRoles: 'arn:aws:iam::111111111111:role/A' })).toThrow(
      'context enforceOperatorRoles: only organization mode uses it',
    );
  });

  it("reads accountConcurrency, organization mode's only, within the CLI's --account-concurrency range", () => {
    expect(fromContext({ ...ORG }).accountConcurrency).toBe(8);
    expect(fromContext({ ...ORG, accountConcurrency: '20' }).accountConcurrency).toBe(20);
    expect(fromContext({ ...ORG, accountConcurrency: 64 }).accountConcurrency).toBe(64);
    for (const value of ['0', '65', '2.5', 'eight']) {
      expect(() => fromContext({ ...ORG, accountConcurrency: value })).toThrow(
        `context accountConcurrency: '${value}' is not`,
      );
    }
    expect(() => fromContext({ accountConcurrency: '8' })).toThrow(
      'context accountConcurrency: only organization mode uses it; set organization=true as well, or leave accountConcurrency out',
    );
  });

  it.each([
    [
      { organization: 'true', targetOus: 'r-ab12' },
      "context organizationId: organization mode needs the organization's id (o-…: aws organizations describe-organization --query Organization.Id)",
    ],
    [
      { organization: 'true', organizationId: 'o-a1b2c3d4e5' },
      "context targetOus: organization mode needs where to install the member stack: the root's id for the whole organization (r-…: aws organizations list-roots --query 'Roots[].Id'), or OU ids (ou-…)",
    ],
    [
      { organizationId: 'o-a1b2c3d4e5' },
      'context organizationId: only organization mode uses it; set organization=true as well, or leave organizationId out',
    ],
    [
      { organization: 'false', targetOus: 'r-ab12' },
      'context targetOus: only organization mode uses it; set organization=true as well, or leave targetOus out',
    ],
    [{ ...ORG, organization: 'yes' }, "context organization: 'yes' is not true or false"],
    [
      { ...ORG, organizationId: 'o-a1b2c3d4e' },
      "context organizationId: 'o-a1b2c3d4e' is not an organization id (o- and 10 to 32 lowercase letters or digits)",
    ],
    [
      { ...ORG, organizationId: 'o-A1B2C3D4E5' },
      "context organizationId: 'o-A1B2C3D4E5' is not an organization id",
    ],
    [
      { ...ORG, organizationId: 'a1b2c3d4e5' },
      "context organizationId: 'a1b2c3d4e5' is not an organization id",
    ],
    [{ ...ORG, organizationId: '' }, "context organizationId: '' is not an organization id"],
    [
      { ...ORG, targetOus: 'root' },
      "context targetOus: 'root' is neither a root id (r-xxxx) nor an OU id (ou-xxxx-xxxxxxxx)",
    ],
    [{ ...ORG, targetOus: 'r-ab1' }, "context targetOus: 'r-ab1' is neither a root id"],
    [{ ...ORG, targetOus: 'ou-ab12-cdefgh3' }, "context targetOus: 'ou-ab12-cdefgh3' is neither a root id"],
    [{ ...ORG, targetOus: 'OU-AB12-CDEFGH34' }, "context targetOus: 'OU-AB12-CDEFGH34' is neither a root id"],
    [
      { ...ORG, targetOus: 'ou-ab12-cdefgh34,ou-ab12-cdefgh34' },
      "context targetOus: 'ou-ab12-cdefgh34' is listed twice: name each OU once",
    ],
    [
      { ...ORG, targetOus: 'r-ab12,ou-ab12-cdefgh34' },
      "context targetOus: 'r-ab12' is the root, which holds every OU: give the root alone, or OUs only",
    ],
    [
      { ...ORG, targetOus: '' },
      "context targetOus: '' names nobody: give one or more OU or root ids, or leave it out",
    ],
  ])('refuses %o, naming the key', (context, message) => {
    expect(() => fromContext(context)).toThrow(ConfigError);
    expect(() => fromContext(context)).toThrow(message);
  });
});

describe('context keys', () => {
  it.each([
    ['sendrEmail', 'senderEmail'],
    ['gracePeriod', 'gracePeriodDays'],
    ['maxuser', 'maxUsers'],
    ['breakglass', 'breakGlass'],
    ['region', 'regions'],
  ])('refuses the misspelt %s, naming %s', (key, meant) => {
    expect(() => checkContextKeys([key])).toThrow(
      `context ${key} is not a setting of awssec iam-mfa; did you mean ${meant}? (settings: ${CONFIG_KEYS.join(', ')})`,
    );
  });

  it('names no setting when none is close', () => {
    expect(() => checkContextKeys(['colour'])).toThrow(
      /^context colour is not a setting of awssec iam-mfa \(settings: /,
    );
  });

  it("lets the CDK's own keys and this app's through", () => {
    expect(() =>
      checkContextKeys([
        ...CONFIG_KEYS,
        'aws:cdk:bundling-stacks',
        'aws:cdk:enable-path-metadata',
        '@aws-cdk/aws-iam:minimizePolicies',
        '@aws-cdk/core:target-partitions',
      ]),
    ).not.toThrow();
  });
});

describe('docs/deploy.md', () => {
  it('lists every setting in its table, in the order the app reads them', () => {
    const manual = readFileSync(path.join(PROJECT_ROOT, 'docs/deploy.md'), 'utf8');
    const from = manual.indexOf('| key | default | allowed |');
    const table = manual.slice(from, manual.indexOf('\n\n', from));
    const keys = [...table.matchAll(/^\| `(\w+)` \|/gm)].map((match) => match[1]);
    expect(keys).toEqual(CONFIG_KEYS);
  });
});

describe('the app, as cdk synth runs it', () => {
  it('fails on a misspelt context key, naming it and the setting meant', () => {
    // The command cdk.json gives the CDK CLI, with the context the CLI hands an app
    // (test/infra/bundle.test.ts runs the CLI itself).
    const { app } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { app: string };
    const [command = '', ...args] = app.split(' ');
    const result = spawnSync(command === 'node' ? process.execPath : command, args, {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_OUTDIR: mkdtempSync(path.join(tmpdir(), 'awssec-cdk-')),
        CDK_CONTEXT_JSON: JSON.stringify({ sendrEmail: 'security@example.com' }),
      },
    });
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain(
      'awssec iam-mfa: context sendrEmail is not a setting of awssec iam-mfa; did you mean senderEmail?',
    );
  }, 60_000);
});
