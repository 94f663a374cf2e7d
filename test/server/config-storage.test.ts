// The object-storage settings come from flags, PORTCULLIS_* and the config file like every other
// setting, are validated together at start, and never include a credential.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketLocationOf, loadServeConfig } from '../../src/server/config.js';
import { removeDir, tempDir } from './serve-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(() => removeDir(dir));

describe('storage settings', () => {
  it('default to local disk and stream delivery', () => {
    const c = loadServeConfig({});
    expect(c).toMatchObject({
      storage: null,
      s3Endpoint: null,
      s3Region: null,
      s3PathStyle: false,
      delivery: 'stream',
      deliveryMinRate: 1024 * 1024,
    });
    expect(bucketLocationOf(c)).toBeNull();
  });

  it('come from the config file (kebab-case), PORTCULLIS_* and flags, in that order of strength', async () => {
    const file = join(dir, 'bucket.yaml');
    await writeFile(
      file,
      'storage: s3://from-file/jamf\ns3-endpoint: https://minio.example.com:9000\ns3-path-style: true\ndelivery: redirect\ndelivery-min-rate: 512KiB\n',
    );
    const fromFile = loadServeConfig({ file });
    expect(fromFile).toMatchObject({
      storage: 's3://from-file/jamf',
      s3Endpoint: 'https://minio.example.com:9000',
      s3PathStyle: true,
      delivery: 'redirect',
      deliveryMinRate: 512 * 1024,
    });
    expect(bucketLocationOf(fromFile)).toEqual({ kind: 's3', bucket: 'from-file', prefix: 'jamf' });
    const fromEnv = loadServeConfig({
      file,
      env: {
        PORTCULLIS_STORAGE: 's3://from-env',
        PORTCULLIS_S3_REGION: 'auto',
        PORTCULLIS_DELIVERY_MIN_RATE: '10MB',
      },
    });
    expect(fromEnv).toMatchObject({
      storage: 's3://from-env',
      s3Region: 'auto',
      deliveryMinRate: 10_000_000,
    });
    const fromFlags = loadServeConfig({
      file,
      env: { PORTCULLIS_STORAGE: 's3://from-env' },
      flags: { storage: 's3://from-flag', delivery: 'stream' },
    });
    expect(fromFlags).toMatchObject({ storage: 's3://from-flag', delivery: 'stream' });
  });

  it('a directory in storage is the content root', () => {
    const c = loadServeConfig({ flags: { storage: dir } });
    expect(c.root).toBe(dir);
    expect(c.storage).toBeNull();
  });

  it.each([
    [{ storage: 's3://UPPER' }, 'storage'],
    [{ storage: 's3://ok-bucket', root: '/srv' }, 'storage'],
    [{ storage: 's3://ok-bucket', upstream: 'https://origin.example' }, 'storage'],
    [{ s3Endpoint: 'https://minio.example' }, 's3Endpoint'],
    [{ s3Endpoint: 'ftp://x', storage: 's3://ok-bucket' }, 's3Endpoint'],
    [{ delivery: 'redirect', root: '/srv' }, 'delivery'],
    [{ delivery: 'cloudfront', storage: 's3://ok-bucket' }, 'delivery'],
    [{ storage: 's3://ok-bucket', cloudfrontDomain: 'd1.cloudfront.net' }, 'cloudfrontDomain'],
    [{ storage: 's3://ok-bucket', deliveryMinRate: '100' }, 'deliveryMinRate'],
    [{ storage: 's3://ok-bucket', cloudfrontKeyPairId: 'lower-case' }, 'cloudfrontKeyPairId'],
  ])('refuses %j naming %s (CONFIG_INVALID)', (flags, setting) => {
    expect(() => loadServeConfig({ flags })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining(`"${setting}"`),
      }),
    );
  });

  it('has no setting that could carry a credential, and refuses one in the config file', async () => {
    const file = join(dir, 'creds.yaml');
    await writeFile(file, 'storage: s3://ok-bucket\naws-secret-access-key: hunter2\n');
    expect(() => loadServeConfig({ file })).toThrow(/unknown setting "awsSecretAccessKey"/);
    const c = loadServeConfig({
      env: { AWS_SECRET_ACCESS_KEY: 'hunter2', PORTCULLIS_STORAGE: 's3://ok-bucket' },
    });
    expect(JSON.stringify(c)).not.toContain('hunter2');
  });
});
