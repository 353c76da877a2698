// What a page prints, read back by tools that are not ours: Chromium prints to PDF (print
// media, backgrounds on, the page's own @page size), poppler gives its text and a 300 dpi
// image, and zbar reads the QR codes off that image.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/// `{ pages, text, qr }`: the PDF's page count, its text, and the QR codes' text as a scanner reads them.
export async function printed(page) {
  await page.emulateMedia({ media: 'print' });
  const pdf = await page.pdf({ printBackground: true, preferCSSPageSize: true });
  await page.emulateMedia({ media: 'screen' });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  const dir = mkdtempSync(join(tmpdir(), 'kofu-print-'));
  try {
    writeFileSync(join(dir, 'printed.pdf'), pdf);
    const text = execFileSync('pdftotext', ['-layout', 'printed.pdf', '-'], { cwd: dir }).toString();
    execFileSync('pdftoppm', ['-r', '300', '-png', '-singlefile', 'printed.pdf', 'page'], { cwd: dir });
    const qr = execFileSync('zbarimg', ['--raw', '-q', '-Sdisable', '-Sqrcode.enable', 'page.png'], { cwd: dir });
    return { pages, text, qr: qr.toString('latin1').trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
