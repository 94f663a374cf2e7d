// --storage parsing: bucket names and prefixes are joined to every key, so hostile ones are refused.
import { describe, expect, it } from 'vitest';
import { describeStorageLocation, parseStorageLocation } from '../../src/storage/location.js';

describe('parseStorageLocation', () => {
  it.each([
    ['s3://fleet-content', { kind: 's3', bucket: 'fleet-content', prefix: '' }],
    ['s3://fleet-content/', { kind: 's3', bucket: 'fleet-content', prefix: '' }],
    ['S3://fleet.content/jamf/apps/', { kind: 's3', bucket: 'fleet.content', prefix: 'jamf/apps' }],
    ['/srv/content', { kind: 'disk', root: '/srv/content' }],
    ['C:\\content', { kind: 'disk', root: 'C:\\content' }],
    ['./content', { kind: 'disk', root: './content' }],
  ])('%s', (text, expected) => {
    expect(parseStorageLocation(text)).toEqual(expected);
  });

  it.each([
    '',
    's3://',
    's3://ab',
    's3://Upper',
    's3://under_score',
    's3://a..b',
    's3://192.168.0.1',
    's3://-leading',
    's3://bucket/../escape',
    's3://bucket/a//b',
    's3://bucket/./a',
    's3://bucket/a\\b',
    's3://bucket/a\u0000b',
    's3://bucket/a?x',
    'gs://bucket',
    'https://bucket.example.com/',
  ])('refuses %j with STORAGE_LOCATION_INVALID', (text) => {
    expect(() => parseStorageLocation(text)).toThrow(
      expect.objectContaining({ code: 'STORAGE_LOCATION_INVALID' }),
    );
  });

  it('describes a location without anything secret', () => {
    expect(describeStorageLocation(parseStorageLocation('s3://b-1/p'))).toBe('s3://b-1/p');
    expect(describeStorageLocation(parseStorageLocation('/srv/x'))).toBe('disk');
  });
});
