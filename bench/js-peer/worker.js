// The JS peer: the same checks the kofu worker makes per issue request, written the way a
// plain JS worker would, with WebCrypto. POST / with
// {iterations, kiosk_key, envelope, anchor, now_ms} (bytes as unpadded base64url).
const subtle = crypto.subtle;
const utf8 = new TextEncoder();
const text = new TextDecoder();

function b64url(s) {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// docs/PROTOCOL.md: label ‖ 0x00 ‖ (u32be length ‖ part)*.
function signed(label, ...parts) {
  const l = utf8.encode(label);
  const size = l.length + 1 + parts.reduce((n, p) => n + 4 + p.length, 0);
  const out = new Uint8Array(size);
  out.set(l, 0);
  let at = l.length + 1;
  for (const p of parts) {
    new DataView(out.buffer).setUint32(at, p.length);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

// Minimal DER walking: tag, length, and where the value starts and ends.
function tlv(der, at) {
  const tag = der[at];
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3) throw new Error('DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | der[start + i];
    start += n;
  }
  const end = start + len;
  if (end > der.length) throw new Error('DER overrun');
  return { tag, start, end, whole: der.subarray(at, end) };
}

function children(der, outer) {
  const out = [];
  for (let at = outer.start; at < outer.end; ) {
    const c = tlv(der, at);
    out.push(c);
    at = c.end;
  }
  return out;
}

function time(der, t) {
  const s = text.decode(der.subarray(t.start, t.end));
  const full = t.tag === 0x17 ? (Number(s.slice(0, 2)) >= 50 ? '19' : '20') + s : s;
  return Date.UTC(+full.slice(0, 4), +full.slice(4, 6) - 1, +full.slice(6, 8), +full.slice(8, 10),
    +full.slice(10, 12), +full.slice(12, 14));
}

function parseCert(der) {
  const cert = tlv(der, 0);
  const [tbs, alg, sig] = children(der, cert);
  const fields = children(der, tbs);
  const base = fields[0].tag === 0xa0 ? 1 : 0;
  const issuer = fields[base + 2];
  const validity = children(der, fields[base + 3]);
  const subject = fields[base + 4];
  const spki = fields[base + 5];
  const algOid = der.subarray(children(der, alg)[0].start, children(der, alg)[0].end);
  return {
    tbs: tbs.whole, issuer: issuer.whole, subject: subject.whole, spki: spki.whole,
    notBefore: time(der, validity[0]), notAfter: time(der, validity[1]),
    sha256WithRsa: algOid.length === 9 && algOid[8] === 0x0b,
    signature: der.subarray(sig.start + 1, sig.end),
  };
}

const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
const ECDSA_IMPORT = { name: 'ECDSA', namedCurve: 'P-256' };
const ECDSA = { name: 'ECDSA', hash: 'SHA-256' };
const keys = new Map(); // per isolate, as the kofu worker caches anchors and kiosk keys

async function cached(id, make) {
  let key = keys.get(id);
  if (!key) { key = await make(); keys.set(id, key); }
  return key;
}

async function verifyRequest(input) {
  const envelope = JSON.parse(text.decode(input.envelope));
  const requestBytes = b64url(envelope.request);
  const cardSignature = b64url(envelope.card_signature);
  const kioskSignature = b64url(envelope.kiosk_signature);
  if (cardSignature.length !== 256 || kioskSignature.length !== 64) return false;
  const request = JSON.parse(text.decode(requestBytes));
  const kioskKey = await cached('kiosk:' + input.kioskKeyText, () =>
    subtle.importKey('spki', input.kioskKey, ECDSA_IMPORT, false, ['verify']));
  if (!await subtle.verify(ECDSA, kioskKey, kioskSignature,
    signed('kofu/v1/kiosk-envelope', requestBytes, cardSignature))) return false;
  const card = parseCert(b64url(request.card_certificate));
  if (!equal(card.issuer, input.anchor.subject) || !card.sha256WithRsa) return false;
  const anchorKey = await cached('anchor', () => subtle.importKey('spki', input.anchor.spki, RSA, false, ['verify']));
  if (!await subtle.verify(RSA, anchorKey, card.signature, card.tbs)) return false;
  if (input.now < card.notBefore || input.now > card.notAfter) return false;
  if (input.now < input.anchor.notBefore || input.now > input.anchor.notAfter) return false;
  const cardKey = await subtle.importKey('spki', card.spki, RSA, false, ['verify']);
  return subtle.verify(RSA, cardKey, cardSignature, signed('kofu/v1/issue-request', requestBytes));
}

export default {
  async fetch(req) {
    if (req.method !== 'POST') return new Response('kofu JS peer');
    const body = await req.json();
    const input = {
      envelope: b64url(body.envelope), kioskKey: b64url(body.kiosk_key), kioskKeyText: body.kiosk_key,
      anchor: parseCert(b64url(body.anchor)), now: body.now_ms,
    };
    let verified = 0;
    for (let i = 0; i < body.iterations; i++) if (await verifyRequest(input)) verified++;
    return Response.json({ verified });
  },
};
