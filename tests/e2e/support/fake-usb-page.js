// Injected before the kiosk app loads: replaces navigator.usb with one permitted reader
// whose transfers go to a virtual CCID reader (Rust, tests/src/bin/virtual-ccid.rs)
// through the binding `__kofuUsb` the test exposes. The app's real WebUSB code runs
// unchanged on top. Options come in `__kofuFakeUsbOptions`.
(() => {
  const options = window.__kofuFakeUsbOptions || {};
  const call = (op, arg = '') => window.__kofuUsb(op, String(arg));
  const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const fromHex = (hex) => new Uint8Array((hex.match(/../g) || []).map((h) => parseInt(h, 16)));
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const fail = (name) => { throw new DOMException(`fake USB: ${name}`, name); };
  const INTERRUPT_ENDPOINT = 3;
  const counts = { out: 0, in: 0 };

  const device = {
    vendorId: options.vendorId ?? 0x04e6,
    productId: options.productId ?? 0x511a,
    productName: 'kofu virtual CCID reader (TEST ONLY)',
    opened: false,
    configuration: null,
    gone: false,
    async open() { if (this.gone) fail('NotFoundError'); this.opened = true; },
    async close() { this.opened = false; },
    async selectConfiguration(value) {
      if (!this.opened) fail('InvalidStateError');
      this.configuration = { configurationValue: value, interfaces: [] };
    },
    async controlTransferIn(setup, length) {
      if (!this.opened) fail('InvalidStateError');
      if (setup.requestType !== 'standard' || setup.request !== 6 || setup.value !== 0x0200) fail('NetworkError');
      const bytes = fromHex(await call('config')).slice(0, length);
      return { status: 'ok', data: new DataView(bytes.buffer) };
    },
    async claimInterface() {
      if (!this.opened) fail('InvalidStateError');
      // Chrome outside an Isolated Web App: smart-card class 0x0B is protected.
      if (options.protectedClass) fail('SecurityError');
    },
    async selectAlternateInterface() {},
    async transferOut(endpoint, data) {
      if (this.gone || !this.opened) fail('NetworkError');
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      counts.out += 1;
      const answer = await call('out', toHex(bytes));
      if (answer !== 'ok') fail('NetworkError');
      return { status: 'ok', bytesWritten: bytes.length };
    },
    async transferIn(endpoint, length) {
      if (endpoint === INTERRUPT_ENDPOINT) {
        // An interrupt transfer completes only when the reader has something to say.
        for (;;) {
          if (this.gone || !this.opened) fail('NetworkError');
          const answer = await call('int');
          if (answer !== 'none') return { status: 'ok', data: new DataView(fromHex(answer).buffer) };
          await sleep(50);
        }
      }
      if (this.gone || !this.opened) fail('NetworkError');
      counts.in += 1;
      for (;;) {
        const answer = await call('in', length);
        if (answer === 'none') return { status: 'stall' };
        // A PIN-pad reader waiting for the keypad: the transfer stays pending, as on USB.
        if (answer !== 'wait') return { status: 'ok', data: new DataView(fromHex(answer).buffer) };
        await sleep(50);
        if (this.gone || !this.opened) fail('NetworkError');
      }
    },
  };

  const usb = {
    onconnect: null,
    ondisconnect: null,
    async getDevices() { return options.permitted === false || device.gone ? [] : [device]; },
    async requestDevice() { if (device.gone) fail('NotFoundError'); return device; },
  };
  Object.defineProperty(Navigator.prototype, 'usb', { get: () => usb, configurable: true });

  window.__fakeUsb = {
    counts,
    resetCounts() { counts.out = 0; counts.in = 0; },
    unplug() {
      device.gone = true;
      device.opened = false;
      usb.ondisconnect?.({ device });
    },
  };
})();
