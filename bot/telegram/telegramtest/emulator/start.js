'use strict';
// Starts the telegram-test-api Bot API emulator on 127.0.0.1 for the
// bot/telegram smoke test (the npm package ships no start script).
// Usage: node start.js PORT. Prints "READY <url>" once listening; stops on
// SIGTERM or SIGINT.
const mod = require('telegram-test-api');

const TelegramServer = mod.default || mod;

// The emulator POSTs to webhooks from an un-awaited promise: a failed
// delivery would otherwise crash node.
process.on('unhandledRejection', (err) => {
  console.error('unhandled rejection:', err && err.message ? err.message : err);
});

async function main() {
  const port = Number(process.argv[2]);
  if (!Number.isInteger(port) || port <= 0) {
    throw new Error('usage: node start.js PORT');
  }
  const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 60 });
  await server.start();
  console.log(`READY http://127.0.0.1:${port}`);
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
