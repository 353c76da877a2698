//! Extended-APDU exchanges longer than one CCID message (USB CCID Rev 1.1 §6.1.4
//! wLevelParameter, §6.2.1 bChainParameter): the host splits a long command over several
//! XfrBlocks, the reader a long answer over several DataBlocks, each fetched with an empty
//! XfrBlock. Values read as libccid reads them (`CmdXfrBlockAPDU_extended`): 01, 03 and
//! 10 ask for more, anything else ends the answer.

/// The command (or response) begins and ends in this message.
pub const WHOLE: u8 = 0x00;
/// Begins here, continues in the next message.
pub const BEGINS: u8 = 0x01;
/// Continues from the previous message and ends here.
pub const ENDS: u8 = 0x02;
/// Continues from the previous message, and more follows.
pub const CONTINUES: u8 = 0x03;
/// Empty: "send the next part". From the reader while a command is split; from the host
/// (wLevelParameter 0010h) to fetch the next part of an answer.
pub const NEXT_PART: u8 = 0x10;

/// The largest answer assembled from parts: 65536 data bytes and SW.
pub const MAX_CHAINED_RESPONSE: usize = 65_538;
/// Most parts one answer may come in: even 64 KiB in 64-byte messages takes fewer.
pub const MAX_PARTS: u32 = 1100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("chained answer over {MAX_CHAINED_RESPONSE} bytes")]
    TooLong,
    #[error("chained answer in more than {MAX_PARTS} parts")]
    TooManyParts,
}

/// What to do after a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainStep {
    /// Ask for the next part.
    More,
    Done,
}

/// Splits a command into parts of at most `room` bytes, each with its wLevelParameter.
pub fn command_parts(apdu: &[u8], room: usize) -> Vec<(u8, &[u8])> {
    if apdu.len() <= room || room == 0 {
        return vec![(WHOLE, apdu)];
    }
    let parts: Vec<&[u8]> = apdu.chunks(room).collect();
    let last = parts.len() - 1;
    parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let level = match i {
                0 => BEGINS,
                i if i == last => ENDS,
                _ => CONTINUES,
            };
            (level, part)
        })
        .collect()
}

/// An answer being put together from DataBlocks.
#[derive(Debug, Default)]
pub struct ResponseChain {
    data: Vec<u8>,
    parts: u32,
}

impl ResponseChain {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one DataBlock's bChainParameter and data.
    pub fn push(&mut self, chain_parameter: u8, part: &[u8]) -> Result<ChainStep, ChainError> {
        self.parts += 1;
        if self.parts > MAX_PARTS {
            return Err(ChainError::TooManyParts);
        }
        if self.data.len() + part.len() > MAX_CHAINED_RESPONSE {
            return Err(ChainError::TooLong);
        }
        let step = match chain_parameter {
            BEGINS | CONTINUES | NEXT_PART => ChainStep::More,
            // WHOLE, ENDS, and values CCID does not define (libccid ends there too).
            _ => ChainStep::Done,
        };
        self.data.extend_from_slice(part);
        Ok(step)
    }

    pub fn parts(&self) -> u32 {
        self.parts
    }

    pub fn finish(self) -> Vec<u8> {
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_is_split_begins_continues_ends() {
        let apdu: Vec<u8> = (0..=255).collect();
        let parts = command_parts(&apdu, 100);
        let levels: Vec<u8> = parts.iter().map(|p| p.0).collect();
        assert_eq!(levels, [BEGINS, CONTINUES, ENDS]);
        assert_eq!(parts.iter().map(|p| p.1.len()).collect::<Vec<_>>(), [100, 100, 56]);
        assert_eq!(command_parts(&apdu[..100], 100), [(WHOLE, &apdu[..100])]);
        assert_eq!(command_parts(&apdu[..101], 100).iter().map(|p| p.0).collect::<Vec<_>>(), [BEGINS, ENDS]);
    }

    #[test]
    fn an_answer_is_assembled_until_its_end() {
        let mut chain = ResponseChain::new();
        assert_eq!(chain.push(BEGINS, &[1; 261]), Ok(ChainStep::More));
        assert_eq!(chain.push(CONTINUES, &[2; 261]), Ok(ChainStep::More));
        assert_eq!(chain.push(ENDS, &[3, 0x90, 0x00]), Ok(ChainStep::Done));
        assert_eq!(chain.parts(), 3);
        assert_eq!(chain.finish().len(), 525);
        assert_eq!(ResponseChain::new().push(WHOLE, &[0x90, 0]), Ok(ChainStep::Done));
        assert_eq!(ResponseChain::new().push(0x04, &[0x90, 0]), Ok(ChainStep::Done));
    }

    #[test]
    fn an_endless_or_oversized_answer_is_refused() {
        let mut chain = ResponseChain::new();
        let mut result = Ok(ChainStep::More);
        for _ in 0..=MAX_PARTS {
            result = chain.push(CONTINUES, &[]);
        }
        assert_eq!(result, Err(ChainError::TooManyParts));
        let mut chain = ResponseChain::new();
        assert_eq!(chain.push(BEGINS, &[0; 65_000]), Ok(ChainStep::More));
        assert_eq!(chain.push(CONTINUES, &[0; 600]), Err(ChainError::TooLong));
    }
}
