import { AppDevice, connectAppDevice } from './app-device';
import { createUser, decide, eventually, newEmiratesId, onboardSp, sendBody, SpClient, SpCredentials, userToken } from './clients';
import { CallbackReceiver } from './fakes/callback-receiver';
import type { Gateway } from './gateway';

/** What the short operations flow left behind: one SP's traffic with every outcome, and what to stop. */
export interface OpsFlow {
  sp: SpCredentials;
  receiver: CallbackReceiver;
  /** uaePassTransactionIDs by the outcome they reached. */
  outcomes: { accepted: string; rejected: string; cancelled: string; initFailed: string };
  stop(): Promise<void>;
}

/**
 * A short, real flow through one gateway, for the charts, dashboards and alert rules to have data:
 * an SP whose callback receiver fails once then answers 200; a user with the reference app open
 * (SSE pushes); sends that end ACCEPTED, REJECTED, CANCELLED, and one INIT_FAILED (a user with no
 * device); and two identifier probes (an unknown identifier on send, an unverified user on validate).
 * Returns once every callback played out.
 */
export async function runOpsFlow(gw: Gateway): Promise<OpsFlow> {
  const receiver = await new CallbackReceiver().start();
  receiver.respondWith = [500];
  const sp = await onboardSp(gw, { callbackUrl: receiver.url });
  const client = new SpClient(gw, sp);
  const user = await createUser(gw);
  const token = await userToken(gw, user.id);
  const devices: AppDevice[] = [await connectAppDevice(gw, token)];

  const sendFor = async (who = user) => {
    const res = await client.send(sendBody(sp, who));
    if (res.status !== 201) throw new Error(`send: ${res.status} ${res.text}`);
    return { id: res.body.uaePassTransactionID as string, spTransactionID: res.body.spTransactionID as string };
  };
  const pushed = (id: string) =>
    eventually(
      async () => (await gw.db.query(`SELECT 1 FROM notification_attempts WHERE transaction_id = $1 AND outcome = 'delivered'`, [id])).rowCount,
      10_000,
      `push of ${id}`,
    );

  const accepted = await sendFor();
  await pushed(accepted.id);
  if ((await decide(gw, token, accepted.id, { accept: true })).status !== 200) throw new Error('accept refused');
  const rejected = await sendFor();
  await pushed(rejected.id);
  if ((await decide(gw, token, rejected.id, { accept: false })).status !== 200) throw new Error('reject refused');
  const cancelled = await sendFor();
  await pushed(cancelled.id);
  if ((await client.cancel(cancelled.spTransactionID)).status !== 200) throw new Error('cancel refused');
  const lonely = await createUser(gw);
  const initFailed = await sendFor(lonely);

  // Identifier probes: nobody holds this identifier (0001); this user is not verified (CONS_1000003).
  await client.send(sendBody(sp, { ...user, emiratesId: newEmiratesId() }));
  const unverified = await createUser(gw, { verified: false });
  await client.validate(sendBody(sp, unverified));

  await eventually(
    async () => {
      const { rows } = await gw.db.query(`SELECT status FROM consent_transactions WHERE id = $1`, [initFailed.id]);
      return rows[0]?.status === 'INIT_FAILED';
    },
    15_000,
    'the device-less send to end INIT_FAILED',
  );
  // Accepted (500, then 200), rejected and init-failed callbacks, all delivered in the end (the SP's own cancel has none).
  await eventually(
    async () => {
      const { rows } = await gw.db.query(
        `SELECT count(*) FILTER (WHERE delivered)::int AS ok, count(*) FILTER (WHERE NOT delivered)::int AS failed FROM callback_attempts`,
      );
      return rows[0].ok >= 3 && rows[0].failed >= 1;
    },
    15_000,
    'three delivered callbacks and one failed attempt',
  );
  return {
    sp,
    receiver,
    outcomes: { accepted: accepted.id, rejected: rejected.id, cancelled: cancelled.id, initFailed: initFailed.id },
    async stop() {
      devices.forEach((d) => d.close());
      await receiver.stop();
    },
  };
}
