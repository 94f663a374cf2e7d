/** Types of hostile-serve.mjs (JavaScript so bench/hostile-ingest.mjs can import it too). */
import type { KeyObject } from 'node:crypto';

export declare const CLI: string;
export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}
export declare function runCli(
  args: string[],
  opts?: { input?: string; timeoutMs?: number },
): CliResult;
export declare function runCliAsync(args: string[]): Promise<CliResult>;
export declare function freePort(): Promise<number>;
export interface DataDir {
  dataDir: string;
  contentDir: string;
  pubPem: string;
  privateKey: KeyObject;
}
export declare function prepareDataDir(dir: string): DataDir;
export declare function downloadToken(privateKey: KeyObject): string;
export interface ServeChild {
  url: string;
  adminUrl: string;
  pid: number;
  alive(): boolean;
  stderr(): string;
  stop(): Promise<void>;
}
export declare function startServe(
  d: Pick<DataDir, 'dataDir' | 'contentDir' | 'pubPem'>,
  opts?: { storageArgs?: string[]; env?: Record<string, string> },
): Promise<ServeChild>;
export declare function adminToken(adminUrl: string): Promise<string>;
export declare function upload(
  adminUrl: string,
  token: string,
  path: string,
  bytes: Uint8Array,
): Promise<{ status: number; body: Record<string, unknown> }>;
export declare function listContent(
  adminUrl: string,
  token: string,
): Promise<Record<string, unknown>[]>;
export declare function rssOf(pid: number): number;
export interface ProbeStats {
  downloads: number;
  failures: number;
  maxLatencyMs: number;
  peakRss: number;
}
export declare function probeWhile(url: string, pid: number): { stop(): Promise<ProbeStats> };
