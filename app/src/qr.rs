//! The printed certificate's QR code as SVG path data: `qrcodegen` (Nayuki's reference
//! encoder) computes the modules — a third of the `qrcode` crate's size in the bundle.

use qrcodegen::{QrCode, QrCodeEcc, QrSegment};

/// Modules of white border around the code (the QR standard's quiet zone).
const QUIET_ZONE: usize = 4;
const QUIET: i32 = QUIET_ZONE as i32;

/// The dark modules of `text`'s code as path data, and the code's width in modules.
pub fn path(text: &str) -> Option<(String, usize)> {
    // The text is base45, all of it in the QR alphanumeric set: one segment, no mode search.
    if !QrSegment::is_alphanumeric(text) {
        return None;
    }
    let code = QrCode::encode_segments(&[QrSegment::make_alphanumeric(text)], QrCodeEcc::Medium).ok()?;
    let width = code.size();
    let mut d = String::new();
    // One rectangle per run of dark modules in a row: a third of the path of one per module.
    for y in 0..width {
        let mut x = 0;
        while x < width {
            let run = (x..width).take_while(|&i| code.get_module(i, y)).count() as i32;
            if run > 0 {
                d.push_str(&format!("M{} {}h{run}v1h-{run}z", x + QUIET, y + QUIET));
            }
            x += run.max(1);
        }
    }
    let width = width as usize;
    Some((d, width + 2 * QUIET_ZONE))
}

/// Printed size of one module, in tenths of a millimetre: 0.4 mm reads with a phone camera
/// and a 300 dpi scan alike, so a longer document gets a larger code, not finer modules.
/// (Integers: float formatting would add its own code to the bundle.)
const MODULE_TENTHS_MM: usize = 4;

/// `text`'s code as SVG markup at the printed module size. Built from module coordinates
/// only (no document text): cheaper in the bundle than typed SVG views.
pub fn svg(text: &str) -> Option<String> {
    let (d, size) = path(text)?;
    let tenths = size * MODULE_TENTHS_MM;
    let side = format!("{}.{}mm", tenths / 10, tenths % 10);
    Some(format!(
        r##"<svg class="qr" viewBox="0 0 {size} {size}" style="width:{side};height:{side}" shape-rendering="crispEdges" role="img" aria-label="QR"><rect width="{size}" height="{size}" fill="#fff"/><path d="{d}" fill="#000"/></svg>"##
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printed_line_becomes_one_code_with_its_quiet_zone() {
        let line = format!("KOFU1:122319:{}", "0A$%*+-./: Z".repeat(160));
        let (d, size) = path(&line).unwrap();
        // Versions run from 21 to 177 modules in steps of 4, plus the quiet zone both sides.
        let modules = size - 2 * QUIET_ZONE;
        assert!((21..=177).contains(&modules) && (modules - 21).is_multiple_of(4), "{modules}");
        assert!(d.starts_with(&format!("M{QUIET_ZONE} {QUIET_ZONE}h7v1h-7z")), "the top-left finder pattern");
        assert_eq!(path("lower case is not base45"), None);
        let svg = svg(&line).unwrap();
        let side = format!("{}.{}mm", size * 4 / 10, size * 4 % 10);
        assert!(svg.contains(&format!("width:{side};height:{side}")), "0.4 mm modules: {side}");
        assert_eq!(path(&"A".repeat(5000)), None, "over a version 40 code");
    }
}
