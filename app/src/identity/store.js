// The kiosk's key in WebCrypto and IndexedDB. Hand-written: promise plumbing over two
// browser APIs that takes a few lines here and much more through web-sys. Holds nothing
// personal: the kiosk's id, center URL and key, and the operator-PIN lockout.
const DB = 'kofu-kiosk';
const STORE = 'kiosk';

// `create` false: a kiosk that was never enrolled gets no database (the erasure test
// checks that a resident's visit leaves no storage at all).
function open(create) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => {
      if (create) request.result.createObjectStore(STORE);
      else request.transaction.abort();
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = (event) => {
      event.preventDefault();
      if (create) reject(request.error); else resolve(null);
    };
  });
}

async function get(key) {
  const db = await open(false);
  if (!db) return null;
  try {
    return await new Promise((resolve, reject) => {
      const request = db.transaction(STORE).objectStore(STORE).get(key);
      request.onsuccess = () => resolve(request.result ?? null);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

async function put(key, value) {
  const db = await open(true);
  try {
    await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, 'readwrite');
      transaction.objectStore(STORE).put(value, key);
      transaction.oncomplete = () => resolve();
      transaction.onerror = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

// { kioskId, edgeUrl, privateKey (CryptoKey, non-extractable), publicKey (SPKI DER), createdAt } or null.
export function loadIdentity() {
  return get('identity');
}

export async function createIdentity(kioskId, edgeUrl) {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  const identity = { kioskId, edgeUrl, privateKey: pair.privateKey, publicKey, createdAt: Date.now() };
  await put('identity', identity);
  return identity;
}

export async function signWith(privateKey, message) {
  return new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, message));
}

// { failures, lockedUntil } or null.
export function loadGate() {
  return get('operator-gate');
}

export function saveGate(failures, lockedUntil) {
  return put('operator-gate', { failures, lockedUntil });
}
