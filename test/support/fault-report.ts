import { appendFileSync } from 'node:fs';

/** What one fault test saw: requests sent while the fault lasted and how many were lost. */
export interface FaultReport {
  fault: string;
  sentDuringFault: number;
  sentInTotal: number;
  created: number;
  coded503: number;
  lost: number;
  notes?: string;
}

/**
 * Prints one line per fault and appends it (JSON) to RELIABILITY_REPORT
 * (default /tmp/muwafaqa-reliability.jsonl): the numbers the closing note of a run lists.
 */
export function reportFault(r: FaultReport): void {
  const line = `[reliability] ${r.fault}: ${r.sentDuringFault} sent during the fault (${r.sentInTotal} in all), ${r.created} created, ${r.coded503} coded 503, ${r.lost} lost${r.notes ? `; ${r.notes}` : ''}`;
  process.stdout.write(`${line}\n`);
  try {
    appendFileSync(process.env.RELIABILITY_REPORT ?? '/tmp/muwafaqa-reliability.jsonl', `${JSON.stringify({ ...r, at: new Date().toISOString() })}\n`);
  } catch {
    /* the report file is a convenience */
  }
}
