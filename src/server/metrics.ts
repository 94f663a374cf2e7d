/**
 * Prometheus metrics of the content listener. Each process has its own registry; in cluster
 * mode the primary aggregates the workers' registries (prom-client AggregatorRegistry).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The metric set one process records into. */
export class ServeMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'outcome' | 'via'>;
  readonly bytesSent: Counter;
  readonly verifySeconds: Histogram;
  readonly inFlight: Gauge;

  constructor(sources: {
    tokenCache: () => { hits: number; misses: number };
    fileCache: () => { hits: number; misses: number };
  }) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'portcullis_requests_total',
      help: 'Content listener requests by outcome code and route (file, auth, proxy).',
      labelNames: ['outcome', 'via'],
      registers,
    });
    this.bytesSent = new Counter({
      name: 'portcullis_bytes_sent_total',
      help: 'Response body bytes handed to clients.',
      registers,
    });
    this.verifySeconds = new Histogram({
      name: 'portcullis_token_verify_seconds',
      help: 'Time to verify a token (cache hits included).',
      buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05],
      registers,
    });
    this.inFlight = new Gauge({
      name: 'portcullis_downloads_in_flight',
      help: 'Responses with a body currently being sent.',
      registers,
      aggregator: 'sum',
    });
    const cacheGauge = (name: string, help: string, read: () => { hits: number; misses: number }) =>
      new Gauge({
        name,
        help,
        labelNames: ['result'],
        registers,
        aggregator: 'sum',
        collect() {
          const s = read();
          this.set({ result: 'hit' }, s.hits);
          this.set({ result: 'miss' }, s.misses);
        },
      });
    cacheGauge(
      'portcullis_token_cache_lookups',
      'Verified-token cache lookups since start (hit ratio = hit / (hit + miss)).',
      sources.tokenCache,
    );
    cacheGauge(
      'portcullis_file_cache_lookups',
      'Small-file memory cache lookups since start.',
      sources.fileCache,
    );
  }
}
