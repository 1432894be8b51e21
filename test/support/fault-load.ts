import { HttpResult, sendBody, SpClient, SpCredentials, TestUser } from './clients';

/** One send made during a fault test, and what came back. */
export interface SendOutcome {
  spTransactionID: string;
  /** What the test said was going on when the request left ('before', 'outage', 'after'…). */
  phase: string;
  status: number;
  code?: string;
  uaePassTransactionID?: string;
  /** A catalog error body: a code and non-empty `desc.en` and `desc.ar`. */
  bilingual: boolean;
  /** Transport failure (connection refused/reset): no HTTP answer at all. */
  networkError?: string;
  text: string;
}

function isCatalogBody(res: HttpResult): boolean {
  const b = res.body;
  return typeof b?.code === 'string' && typeof b?.desc?.en === 'string' && b.desc.en.length > 0 && typeof b?.desc?.ar === 'string' && b.desc.ar.length > 0;
}

/** An answer that leaks internals: a stack frame, a driver or runtime message. */
export function leaksInternals(text: string): boolean {
  return /\bat .+\(.+:\d+:\d+\)|node_modules|ECONNREFUSED|QueryFailedError|TypeError|ReferenceError|\bstack\b/i.test(text);
}

export async function sendOnce(client: SpClient, sp: SpCredentials, user: TestUser, phase: string): Promise<SendOutcome> {
  const body = sendBody(sp, user);
  try {
    const res = await client.send(body);
    return {
      spTransactionID: body.spTransactionID,
      phase,
      status: res.status,
      code: res.body?.code,
      uaePassTransactionID: res.status === 201 ? res.body?.uaePassTransactionID : undefined,
      bilingual: isCatalogBody(res),
      text: res.text,
    };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { spTransactionID: body.spTransactionID, phase, status: 0, bilingual: false, networkError: e.cause?.code ?? e.message, text: '' };
  }
}

/**
 * A steady stream of sends (one at a time, every `intervalMs`) until `stop()`: the load a fault
 * test runs its fault under. `phase()` labels each request with what the test is doing.
 */
export class SendStream {
  readonly outcomes: SendOutcome[] = [];
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    private readonly client: SpClient,
    private readonly sp: SpCredentials,
    private readonly user: TestUser,
    private readonly phase: () => string,
    private readonly intervalMs = 100,
  ) {}

  start(): this {
    this.loop = (async () => {
      while (!this.stopped) {
        this.outcomes.push(await sendOnce(this.client, this.sp, this.user, this.phase()));
        await new Promise((r) => setTimeout(r, this.intervalMs));
      }
    })();
    return this;
  }

  async stop(): Promise<SendOutcome[]> {
    this.stopped = true;
    await this.loop;
    return this.outcomes;
  }

  /** Counts per phase: sent, 201, coded 503, anything else. */
  tally(): Record<string, { sent: number; created: number; coded503: number; other: number }> {
    const t: Record<string, { sent: number; created: number; coded503: number; other: number }> = {};
    for (const o of this.outcomes) {
      const row = (t[o.phase] ??= { sent: 0, created: 0, coded503: 0, other: 0 });
      row.sent++;
      if (o.status === 201) row.created++;
      else if (o.status === 503 && o.code === 'REQ_1000006' && o.bilingual) row.coded503++;
      else row.other++;
    }
    return t;
  }
}

/** Polls `probe` until it is truthy or the deadline passes; answers the last value. */
export async function until<T>(probe: () => Promise<T>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined as unknown as T);
    if (v || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
