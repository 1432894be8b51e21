/**
 * Send a consent request and poll until the user decides, with the Muwafaqa SDK.
 *
 *   MUWAFAQA_URL=http://localhost:3000 MUWAFAQA_CLIENT_ID=... MUWAFAQA_CLIENT_SECRET=... \
 *   MUWAFAQA_SIGNING_SECRET=... MUWAFAQA_IDENTIFIER=784-1990-1234567-6 \
 *   npx ts-node sdk/examples/send-and-poll.ts
 *
 * (`npm run demo` onboards an SP and a user and prints values you can use here.)
 */
import { randomUUID } from 'node:crypto';
import { MuwafaqaClient, MuwafaqaError } from '../src';

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`set ${name} (see the comment at the top of this file)\n`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const client = new MuwafaqaClient({
    baseUrl: process.env.MUWAFAQA_URL ?? 'http://localhost:3000',
    clientId: env('MUWAFAQA_CLIENT_ID'),
    clientSecret: env('MUWAFAQA_CLIENT_SECRET'),
    signingSecret: env('MUWAFAQA_SIGNING_SECRET'),
  });
  const spTransactionID = `example-${randomUUID()}`;
  const sent = await client.send({
    identifier: env('MUWAFAQA_IDENTIFIER'),
    idDocType: 'EMIRATES_ID',
    spTransactionID,
    requestedById: env('MUWAFAQA_CLIENT_ID'),
    purpose: 'Opening a bank account',
    purposeAr: 'فتح حساب مصرفي',
    requestType: 'spToSp',
    content: {
      documents: [
        {
          name: 'Emirates ID',
          nameAr: 'الهوية الإماراتية',
          type: 'EMIRATES_ID',
          typeAr: 'الهوية',
          metadata: [{ displayName: 'Full name', displayNameAr: 'الاسم الكامل' }],
        },
      ],
    },
  });
  console.log('sent:', sent);
  const final = await client.waitForDecision(spTransactionID, { timeoutMs: Number(process.env.MUWAFAQA_WAIT_MS ?? 120_000) });
  console.log('status:', final);
}

main().catch((err: unknown) => {
  if (err instanceof MuwafaqaError) console.error(`gateway said ${err.status} ${err.code}: ${err.desc.en} / ${err.desc.ar} (request ${err.requestId})`);
  else console.error(err);
  process.exit(1);
});
