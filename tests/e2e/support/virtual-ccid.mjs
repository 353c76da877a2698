// Runs the virtual CCID reader (tests/src/bin/virtual-ccid.rs) as a child process and
// wires it to a page's fake navigator.usb.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = process.env.KOFU_VIRTUAL_CCID;
const FIXTURES = process.env.KOFU_FIXTURES;
const PAGE_SCRIPT = readFileSync(fileURLToPath(new URL('./fake-usb-page.js', import.meta.url)), 'utf8');

export class VirtualCcid {
  constructor(profile, card = 1) {
    if (!BIN) throw new Error('KOFU_VIRTUAL_CCID is not set: run with `cargo xtask test`');
    this.child = spawn(BIN, [profile, `${FIXTURES}/card-${card}.key.der`, `${FIXTURES}/card-${card}.cert.der`],
      { stdio: ['pipe', 'pipe', 'inherit'] });
    this.waiting = [];
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
  }

  request(op, arg = '') {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(arg ? `${op} ${arg}\n` : `${op}\n`);
    });
  }

  insertCard() { return this.request('insert'); }
  removeCard() { return this.request('remove'); }
  async pinVerifications() { return Number(await this.request('verifications')); }

  /** Message sizes the reader saw, and how many it refused for exceeding its limit. */
  async traffic() {
    const [longestIn, longestOut, overLimit, commandParts, answerParts] = (await this.request('traffic')).split(' ').map(Number);
    return { longestIn, longestOut, overLimit, commandParts, answerParts };
  }

  /** PIN-pad profile: whether the reader is waiting for keys on its keypad. */
  async padWaiting() { return (await this.request('padwaiting')) === 'yes'; }
  /** PIN-pad profile: the resident types `digits` and OK, presses Cancel, or walks away. */
  padDigits(digits) { return this.request('pad', digits); }
  padCancel() { return this.request('pad', 'cancel'); }
  padTimeout() { return this.request('pad', 'timeout'); }

  /** Installs the fake navigator.usb in `context`'s pages, backed by this reader. */
  async attach(context, options = {}) {
    await context.exposeBinding('__kofuUsb', (_source, op, arg) => this.request(op, arg));
    await context.addInitScript({ content: `window.__kofuFakeUsbOptions = ${JSON.stringify(options)};\n${PAGE_SCRIPT}` });
  }

  close() { this.child.stdin.end(); this.child.kill(); }
}
