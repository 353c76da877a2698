// The center's ops API, signed as docs/PROTOCOL.md says (an independent implementation of
// the ops signature, with node's crypto and the TEST-ONLY dev ops key).
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const EDGE = process.env.KOFU_EDGE_URL;
const FIXTURES = process.env.KOFU_FIXTURES;

/// `label ‖ 0x00 ‖ (u32-big-endian length ‖ part)*`
function signedMessage(label, parts) {
  const chunks = [Buffer.from(label), Buffer.from([0])];
  for (const part of parts) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(part.length);
    chunks.push(length, part);
  }
  return Buffer.concat(chunks);
}

let lastTime = 0;

export async function opsCall(method, path, body = '') {
  // Each signed request is single-use; a fresh millisecond keeps two identical calls apart.
  const time = Math.max(Date.now(), lastTime + 1);
  lastTime = time;
  const timeBytes = Buffer.alloc(8);
  timeBytes.writeBigUInt64BE(BigInt(time));
  const message = signedMessage('kofu/v1/ops-request',
    [Buffer.from(method), Buffer.from(path), timeBytes, Buffer.from(body)]);
  const key = createPrivateKey({ key: readFileSync(`${FIXTURES}/ops-dev.key.der`), format: 'der', type: 'pkcs8' });
  const signature = sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  const response = await fetch(`${EDGE}${path}`, {
    method,
    headers: {
      'x-kofu-ops-key': 'ops-dev', 'x-kofu-ops-time': String(time), 'x-kofu-ops-signature': signature,
      'content-type': 'application/json',
    },
    body: method === 'GET' ? undefined : body,
  });
  return { status: response.status, body: await response.text() };
}
