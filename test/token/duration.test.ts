import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseLeeway } from '../../src/token/duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['4h', 14_400],
    ['12h', 43_200],
    ['1d', 86_400],
    ['1w', 604_800],
    ['1h30m', 5400],
    ['1d2h', 93_600],
    ['900', 900],
    [' 15M ', 900],
    [0, 0],
    [60, 60],
  ] as Array<[string | number, number]>)('%j → %d', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each(
    ['', 'abc', '15', '-5', '1.5h', '15 minutes', 'm', '30m1h', '1y', '1e3'].filter(
      (x) => x !== '15',
    ),
  )('refuses %j with a RangeError naming it', (input) => {
    expect(() => parseDuration(input)).toThrow(RangeError);
    expect(() => parseDuration(input)).toThrow(input === '' ? /Invalid duration/ : input);
  });

  it('refuses negative, fractional and absurd numbers', () => {
    expect(() => parseDuration(-1)).toThrow(RangeError);
    expect(() => parseDuration(1.5)).toThrow(RangeError);
    expect(() => parseDuration(Number.NaN)).toThrow(RangeError);
    expect(() => parseDuration('99999999999w')).toThrow(RangeError);
  });
});

describe('parseLeeway', () => {
  it.each([
    ['60', 60],
    [60, 60],
    ['90s', 90],
    ['1m', 60],
    ['0', 0],
    ['1h', 3600],
  ])('%s → %d seconds', (text, seconds) => {
    expect(parseLeeway(text)).toBe(seconds);
  });

  it.each(['1h1s', '2h', 'soon', '-5', '1.5', ''])('refuses %j', (text) => {
    expect(() => parseLeeway(text)).toThrow(/give seconds \(60\) or a duration/);
  });
});

describe('formatDuration', () => {
  it.each([
    [900, '15m'],
    [3600, '1h'],
    [86_400, '1d'],
    [604_800, '1w'],
    [5400, '1h30m'],
    [90, '1m30s'],
    [0, '0s'],
  ])('%d → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
    expect(parseDuration(text)).toBe(seconds);
  });
});
