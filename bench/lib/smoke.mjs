// The functional smoke test every client passes before any number is taken:
// set/get/miss/getMulti with a missing key/delete, 100 B and 10 KB, with the
// stored bytes read back over the harness's own raw connection.

import { describeValue, makeValue } from './data.mjs';
import { LARGE, SMALL } from './workloads.mjs';

const isMiss = (v) => v === null || v === undefined;
const errMsg = (e) => (e instanceof Error ? e.message : String(e));

/** @returns {Promise<{ok: boolean, problems: string[]}>} */
export async function smokeTest(c, raw, prefix) {
  const problems = [];
  const v1 = makeValue('smoke', 1, SMALL);
  const v2 = makeValue('smoke', 2, LARGE);
  const k1 = `${prefix}:smoke:1`,
    k2 = `${prefix}:smoke:2`,
    kMissing = `${prefix}:smoke:missing`;
  const eq = (got, want) =>
    typeof got === 'string'
      ? got === want
      : got instanceof Uint8Array
        ? Buffer.from(want, 'latin1').equals(got)
        : false;
  const step = async (name, fn) => {
    try {
      await fn();
    } catch (e) {
      problems.push(`${name}: ${errMsg(e)}`);
    }
  };
  await step('set', async () => {
    const r1 = await c.set(k1, v1, 0);
    const r2 = await c.set(k2, v2, 0);
    if (r1 === false || r2 === false) problems.push('set resolved false');
  });
  await step('raw readback', async () => {
    const got = await raw.getMany([k1, k2]);
    if (!got.get(k1)?.data.equals(Buffer.from(v1)))
      problems.push(`server holds ${describeValue(got.get(k1)?.data)} for ${k1}`);
    if (!got.get(k2)?.data.equals(Buffer.from(v2))) problems.push(`server holds wrong 10KB value for ${k2}`);
  });
  await step('get', async () => {
    const g1 = await c.get(k1);
    if (!eq(g1, v1)) problems.push(`get ${k1} -> ${describeValue(g1)}`);
    const g2 = await c.get(k2);
    if (!eq(g2, v2)) problems.push(`get ${k2} (10KB) -> ${describeValue(g2)}`);
  });
  await step('get miss', async () => {
    const m = await c.get(kMissing);
    if (!isMiss(m)) problems.push(`get(missing) -> ${describeValue(m)}, expected null/undefined`);
  });
  await step('getMulti', async () => {
    const r = await c.getMulti([k1, kMissing, k2]);
    const get = r instanceof Map ? (k) => r.get(k) : (k) => r?.[k];
    if (!eq(get(k1), v1) || !eq(get(k2), v2)) problems.push(`getMulti -> ${describeValue(r)}`);
    if (!isMiss(get(kMissing))) problems.push(`getMulti(missing key) -> ${describeValue(get(kMissing))}`);
  });
  await step('delete', async () => {
    await c.delete(k1);
    const g = await c.get(k1);
    if (!isMiss(g)) problems.push(`get after delete -> ${describeValue(g)}`);
    const onServer = await raw.getMany([k1]);
    if (onServer.size) problems.push('key still on server after delete');
  });
  return { ok: problems.length === 0, problems };
}
