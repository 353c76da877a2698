//! The host side of T=1 (ISO/IEC 7816-3 §11.6): chaining both ways within IFSC/IFSD,
//! waiting-time extensions, IFS changes, and error recovery — a damaged or unexpected
//! block is answered with R(error) and the card's R-block makes us resend, three tries,
//! then the exchange fails with a typed error.

use super::block::{Block, BlockError, MAX_INF, Pcb, SKind};

/// Resends of one block before giving up.
const MAX_RETRIES: u32 = 3;
/// Waiting-time extensions accepted for one APDU.
const MAX_WTX: u32 = 600;
/// Largest response assembled from chained blocks.
const MAX_RESPONSE: usize = 65_538;

/// One block out, the card's next block back (through a TPDU-level reader).
#[allow(async_fn_in_trait)]
pub trait BlockIo {
    type Error;
    async fn exchange_block(&mut self, block: &[u8]) -> Result<Vec<u8>, Self::Error>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum T1Error<E> {
    #[error("reader: {0}")]
    Io(E),
    #[error("the card kept answering with damaged or unexpected blocks ({0})")]
    Protocol(&'static str),
    #[error("the card aborted the chain")]
    Aborted,
    #[error("response over the size limit")]
    TooLong,
}

/// Sequence numbers and sizes, kept across APDUs of one card session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T1State {
    ns: u8,
    nr: u8,
    /// The card's receive size, from the ATR or an S(IFS) request.
    pub ifsc: usize,
    /// The most information bytes the reader carries in one block (its message limit).
    max_inf: usize,
}

impl Default for T1State {
    fn default() -> Self {
        T1State { ns: 0, nr: 0, ifsc: 32, max_inf: MAX_INF }
    }
}

impl T1State {
    pub fn new(ifsc: u8) -> Self {
        T1State { ns: 0, nr: 0, ifsc: usize::from(ifsc).clamp(1, MAX_INF), max_inf: MAX_INF }
    }

    /// Caps the blocks we send at what the reader's messages hold, whatever IFSC says.
    pub fn with_max_inf(mut self, max_inf: usize) -> Self {
        self.max_inf = max_inf.clamp(1, MAX_INF);
        self
    }

    fn send_size(&self) -> usize {
        self.ifsc.min(self.max_inf)
    }

    /// The prologue (NAD, PCB, LEN) of the I-block a PIN-pad reader builds for us around
    /// an `len`-byte APDU (CCID bTeoPrologue); `None` if it would not fit one block.
    pub fn external_prologue(&self, len: usize) -> Option<[u8; 3]> {
        let len = u8::try_from(len).ok().filter(|&n| usize::from(n) <= self.send_size())?;
        Some([0x00, Pcb::I { ns: self.ns, more: false }.byte(), len])
    }

    /// Continues after a reader sent our next I-block itself (PIN-pad entry): `reply` is
    /// the card's first block back. The I-block is never sent again — it held the PIN — so
    /// a card asking for it again ends the exchange; a damaged reply is asked for again.
    pub async fn complete_external<IO: BlockIo>(
        &mut self,
        io: &mut IO,
        reply: &[u8],
    ) -> Result<Vec<u8>, T1Error<IO::Error>> {
        let first = match Block::parse(reply) {
            Ok(block) => block,
            Err(_) => self.exchange_checked(io, &Block::new(Pcb::R { nr: self.nr, error: true }, &[])).await?,
        };
        if let Pcb::R { .. } = first.pcb {
            return Err(T1Error::Protocol("the card did not take the reader's block"));
        }
        self.ns ^= 1;
        self.receive_response(io, first).await
    }

    /// Tells the card how much we accept per block (S(IFS request)).
    pub async fn negotiate_ifsd<IO: BlockIo>(&mut self, io: &mut IO, ifsd: u8) -> Result<(), T1Error<IO::Error>> {
        let request = Block::new(Pcb::S { kind: SKind::Ifs, response: false }, &[ifsd]);
        for _ in 0..MAX_RETRIES {
            match Self::receive(io, &request).await? {
                Ok(b) if b.pcb == (Pcb::S { kind: SKind::Ifs, response: true }) && b.inf == [ifsd] => return Ok(()),
                _ => continue,
            }
        }
        Err(T1Error::Protocol("IFS negotiation"))
    }

    /// Sends one APDU and returns the card's complete response.
    pub async fn transceive<IO: BlockIo>(&mut self, io: &mut IO, apdu: &[u8]) -> Result<Vec<u8>, T1Error<IO::Error>> {
        let chunks: Vec<&[u8]> = if apdu.is_empty() { vec![&[][..]] } else { apdu.chunks(self.send_size()).collect() };
        let last = chunks.len() - 1;
        let mut reply = None;
        for (i, chunk) in chunks.iter().enumerate() {
            let block = Block::new(Pcb::I { ns: self.ns, more: i < last }, chunk);
            reply = Some(self.send_i_block(io, &block, i < last).await?);
            self.ns ^= 1;
        }
        let current = reply.ok_or(T1Error::Protocol("empty APDU"))?;
        self.receive_response(io, current).await
    }

    /// Reads the card's response from its first block on: chained I-blocks acknowledged,
    /// WTX and IFS requests answered, anything unexpected asked for again.
    async fn receive_response<IO: BlockIo>(
        &mut self,
        io: &mut IO,
        mut current: Block,
    ) -> Result<Vec<u8>, T1Error<IO::Error>> {
        let mut response = Vec::new();
        let mut wtx = 0;
        let mut retries = 0;
        loop {
            match current.pcb {
                Pcb::I { ns, more } if ns == self.nr => {
                    retries = 0;
                    response.extend_from_slice(&current.inf);
                    if response.len() > MAX_RESPONSE {
                        return Err(T1Error::TooLong);
                    }
                    self.nr ^= 1;
                    if !more {
                        return Ok(response);
                    }
                    let ack = Block::new(Pcb::R { nr: self.nr, error: false }, &[]);
                    current = self.exchange_checked(io, &ack).await?;
                }
                Pcb::S { kind: SKind::Wtx, response: false } => {
                    wtx += 1;
                    if wtx > MAX_WTX {
                        return Err(T1Error::Protocol("too many waiting-time extensions"));
                    }
                    let answer = Block::new(Pcb::S { kind: SKind::Wtx, response: true }, &current.inf);
                    current = self.exchange_checked(io, &answer).await?;
                }
                Pcb::S { kind: SKind::Ifs, response: false } => {
                    if let [ifsc] = current.inf[..] {
                        self.ifsc = usize::from(ifsc).clamp(1, MAX_INF);
                    }
                    let answer = Block::new(Pcb::S { kind: SKind::Ifs, response: true }, &current.inf);
                    current = self.exchange_checked(io, &answer).await?;
                }
                Pcb::S { kind: SKind::Abort, response: false } => return Err(T1Error::Aborted),
                _ => {
                    // Out of sequence or unexpected: ask again for the block we expect.
                    retries += 1;
                    if retries > MAX_RETRIES {
                        return Err(T1Error::Protocol("unexpected block"));
                    }
                    let nak = Block::new(Pcb::R { nr: self.nr, error: true }, &[]);
                    current = self.exchange_checked(io, &nak).await?;
                }
            }
        }
    }

    /// Sends an I-block and returns the card's next valid block. While chaining, that
    /// must be R(N(R) = our N(S) + 1); an R-block asking for our block again makes us resend.
    async fn send_i_block<IO: BlockIo>(
        &mut self,
        io: &mut IO,
        block: &Block,
        chaining: bool,
    ) -> Result<Block, T1Error<IO::Error>> {
        for _ in 0..=MAX_RETRIES {
            let reply = self.exchange_checked(io, block).await?;
            match reply.pcb {
                Pcb::R { nr, .. } if nr == self.ns => continue, // the card wants it again
                Pcb::R { nr, error: false } if chaining && nr != self.ns => return Ok(reply),
                _ if chaining => return Err(T1Error::Protocol("chain not acknowledged")),
                _ => return Ok(reply),
            }
        }
        Err(T1Error::Protocol("block refused repeatedly"))
    }

    /// Exchanges a block; a damaged answer is answered with R(error) up to three times.
    async fn exchange_checked<IO: BlockIo>(&mut self, io: &mut IO, block: &Block) -> Result<Block, T1Error<IO::Error>> {
        let mut outgoing = block.clone();
        for _ in 0..=MAX_RETRIES {
            match Self::receive(io, &outgoing).await? {
                Ok(reply) => return Ok(reply),
                Err(_) => outgoing = Block::new(Pcb::R { nr: self.nr, error: true }, &[]),
            }
        }
        Err(T1Error::Protocol("damaged blocks"))
    }

    async fn receive<IO: BlockIo>(io: &mut IO, block: &Block) -> Result<Result<Block, BlockError>, T1Error<IO::Error>> {
        let mut bytes = block.encode();
        let answer = io.exchange_block(&bytes).await;
        // An I-block may hold a VERIFY and its PIN.
        zeroize::Zeroize::zeroize(&mut bytes);
        Ok(Block::parse(&answer.map_err(T1Error::Io)?))
    }
}
