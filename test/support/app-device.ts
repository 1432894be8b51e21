import { Gateway } from './gateway';
import { http } from './clients';

/** A user's 'sse' device with its live stream open, as the reference app keeps it. */
export interface AppDevice {
  deviceId: string;
  /** `consent-request` events received so far (their data). */
  events: { uaePassTransactionID: string; title: string; body: string; lang: string }[];
  close(): void;
}

/**
 * Registers an 'sse' device for the user and opens GET /app/v1/events, resolving once the
 * gateway says `ready`. Keeps the user reachable, so pushes succeed and requests stay TRIGGERED.
 */
export async function connectAppDevice(gw: Gateway, token: string, locale: 'en' | 'ar' = 'en'): Promise<AppDevice> {
  const reg = await http(`${gw.url}/app/v1/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ platform: 'sse', pushToken: `test-${Math.random().toString(36).slice(2)}`, locale }),
  });
  if (reg.status !== 201) throw new Error(`register device: ${reg.status} ${reg.text}`);
  const deviceId: string = reg.body.id;
  const abort = new AbortController();
  const res = await fetch(`${gw.url}/app/v1/events?access_token=${encodeURIComponent(token)}&deviceId=${deviceId}`, { signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`events stream: ${res.status}`);
  const device: AppDevice = { deviceId, events: [], close: () => abort.abort() };
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((ok) => (onReady = ok));
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event === 'ready') onReady();
          if (event === 'consent-request' && data) device.events.push(JSON.parse(data));
        }
      }
    } catch {
      /* aborted by close() */
    }
  })();
  await ready;
  return device;
}
