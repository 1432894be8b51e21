/**
 * The sustained send rate: the highest rate of sends the gateway holds for
 * BENCH_SUSTAINED_SECONDS (default 60) with every push reaching the fake provider, push p99
 * (201 -> provider) <= 1 s, and no queue growth. The 201-only rate says how fast the front door
 * answers; this says how fast the whole pipeline keeps up.
 *
 * Open loop: autocannon sends at a fixed overall rate whatever the answers take. The rate is
 * found by bisection between 0 and the 201-only rate at the same connections, starting at the
 * target (0.8 x the 201-only rate), BENCH_SUSTAINED_STEPS tries (default 4).
 */
import autocannon from 'autocannon';
import type { NotificationProbe } from './notification-probe';

export interface SustainedTrial {
  rate: number;
  achievedRps: number;
  sent: number;
  received: number;
  pushP99?: number;
  /** Largest backlog (outbox rows not relayed + push jobs waiting) seen in the second half of the run. */
  lateBacklog: number;
  non2xx: number;
  held: boolean;
  why?: string;
}

export interface SustainedResult {
  connections: number;
  seconds: number;
  /** The 201-only rate it is compared with. */
  ceilingRps: number;
  /** The highest rate held (0 when none of the tries held). */
  sustainedRps: number;
  ratio: number;
  trials: SustainedTrial[];
}

export interface SustainedOptions {
  url: string;
  path: string;
  connections: number;
  ceilingRps: number;
  /** `count` prepared, signed requests, each its own spTransactionID. */
  pool: (count: number, tag: string) => { headers: Record<string, string>; body: string }[];
  probe: NotificationProbe;
  /** Work waiting in the pipeline right now. */
  backlog: () => Promise<number>;
  log: (msg: string) => void;
  seconds?: number;
  steps?: number;
}

const P99_LIMIT_MS = 1000;

export function sustainedSettings(env: Record<string, string | undefined> = process.env): { seconds: number; steps: number } {
  const seconds = Number(env.BENCH_SUSTAINED_SECONDS ?? 60);
  const steps = Number(env.BENCH_SUSTAINED_STEPS ?? 4);
  if (!(seconds >= 1) || !(steps >= 1)) throw new Error('BENCH_SUSTAINED_SECONDS and BENCH_SUSTAINED_STEPS must be positive');
  return { seconds, steps };
}

export async function measureSustained(o: SustainedOptions): Promise<SustainedResult> {
  const { seconds, steps } = { ...sustainedSettings(), ...(o.seconds ? { seconds: o.seconds } : {}), ...(o.steps ? { steps: o.steps } : {}) };
  const trials: SustainedTrial[] = [];
  let lo = 0;
  let hi = o.ceilingRps;
  let rate = Math.max(1, Math.round(o.ceilingRps * 0.8));
  for (let i = 0; i < steps; i++) {
    const trial = await runTrial(o, rate, seconds, `sustained-c${o.connections}-${i}`);
    trials.push(trial);
    o.log(
      `sustained@${o.connections} try ${i + 1}/${steps}: ${rate} req/s for ${seconds} s -> ${trial.held ? 'held' : `not held (${trial.why})`}` +
        `; ${trial.achievedRps} req/s answered, ${trial.received}/${trial.sent} pushes, push p99 ${trial.pushP99?.toFixed(0) ?? '-'} ms, late backlog ${trial.lateBacklog}`,
    );
    if (trial.held) lo = rate;
    else hi = rate;
    const next = Math.round((lo + hi) / 2);
    if (next === rate || hi - lo <= Math.max(1, o.ceilingRps * 0.02)) break;
    rate = Math.max(1, next);
  }
  const sustainedRps = lo;
  return {
    connections: o.connections,
    seconds,
    ceilingRps: o.ceilingRps,
    sustainedRps,
    ratio: o.ceilingRps ? Math.round((sustainedRps / o.ceilingRps) * 100) / 100 : 0,
    trials,
  };
}

async function runTrial(o: SustainedOptions, rate: number, seconds: number, tag: string): Promise<SustainedTrial> {
  // Drain what an earlier try left, so each try starts from an empty pipeline.
  for (let waited = 0; (await o.backlog()) > 0 && waited < 60_000; waited += 500) await new Promise((r) => setTimeout(r, 500));
  o.probe.reset();
  const pool = o.pool(Math.ceil(rate * seconds * 1.1) + 100, tag);
  let next = 0;
  const sentAt = new Map<string, number>();
  const samples: { at: number; backlog: number }[] = [];
  const started = Date.now();
  const sampler = setInterval(() => {
    void o.backlog().then((backlog) => samples.push({ at: Date.now() - started, backlog }));
  }, 1000);
  let result: autocannon.Result;
  try {
    result = await autocannon({
      url: `${o.url}${o.path}`,
      connections: o.connections,
      duration: seconds,
      overallRate: rate,
      timeout: 10,
      requests: [
        {
          setupRequest: (req) => {
            const p = pool[next++ % pool.length];
            req.method = 'POST';
            req.path = o.path;
            req.headers = p.headers;
            req.body = p.body;
            return req;
          },
          onResponse: (status, body) => {
            if (status === 201) sentAt.set(JSON.parse(body).uaePassTransactionID, performance.now());
          },
        },
      ],
    });
  } finally {
    clearInterval(sampler);
  }
  const late = samples.filter((s) => s.at >= (seconds * 1000) / 2).map((s) => s.backlog);
  const lateBacklog = late.length ? Math.max(...late) : 0;
  const pushes = await o.probe.latencies(sentAt, 30_000);
  const achievedRps = Math.round((result['2xx'] / result.duration) * 10) / 10;
  const trial: SustainedTrial = {
    rate,
    achievedRps,
    sent: pushes.sent,
    received: pushes.received,
    pushP99: pushes.p99,
    lateBacklog,
    non2xx: result.non2xx,
    held: false,
  };
  // Growth: more than a second of sends (or 50 items) still waiting in the run's second half.
  const why = [
    achievedRps < rate * 0.95 ? `answered ${achievedRps} req/s` : '',
    result.non2xx > 0 ? `${result.non2xx} non-2xx` : '',
    pushes.received < pushes.sent ? `${pushes.sent - pushes.received} pushes missing` : '',
    (pushes.p99 ?? Infinity) > P99_LIMIT_MS ? `push p99 ${pushes.p99?.toFixed(0) ?? '-'} ms > ${P99_LIMIT_MS}` : '',
    lateBacklog > Math.max(50, rate) ? `backlog ${lateBacklog} in the second half` : '',
  ].filter(Boolean);
  trial.held = why.length === 0;
  if (!trial.held) trial.why = why.join(', ');
  return trial;
}

/** The line printed next to the 201-only rate. */
export function describeSustained(s: SustainedResult): string {
  return (
    `@${s.connections}: sustained ${s.sustainedRps} req/s for ${s.seconds} s (push p99 <= ${P99_LIMIT_MS} ms, no queue growth) = ` +
    `${s.ratio.toFixed(2)} x the 201-only ${s.ceilingRps} req/s (target >= 0.8)`
  );
}
