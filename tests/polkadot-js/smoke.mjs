// polkadot.js smoke test: connect with no custom types, read the metadata, check TFChain's
// pallet names, submit a transfer and wait until it is finalized.
// Usage: node smoke.mjs ws://127.0.0.1:9944
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';

const url = process.argv[2] ?? 'ws://127.0.0.1:9944';
const TIMEOUT_MS = 120_000;

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

setTimeout(() => fail(`timed out after ${TIMEOUT_MS} ms`), TIMEOUT_MS).unref();

const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });

const chain = await api.rpc.system.chain();
const version = api.runtimeVersion;
console.log(`connected to ${chain}, runtime ${version.specName} v${version.specVersion}`);

// TFChain's pallet and call names, as existing clients use them.
for (const [pallet, call] of [
  ['balances', 'transferKeepAlive'],
  ['validatorSet', 'addValidator'],
  ['runtimeUpgrade', 'setCode'],
  ['council', 'propose'],
  ['councilMembership', 'addMember'],
  ['utility', 'batch'],
]) {
  if (typeof api.tx[pallet]?.[call] !== 'function') fail(`missing call ${pallet}.${call}`);
}
if (api.registry.chainDecimals[0] !== 7) fail(`decimals ${api.registry.chainDecimals}`);
if (api.registry.chainTokens[0] !== 'TFT') fail(`token ${api.registry.chainTokens}`);
const validators = await api.query.validatorSet.validators();
if (validators.length < 1) fail('no validators');

const keyring = new Keyring({ type: 'sr25519' });
const alice = keyring.addFromUri('//Alice');
const bob = keyring.addFromUri('//Bob');
const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
const amount = 12_345_678n;

await new Promise((resolve, reject) => {
  api.tx.balances
    .transferKeepAlive(bob.address, amount)
    .signAndSend(alice, ({ status, events, dispatchError }) => {
      if (dispatchError) reject(new Error(`dispatch error: ${dispatchError.toString()}`));
      if (status.isFinalized) {
        const names = events.map(({ event }) => `${event.section}.${event.method}`);
        console.log(`finalized in ${status.asFinalized.toHex()}: ${names.join(', ')}`);
        if (!names.includes('balances.Transfer')) reject(new Error('no balances.Transfer'));
        if (!names.includes('system.ExtrinsicSuccess')) reject(new Error('no ExtrinsicSuccess'));
        resolve();
      }
    })
    .catch(reject);
}).catch((e) => fail(e.message));

const after = (await api.query.system.account(bob.address)).data.free.toBigInt();
if (after - before !== amount) fail(`bob received ${after - before}, expected ${amount}`);

console.log('polkadot.js smoke test passed');
await api.disconnect();
process.exit(0);
