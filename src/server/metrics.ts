/**
 * Prometheus metrics of the content listener. Each process has its own registry; in cluster
 * mode the primary aggregates the workers' registries (prom-client AggregatorRegistry).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The metric set one process records into. */
export class ServeMetrics {
  readonly registry = new Registry();
  // Requests are counted in plain maps and handed to prom-client when it collects (a scrape):
  // a labelled inc() hashes its labels, which was a measurable share of a cached download.
  readonly #pendingRequests = new Map<string, Map<string, number>>();
  #pendingBytes = 0;
  readonly requests: Counter<'outcome' | 'via'>;
  readonly bytesSent: Counter;
  readonly verifySeconds: Histogram;
  readonly inFlight: Gauge;
  /** Answers 503 STORE_UNAVAILABLE: a route needed the shared store and it was away. */
  readonly storeUnavailable: Counter;

  constructor(sources: {
    tokenCache: () => { hits: number; misses: number };
    fileCache: () => { hits: number; misses: number };
    /** Whether the key source runs on its last keys because its store is away. */
    degraded?: () => boolean;
    /** Access-log lines dropped since start because the log destination fell behind its bound. */
    logDropped?: () => number;
    /** TLS reloads that failed (the previous certificate, client CA and CRLs kept serving). */
    tlsReloadFailures?: () => number;
  }) {
    const registers = [this.registry];
    const pendingRequests = this.#pendingRequests;
    this.requests = new Counter({
      name: 'portcullis_requests_total',
      help: 'Content listener requests by outcome code and route (file, auth, proxy, manifest).',
      labelNames: ['outcome', 'via'],
      registers,
      collect() {
        for (const [via, outcomes] of pendingRequests) {
          for (const [outcome, n] of outcomes) this.inc({ outcome, via }, n);
        }
        pendingRequests.clear();
      },
    });
    const takeBytes = () => {
      const bytes = this.#pendingBytes;
      this.#pendingBytes = 0;
      return bytes;
    };
    this.bytesSent = new Counter({
      name: 'portcullis_bytes_sent_total',
      help: 'Response body bytes handed to clients.',
      registers,
      collect() {
        const bytes = takeBytes();
        if (bytes > 0) this.inc(bytes);
      },
    });
    this.verifySeconds = new Histogram({
      name: 'portcullis_token_verify_seconds',
      help: 'Time to verify a token that was not in the verified-token cache.',
      buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05],
      registers,
    });
    this.inFlight = new Gauge({
      name: 'portcullis_downloads_in_flight',
      help: 'Responses with a body currently being sent.',
      registers,
      aggregator: 'sum',
    });
    this.storeUnavailable = new Counter({
      name: 'portcullis_store_unavailable_total',
      help: 'Content-listener requests answered 503 STORE_UNAVAILABLE because the shared store (database or data directory) could not be reached or did not answer in time (manifest links, manifests, JWKS).',
      registers,
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
    const logDropped = sources.logDropped ?? (() => 0);
    let loggedDropped = 0;
    new Counter({
      name: 'portcullis_access_log_dropped_total',
      help: 'Access-log lines dropped because the log destination (stdout) fell 16 MiB behind; 0 on a healthy disk.',
      registers,
      collect() {
        const now = logDropped();
        this.inc(now - loggedDropped);
        loggedDropped = now;
      },
    });
    const tlsReloadFailures = sources.tlsReloadFailures ?? (() => 0);
    let countedReloadFailures = 0;
    new Counter({
      name: 'portcullis_tls_reload_failures_total',
      help: 'TLS reloads (certificate, key, client CA, CRLs) refused since start; the previous set kept serving, so revocation data may be stale.',
      registers,
      collect() {
        const now = tlsReloadFailures();
        this.inc(now - countedReloadFailures);
        countedReloadFailures = now;
      },
    });
    const degraded = sources.degraded ?? (() => false);
    new Gauge({
      name: 'portcullis_store_degraded',
      help: '1 while the store cannot be reached and this node verifies with its last key ring (fail static).',
      registers,
      aggregator: 'max',
      collect() {
        this.set(degraded() ? 1 : 0);
      },
    });
  }

  /** Counts one finished content request (requests by outcome and route, bytes sent). */
  countRequest(outcome: string, via: string, bytesSent: number): void {
    let outcomes = this.#pendingRequests.get(via);
    if (outcomes === undefined) {
      outcomes = new Map();
      this.#pendingRequests.set(via, outcomes);
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    this.#pendingBytes += bytesSent;
  }
}
