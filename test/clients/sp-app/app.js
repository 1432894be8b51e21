// An SP's program that knows nothing of the gateway's repository: it uses only the installed
// @muwafaqa/sp-sdk package. It listens for the callback, sends a consent request, reads its
// status, then verifies the callback and prints each step as one JSON line.
'use strict';
const http = require('node:http');
const { MuwafaqaClient, verifyCallback, CallbackVerificationError, MuwafaqaError } = require('@muwafaqa/sp-sdk');

const env = process.env;
const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
const client = new MuwafaqaClient({
  baseUrl: env.MUWAFAQA_URL,
  clientId: env.MUWAFAQA_CLIENT_ID,
  clientSecret: env.MUWAFAQA_CLIENT_SECRET,
  signingSecret: env.MUWAFAQA_SIGNING_SECRET,
});

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      const callback = verifyCallback(
        { headers: req.headers, rawBody: Buffer.concat(chunks), path: req.url },
        { signingSecret: env.MUWAFAQA_SIGNING_SECRET, apiKey: env.MUWAFAQA_CALLBACK_API_KEY },
      );
      res.writeHead(200).end();
      say({ callback });
      process.exit(0);
    } catch (err) {
      res.writeHead(err instanceof CallbackVerificationError ? 401 : 500).end();
      say({ rejected: err.reason ?? String(err) });
    }
  });
});

server.listen(Number(env.CALLBACK_PORT), '127.0.0.1', async () => {
  try {
    const spTransactionID = env.SP_TRANSACTION_ID;
    const sent = await client.send({
      identifier: env.MUWAFAQA_IDENTIFIER,
      idDocType: 'EMIRATES_ID',
      spTransactionID,
      requestedById: env.MUWAFAQA_CLIENT_ID,
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
    say({ sent });
    say({ status: await client.status(spTransactionID) });
  } catch (err) {
    say({ error: err instanceof MuwafaqaError ? err.code : String(err) });
    process.exit(1);
  }
});
