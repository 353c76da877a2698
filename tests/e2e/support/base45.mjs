// RFC 9285 base45, written out here so the test does not lean on kofu's own code.
const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
export function base45Decode(text) {
  const out = [];
  for (let i = 0; i < text.length; i += 3) {
    const [c, d, e] = [...text.slice(i, i + 3)].map((ch) => B45.indexOf(ch));
    const n = c + d * 45 + (e === undefined ? 0 : e * 2025);
    if (e === undefined) out.push(n); else out.push(n >> 8, n & 0xff);
  }
  return Buffer.from(out);
}
export function base45Encode(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 2) {
    const n = i + 1 < bytes.length ? bytes[i] * 256 + bytes[i + 1] : bytes[i];
    const digits = i + 1 < bytes.length ? 3 : 2;
    for (let k = 0, m = n; k < digits; k++, m = Math.floor(m / 45)) out += B45[m % 45];
  }
  return out;
}

/// A printed QR line `KOFU1:<code>:<base45>` → { code, signature, document }.
export function readQrLine(line) {
  const [, code, data] = line.match(/^KOFU1:(\d{6}):(.*)$/s);
  const bytes = base45Decode(data);
  return { code, signature: bytes.subarray(0, 64), document: bytes.subarray(64) };
}
