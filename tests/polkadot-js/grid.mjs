// polkadot.js, with no custom types, does a farmer's first steps on the grid registry by
// TFChain's names: accept terms and conditions, create a twin, create a farm with a public IP;
// then reads them back through TFChain's storage names.
// Usage: node grid.mjs ws://127.0.0.1:9944
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';

const url = process.argv[2] ?? 'ws://127.0.0.1:9944';
const TIMEOUT_MS = 180_000;

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

setTimeout(() => fail(`timed out after ${TIMEOUT_MS} ms`), TIMEOUT_MS).unref();

const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
const keyring = new Keyring({ type: 'sr25519' });
const dave = keyring.addFromUri('//Dave');

// Signs and sends `tx` as `signer`, resolves with the event names once it is finalized.
function send(tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        const detail = dispatchError.isModule
          ? (({ section, name }) => `${section}.${name}`)(api.registry.findMetaError(dispatchError.asModule))
          : dispatchError.toString();
        reject(new Error(`dispatch error: ${detail}`));
      }
      if (status.isFinalized) resolve(events.map(({ event }) => `${event.section}.${event.method}`));
    }).catch(reject);
  });
}

for (const call of ['userAcceptTc', 'createTwin', 'createFarm', 'addFarmIp', 'createNode', 'updateNode',
  'reportUptimeV2', 'changePowerTarget', 'changePowerState', 'addNodePublicConfig', 'bondTwinAccount']) {
  if (typeof api.tx.tfgridModule?.[call] !== 'function') fail(`missing call tfgridModule.${call}`);
}

try {
  let names = await send(api.tx.tfgridModule.userAcceptTc('https://library.threefold.me/tc', 'tc_hash_1'), dave);
  console.log(`userAcceptTc: ${names.join(', ')}`);
  names = await send(api.tx.tfgridModule.createTwin(null, null), dave);
  console.log(`createTwin: ${names.join(', ')}`);
  if (!names.includes('tfgridModule.TwinStored')) fail('no tfgridModule.TwinStored');
  names = await send(
    api.tx.tfgridModule.createFarm('js_farm', [{ ip: '185.206.122.40/24', gw: '185.206.122.1' }]),
    dave,
  );
  console.log(`createFarm: ${names.join(', ')}`);
  if (!names.includes('tfgridModule.FarmStored')) fail('no tfgridModule.FarmStored');
} catch (e) {
  fail(e.message);
}

const twinId = (await api.query.tfgridModule.twinIdByAccountID(dave.address)).unwrap().toNumber();
const twin = (await api.query.tfgridModule.twins(twinId)).unwrap();
if (twin.accountId.toString() !== dave.address) fail(`twin ${twinId} account ${twin.accountId}`);
const farmId = (await api.query.tfgridModule.farmIdByName('js_farm')).toNumber();
const farm = (await api.query.tfgridModule.farms(farmId)).unwrap();
if (farm.twinId.toNumber() !== twinId) fail(`farm twin ${farm.twinId}, expected ${twinId}`);
if (farm.publicIps.length !== 1 || farm.publicIps[0].ip.toUtf8() !== '185.206.122.40/24') {
  fail(`farm public IPs ${farm.publicIps.toString()}`);
}
const tc = (await api.query.tfgridModule.usersTermsAndConditions(dave.address)).unwrap();
if (tc.length !== 1) fail(`terms and conditions ${tc.toString()}`);
console.log(`twin ${twinId}, farm ${farmId} (${farm.name.toUtf8()})`);

console.log('polkadot.js grid steps passed');
await api.disconnect();
process.exit(0);
