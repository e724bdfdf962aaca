import { describe, expect, it } from 'vitest';
import {
  describeRange,
  numberInRange,
  OPTION_RANGES,
  type RangedOption,
} from '../../lambdas/core/option-ranges.ts';
import { rangedValue } from '../../lambdas/handler-support.ts';
import { rangedOption } from '../../lambdas/use-cases/generate-mfa-report.ts';
import { readConfig } from '../../lib/config.ts';

describe('numberInRange', () => {
  it.each([
    ['gracePeriodDays', '0', 0],
    ['gracePeriodDays', ' 3650 ', 3650],
    ['gracePeriodDays', '007', 7],
    ['gracePeriodDays', 3650, 3650],
    ['maxPercent', '12.5', 12.5],
    ['maxPercent', '100', 100],
    ['maxPercent', 0.01, 0.01],
    ['maxUsers', '5000', 5000],
  ] as const)('%s takes %j', (option, value, expected) => {
    expect(numberInRange(option, value)).toBe(expected);
  });

  it.each([
    ['gracePeriodDays', '3651'],
    ['gracePeriodDays', '999999999'],
    ['gracePeriodDays', '-1'],
    ['gracePeriodDays', '+1'],
    ['gracePeriodDays', '1.0'],
    ['gracePeriodDays', '1e3'],
    ['gracePeriodDays', '0x10'],
    ['gracePeriodDays', '1_000'],
    ['gracePeriodDays', '1 0'],
    ['gracePeriodDays', ''],
    ['gracePeriodDays', 1.5],
    ['gracePeriodDays', Number.NaN],
    ['gracePeriodDays', true],
    ['gracePeriodDays', null],
    ['maxPercent', '0'],
    ['maxPercent', 0],
    ['maxPercent', '0x10'],
    ['maxPercent', '1e1'],
    ['maxPercent', '.5'],
    ['maxPercent', '5.'],
    ['maxPercent', '100.01'],
    ['maxPercent', Number.POSITIVE_INFINITY],
    ['maxUsers', '5001'],
    ['maxUsers', '0'],
    ['concurrency', 65],
    ['reportTimeoutSeconds', '3601'],
    ['alertWindowMinutes', '1441'],
  ] as const)('%s refuses %j', (option, value) => {
    expect(numberInRange(option, value)).toBeUndefined();
  });
});

describe('one table for every surface', () => {
  // Each surface's reader of a ranged option; the keys are the table's.
  const config = (key: string, value: string) => readConfig((k) => (k === key ? value : undefined));
  const CONFIG_KEYS: readonly RangedOption[] = [
    'gracePeriodDays',
    'warningDays',
    'maxUsers',
    'maxPercent',
    'alertWindowMinutes',
  ];
  const API_KEYS: readonly RangedOption[] = [
    'gracePeriodDays',
    'maxUsers',
    'maxPercent',
    'concurrency',
    'credentialReportTimeoutMs',
  ];

  it.each(Object.keys(OPTION_RANGES) as RangedOption[])(
    '%s: the bounds are the same everywhere',
    (option) => {
      const { min, max } = OPTION_RANGES[option];
      const above = String(max + 1);
      expect(rangedValue('X', String(max), option)).toBe(max);
      expect(() => rangedValue('X', above, option)).toThrow(describeRange(option));
      if (CONFIG_KEYS.includes(option)) {
        expect(config(option, String(max))[option as 'maxUsers']).toBe(max);
        expect(() => config(option, above)).toThrow(describeRange(option));
        expect(() => config(option, String(min - 1))).toThrow(describeRange(option));
      }
      if (API_KEYS.includes(option)) {
        expect(rangedOption(option, max, 1)).toBe(max);
        expect(() => rangedOption(option, max + 1, 1)).toThrow(describeRange(option));
        expect(() => rangedOption(option, min - 1, 1)).toThrow(describeRange(option));
      }
    },
  );
});
