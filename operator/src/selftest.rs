//! The reader self-test's card part: over any card transport, select the JPKI
//! application and read the PIN tries left (select the PIN, an empty VERIFY) — three
//! commands that change nothing on the card (no PIN is sent, so no try is used).

use kofu_card::{CardError, CardTransport, Jpki, PinState};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardCheck {
    pub pin: PinState,
    pub apdus: u32,
}

pub async fn card_check<T: CardTransport>(transport: T) -> Result<CardCheck, CardError> {
    let mut jpki = Jpki::new(transport);
    jpki.select_jpki().await?;
    let pin = jpki.pin_state().await?;
    Ok(CardCheck { pin, apdus: jpki.apdus_sent() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kofu_card::virtual_card::VirtualCard;

    fn card() -> VirtualCard {
        VirtualCard::new(
            include_bytes!("../../fixtures/test-only/card-1.key.der"),
            include_bytes!("../../fixtures/test-only/card-1.cert.der"),
            b"1234",
        )
        .unwrap()
    }

    #[test]
    fn a_card_answers_with_its_tries_left_and_keeps_them() {
        let check = futures_executor::block_on(card_check(card())).unwrap();
        assert_eq!(check, CardCheck { pin: PinState::TriesLeft(3), apdus: 3 });
    }

    #[test]
    fn no_card_is_an_error_not_a_pass() {
        let mut absent = card();
        absent.remove();
        assert!(futures_executor::block_on(card_check(absent)).is_err());
    }
}
