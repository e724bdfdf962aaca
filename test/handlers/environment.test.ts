import { describe, expect, it } from 'vitest';
import {
  EnvironmentError,
  organizationIdValue,
  patternListValue,
  rangedValue,
} from '../../lambdas/handler-support.ts';

describe('patternListValue (the environment the stack writes)', () => {
  it("reads '' as none configured, which is what the stack writes for an empty list", () => {
    expect(patternListValue('BREAK_GLASS', '')).toEqual([]);
    expect(patternListValue('BREAK_GLASS', 'breakglass-1,svc-*')).toEqual(['breakglass-1', 'svc-*']);
  });

  it.each(['a,,b', 'a,', ',a', ' , '])('refuses %j: an empty item would quietly drop a name', (value) => {
    expect(() => patternListValue('BREAK_GLASS', value)).toThrow(EnvironmentError);
    expect(() => patternListValue('BREAK_GLASS', value)).toThrow(
      /^environment variable BREAK_GLASS: '.*' (has an empty item|names nobody)/,
    );
  });
});

describe('rangedValue', () => {
  it('takes plain decimal within the range', () => {
    expect(rangedValue('GRACE_PERIOD_DAYS', '3650', 'gracePeriodDays')).toBe(3650);
    expect(rangedValue('MAX_PERCENT', '12.5', 'maxPercent')).toBe(12.5);
    expect(rangedValue('MAX_USERS', '5000', 'maxUsers')).toBe(5000);
  });

  it.each([
    ['GRACE_PERIOD_DAYS', '999999999', 'gracePeriodDays', 'a whole number of days from 0 to 3650'],
    ['GRACE_PERIOD_DAYS', '0x10', 'gracePeriodDays', 'a whole number of days from 0 to 3650'],
    ['WARNING_DAYS', '31', 'warningDays', 'a whole number of days from 1 to 30'],
    ['MAX_USERS', '5001', 'maxUsers', 'a whole number of users from 1 to 5000'],
    ['MAX_USERS', '1e3', 'maxUsers', 'a whole number of users from 1 to 5000'],
    ['MAX_PERCENT', '0x10', 'maxPercent', 'a percentage above 0 and at most 100 (plain decimal, e.g. 12.5)'],
    ['MAX_PERCENT', '', 'maxPercent', 'a percentage above 0 and at most 100'],
    ['ALERT_WINDOW_MINUTES', '1441', 'alertWindowMinutes', 'a whole number of minutes from 1 to 1440'],
  ] as const)('refuses %s=%j', (name, value, option, range) => {
    expect(() => rangedValue(name, value, option)).toThrow(EnvironmentError);
    expect(() => rangedValue(name, value, option)).toThrow(
      `environment variable ${name} is '${value}': give ${range}`,
    );
  });
});

describe('organizationIdValue', () => {
  it("reads '' as one account, and an organization's id as organization mode", () => {
    expect(organizationIdValue('ORGANIZATION_ID', '')).toBeUndefined();
    expect(organizationIdValue('ORGANIZATION_ID', 'o-a1b2c3d4e5')).toBe('o-a1b2c3d4e5');
  });

  it.each(['o-short', 'O-A1B2C3D4E5', '123456789012', 'true'])('refuses %j', (value) => {
    expect(() => organizationIdValue('ORGANIZATION_ID', value)).toThrow(
      `environment variable ORGANIZATION_ID is '${value}': give the organization's id (o-…), or leave it empty for one account`,
    );
  });
});
