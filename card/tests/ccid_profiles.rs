//! Every virtual reader profile — each shaped like a family of real readers — runs the
//! whole issuance, and no message either way is ever longer than the reader's
//! dwMaxCCIDMessageLength: the virtual reader refuses such messages, so a driver that
//! overreaches fails here.

mod common;

use common::{CERT, Run, card, card_with_certificate, issuance, issuance_reading, real_sized_certificate};
use futures_executor::block_on;
use kofu_card::ccid::descriptor::CCID_DESCRIPTOR_TYPE_VENDOR;
use kofu_card::ccid::usb_config::CLASS_VENDOR;
use kofu_card::ccid::virtual_reader::{ReaderProfile, VirtualCcidReader};
use kofu_card::ccid::{CcidDescriptor, CcidError, CcidReader, ExchangeLevel, find_ccid_interface};
use kofu_card::{CardTransport, TransportError};

fn within_limit(profile: ReaderProfile, run: &Run, limit: u32) {
    let name = profile.name();
    assert_eq!(run.traffic.over_limit, 0, "{name}: a message over the limit");
    assert!(run.traffic.longest_in <= limit as usize, "{name}: sent {} bytes", run.traffic.longest_in);
    assert!(run.traffic.longest_out <= limit as usize, "{name}: received {} bytes", run.traffic.longest_out);
}

#[test]
fn every_profile_runs_the_issuance_in_the_fewest_apdus_within_its_limit() {
    for profile in ReaderProfile::ALL {
        let reader = profile.build(card());
        let limit = reader.descriptor().max_message_length;
        let run = block_on(issuance(reader)).unwrap_or_else(|e| panic!("{}: {e}", profile.name()));
        println!(
            "{:>13}: {} APDUs, {} USB transfers, {} answer parts",
            profile.name(),
            run.apdus,
            run.transfers,
            run.traffic.answer_parts
        );
        within_limit(profile, &run, limit);
        // Nine where extended length passes (extended level, T=1); short and T=0 readers
        // read the certificate in parts of at most 256 bytes.
        let expected = match profile {
            ReaderProfile::Short | ReaderProfile::TpduT0 => 7 + CERT.len().div_ceil(256) as u32,
            _ => 9,
        };
        assert_eq!(run.apdus, expected, "{}", profile.name());
    }
}

#[test]
fn every_profile_reads_a_certificate_as_long_as_real_ones() {
    let cert = real_sized_certificate(1900);
    for profile in ReaderProfile::ALL {
        let reader = profile.build(card_with_certificate(&cert));
        let limit = reader.descriptor().max_message_length;
        let run = block_on(issuance_reading(reader, &cert)).unwrap_or_else(|e| panic!("{}: {e}", profile.name()));
        println!(
            "{:>13}, 1900-byte certificate: {} APDUs, {} USB transfers, {} answer parts",
            profile.name(),
            run.apdus,
            run.transfers,
            run.traffic.answer_parts
        );
        within_limit(profile, &run, limit);
        let expected = match profile {
            ReaderProfile::Short | ReaderProfile::TpduT0 => 7 + cert.len().div_ceil(256) as u32,
            _ => 9,
        };
        assert_eq!(run.apdus, expected, "{}", profile.name());
    }
}

/// The first read takes what one message holds (it has the DER header); the rest comes in
/// one extended READ BINARY whose answer the reader chains.
#[test]
fn long_answers_are_chained_at_271_and_522_bytes() {
    let run = block_on(issuance(ReaderProfile::Extended271.build(card()))).unwrap();
    let rest = CERT.len() - (271 - 12);
    assert_eq!(run.traffic.answer_parts, (rest + 2).div_ceil(261) as u32);
    let cert = real_sized_certificate(1900);
    let run =
        block_on(issuance_reading(ReaderProfile::Extended522.build(card_with_certificate(&cert)), &cert)).unwrap();
    assert_eq!(run.traffic.answer_parts, (1900usize - (522 - 12) + 2).div_ceil(512) as u32);
    // With room for everything, nothing is chained.
    let run = block_on(issuance_reading(ReaderProfile::Extended.build(card_with_certificate(&cert)), &cert)).unwrap();
    assert_eq!(run.traffic.answer_parts, 0);
}

fn powered(reader: VirtualCcidReader, descriptor: &CcidDescriptor) -> CcidReader<VirtualCcidReader> {
    let mut ccid = CcidReader::new(reader, descriptor).unwrap();
    block_on(ccid.power_on()).unwrap();
    ccid
}

#[test]
fn a_long_command_goes_in_parts_and_a_driver_ignoring_the_limit_is_refused() {
    // UPDATE BINARY with 600 bytes: more than a 271-byte message holds.
    let mut update = vec![0x00, 0xD6, 0x00, 0x00, 0x00, 0x02, 0x58];
    update.extend([0xAB; 600]);
    let reader = ReaderProfile::Extended271.build(card());
    let descriptor = reader.descriptor();
    let mut ccid = powered(reader, &descriptor);
    // The card does not know UPDATE BINARY; what matters is that it got the whole command.
    assert_eq!(block_on(ccid.transmit(&update)).unwrap(), [0x6D, 0x00]);
    let traffic = ccid.pipe().traffic();
    assert_eq!((traffic.command_parts, traffic.over_limit), (3, 0));
    assert!(traffic.longest_in <= 271);

    // A driver told the reader takes 65544 bytes sends the command whole: refused.
    let reader = ReaderProfile::Extended271.build(card());
    let mut ccid = powered(reader, &CcidDescriptor::new(ExchangeLevel::ExtendedApdu, 65_544));
    let refused = block_on(ccid.transmit(&update)).unwrap_err();
    assert_eq!(refused, TransportError::from(CcidError::Failed(0x01)));
    assert_eq!(ccid.pipe().traffic().over_limit, 1);
}

#[test]
fn a_t0_reader_at_263_bytes_gets_reads_that_fit_and_refuses_those_that_do_not() {
    let t0_at_263 = || VirtualCcidReader::new(card(), ExchangeLevel::Tpdu).with_max_message(263).t0_card();
    let run = block_on(issuance(t0_at_263())).unwrap();
    assert_eq!(run.traffic.over_limit, 0);
    // 251-byte reads (263 − header − SW) instead of 256: no more APDUs for this certificate.
    assert_eq!(run.apdus, 7 + CERT.len().div_ceil(251) as u32);
    // Told 271, the driver reads 256 bytes, whose answer no 263-byte message holds.
    let lie = CcidDescriptor::new(ExchangeLevel::Tpdu, 271);
    let mut ccid = CcidReader::new(t0_at_263(), &lie).unwrap();
    block_on(ccid.power_on()).unwrap();
    let mut jpki = kofu_card::Jpki::new(ccid);
    block_on(jpki.select_jpki()).unwrap();
    assert!(block_on(jpki.read_auth_certificate()).is_err());
    assert_eq!(jpki.transport_mut().pipe().traffic().over_limit, 1);
}

#[test]
fn t1_blocks_stay_within_263_byte_messages() {
    let cert = real_sized_certificate(1900);
    let reader = ReaderProfile::Tpdu263.build(card_with_certificate(&cert));
    let run = block_on(issuance_reading(reader, &cert)).unwrap();
    within_limit(ReaderProfile::Tpdu263, &run, 263);
    // Full blocks: 249 information bytes (the card's 254 would not fit), framing, header.
    assert_eq!(run.traffic.longest_out, 263);
}

#[test]
fn the_type_ff_descriptor_is_found_and_its_reader_works() {
    let reader = ReaderProfile::DescriptorFf.build(card());
    let found = find_ccid_interface(&reader.configuration_descriptor()).unwrap();
    assert_eq!((found.class, found.descriptor.descriptor_type), (CLASS_VENDOR, CCID_DESCRIPTOR_TYPE_VENDOR));
    assert_eq!(found.descriptor, reader.descriptor());
    assert_eq!(block_on(issuance(reader)).unwrap().apdus, 9);
}

#[test]
fn the_pin_pad_profile_announces_its_keypad_and_display() {
    let reader = ReaderProfile::PinPad.build(card());
    let found = find_ccid_interface(&reader.configuration_descriptor()).unwrap();
    assert!(found.descriptor.pin_support.verify);
    let ccid = CcidReader::new(reader, &found.descriptor).unwrap();
    assert_eq!(ccid.pin_pad().map(|p| p.display), Some(Some((2, 16))));
    let plain = ReaderProfile::TpduT1.build(card());
    assert_eq!(CcidReader::new(plain, &ReaderProfile::TpduT1.build(card()).descriptor()).unwrap().pin_pad(), None);
}

#[test]
fn the_tpdu_263_profile_has_no_interrupt_endpoint() {
    let reader = ReaderProfile::Tpdu263.build(card());
    assert_eq!(find_ccid_interface(&reader.configuration_descriptor()).unwrap().interrupt_in, None);
    assert_eq!(ReaderProfile::from_name("tpdu-263"), Some(ReaderProfile::Tpdu263));
}
