#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod private;

pub use private::{create_private_dir, create_private_file, private_file_options, write_new_private};

use std::fmt;

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U12;
use std::io::{Read, Write};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use hmac::{Hmac, Mac};
use sm3::{Digest, Sm3};

/// SM4 in Galois/Counter mode with a 96-bit nonce (the construction RFC 8998
/// names for TLS with SM4).
type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

/// Format byte of sealed values; a new layout gets a new byte.
const SEALED_FORMAT: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Failures of key handling and unsealing.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The key text is not 96 hexadecimal characters.
    #[error("key material must be 96 hexadecimal characters (48 bytes)")]
    KeyFormat,
    /// A sealed value was altered, truncated, or sealed under another key.
    #[error("sealed value cannot be opened: altered, truncated or sealed under another key")]
    Open,
    /// The operating system's random source failed.
    #[error("random source unavailable: {0}")]
    Random(String),
    /// Reading or writing a sealed file failed.
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
}

/// SM3 digest (GB/T 32905-2016).
pub fn sm3(data: &[u8]) -> [u8; 32] {
    Sm3::digest(data).into()
}

/// Lowercase hexadecimal of `bytes`: digests, fingerprints and tokens as text.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `n_bytes` from the operating system's random source, as lowercase
/// hexadecimal: session tokens, CSRF tokens and API key secrets.
pub fn random_hex(n_bytes: usize) -> Result<String, CryptoError> {
    let mut bytes = vec![0u8; n_bytes];
    getrandom::fill(&mut bytes).map_err(|e| CryptoError::Random(e.to_string()))?;
    Ok(hex(&bytes))
}

/// The platform's secret keys: one for keyed hashes, one for sealing.
///
/// `Debug` never prints the material.
#[derive(Clone)]
pub struct Keys {
    hash_key: [u8; 32],
    seal_key: [u8; 16],
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keys { .. }")
    }
}

impl Keys {
    /// New random keys from the operating system's random source.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut material = [0u8; 48];
        getrandom::fill(&mut material).map_err(|e| CryptoError::Random(e.to_string()))?;
        Ok(Self::from_bytes(&material))
    }

    fn from_bytes(material: &[u8; 48]) -> Self {
        let mut hash_key = [0u8; 32];
        let mut seal_key = [0u8; 16];
        hash_key.copy_from_slice(&material[..32]);
        seal_key.copy_from_slice(&material[32..]);
        Self { hash_key, seal_key }
    }

    /// Reads keys from their hexadecimal text (as stored in the key file).
    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        let text = text.trim();
        if text.len() != 96 || !text.is_ascii() {
            return Err(CryptoError::KeyFormat);
        }
        let mut material = [0u8; 48];
        for (idx, byte) in material.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[idx * 2..idx * 2 + 2], 16).map_err(|_| CryptoError::KeyFormat)?;
        }
        Ok(Self::from_bytes(&material))
    }

    /// The keys as hexadecimal text, for the key file.
    pub fn to_hex(&self) -> String {
        hex(&[self.hash_key.as_slice(), self.seal_key.as_slice()].concat())
    }

    /// HMAC-SM3 of `data`: a stable lookup key that reveals nothing of the
    /// data without the key.
    pub fn keyed_hash(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sm3> as KeyInit>::new_from_slice(&self.hash_key).expect("HMAC takes keys of any length");
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// Seals `plaintext` with SM4-GCM under a fresh random nonce:
    /// `format byte ‖ nonce ‖ ciphertext ‖ tag`.
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| CryptoError::Random(e.to_string()))?;
        let ciphertext = self
            .cipher()
            .encrypt((&nonce).into(), plaintext)
            .map_err(|_| CryptoError::Open)?;
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        sealed.push(SEALED_FORMAT);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    /// Opens a value made by [`Keys::seal`]; fails if it was altered.
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != SEALED_FORMAT {
            return Err(CryptoError::Open);
        }
        let nonce: [u8; NONCE_LEN] = sealed[1..1 + NONCE_LEN].try_into().map_err(|_| CryptoError::Open)?;
        self.cipher()
            .decrypt((&nonce).into(), &sealed[1 + NONCE_LEN..])
            .map_err(|_| CryptoError::Open)
    }

    /// Seals a whole file (an uploaded original) as a stream of SM4-GCM
    /// chunks: `XYSEAL01`, then per chunk its length, nonce and ciphertext.
    /// Each chunk's position and whether it is the last are authenticated,
    /// so chunks cannot be dropped, reordered or the file cut short.
    pub fn seal_file(&self, mut input: impl Read, mut output: impl Write) -> Result<u64, CryptoError> {
        output.write_all(FILE_MAGIC)?;
        let cipher = self.cipher();
        let mut buffer = vec![0u8; FILE_CHUNK];
        let mut total = 0u64;
        for index in 0u64.. {
            let n = read_full(&mut input, &mut buffer)?;
            let last = n < FILE_CHUNK;
            let mut nonce = [0u8; NONCE_LEN];
            getrandom::fill(&mut nonce).map_err(|e| CryptoError::Random(e.to_string()))?;
            let aad = chunk_aad(index, last);
            let ciphertext = cipher
                .encrypt(
                    (&nonce).into(),
                    Payload {
                        msg: &buffer[..n],
                        aad: &aad,
                    },
                )
                .map_err(|_| CryptoError::Open)?;
            let len = u32::try_from(ciphertext.len()).map_err(|_| CryptoError::Open)?;
            output.write_all(&len.to_be_bytes())?;
            output.write_all(&nonce)?;
            output.write_all(&ciphertext)?;
            total += n as u64;
            if last {
                break;
            }
        }
        output.flush()?;
        Ok(total)
    }

    /// Opens a file made by [`Keys::seal_file`]; fails if any part of it
    /// was altered, reordered or cut.
    pub fn open_file(&self, mut input: impl Read, mut output: impl Write) -> Result<u64, CryptoError> {
        let mut magic = [0u8; 8];
        if read_full(&mut input, &mut magic)? != magic.len() || &magic != FILE_MAGIC {
            return Err(CryptoError::Open);
        }
        let cipher = self.cipher();
        let mut total = 0u64;
        for index in 0u64.. {
            let mut head = [0u8; 4 + NONCE_LEN];
            if read_full(&mut input, &mut head)? != head.len() {
                return Err(CryptoError::Open);
            }
            let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
            if len > FILE_CHUNK + TAG_LEN {
                return Err(CryptoError::Open);
            }
            let mut ciphertext = vec![0u8; len];
            if read_full(&mut input, &mut ciphertext)? != len {
                return Err(CryptoError::Open);
            }
            let nonce: [u8; NONCE_LEN] = head[4..].try_into().map_err(|_| CryptoError::Open)?;
            // The sender marked exactly one chunk as the last: try both.
            let (plain, last) = [false, true]
                .into_iter()
                .find_map(|last| {
                    let aad = chunk_aad(index, last);
                    cipher
                        .decrypt(
                            (&nonce).into(),
                            Payload {
                                msg: &ciphertext,
                                aad: &aad,
                            },
                        )
                        .ok()
                        .map(|plain| (plain, last))
                })
                .ok_or(CryptoError::Open)?;
            output.write_all(&plain)?;
            total += plain.len() as u64;
            if last {
                let mut rest = [0u8; 1];
                if read_full(&mut input, &mut rest)? != 0 {
                    return Err(CryptoError::Open);
                }
                break;
            }
        }
        output.flush()?;
        Ok(total)
    }

    fn cipher(&self) -> Sm4Gcm {
        Sm4Gcm::new((&self.seal_key).into())
    }
}

/// First bytes of a sealed file.
const FILE_MAGIC: &[u8; 8] = b"XYSEAL01";
/// Plaintext bytes per sealed chunk.
const FILE_CHUNK: usize = 64 * 1024;

fn chunk_aad(index: u64, last: bool) -> [u8; 9] {
    let mut aad = [0u8; 9];
    aad[..8].copy_from_slice(&index.to_be_bytes());
    aad[8] = u8::from(last);
    aad
}

/// Reads until `buffer` is full or the input ends; returns the bytes read.
fn read_full(input: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::{FILE_CHUNK, Keys, NONCE_LEN, TAG_LEN, hex, sm3};

    #[test]
    fn sm3_matches_the_standards_test_vectors() {
        // GB/T 32905-2016 Appendix A, examples 1 and 2.
        assert_eq!(
            hex(&sm3(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        let sixty_four = b"abcd".repeat(16);
        assert_eq!(
            hex(&sm3(&sixty_four)),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
    }

    #[test]
    fn sealing_round_trips_and_detects_tampering() {
        let keys = Keys::generate().unwrap();
        let sealed = keys.seal("11010519491231002X".as_bytes()).unwrap();
        assert!(!sealed.windows(8).any(|w| w == b"19491231"));
        assert_eq!(keys.open(&sealed).unwrap(), b"11010519491231002X");
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(keys.open(&tampered).is_err());
        assert!(Keys::generate().unwrap().open(&sealed).is_err());
        assert!(keys.open(&sealed[..10]).is_err());
    }

    #[test]
    fn equal_plaintexts_seal_differently() {
        let keys = Keys::generate().unwrap();
        assert_ne!(keys.seal(b"same").unwrap(), keys.seal(b"same").unwrap());
    }

    #[test]
    fn keyed_hashes_depend_on_the_key() {
        let (a, b) = (Keys::generate().unwrap(), Keys::generate().unwrap());
        assert_eq!(a.keyed_hash(b"x"), a.keyed_hash(b"x"));
        assert_ne!(a.keyed_hash(b"x"), b.keyed_hash(b"x"));
    }

    #[test]
    fn key_text_round_trips_and_rejects_garbage() {
        let keys = Keys::generate().unwrap();
        let again = Keys::from_hex(&keys.to_hex()).unwrap();
        assert_eq!(again.keyed_hash(b"x"), keys.keyed_hash(b"x"));
        assert!(Keys::from_hex("abc").is_err());
        assert!(Keys::from_hex(&"zz".repeat(48)).is_err());
        assert!(Keys::from_hex(&"é".repeat(48)).is_err());
        assert_eq!(format!("{keys:?}"), "Keys { .. }");
    }

    #[test]
    fn files_round_trip_and_refuse_any_change() {
        let keys = Keys::generate().unwrap();
        for size in [0, 1, FILE_CHUNK - 1, FILE_CHUNK, FILE_CHUNK * 2 + 17] {
            let plain: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let mut sealed = Vec::new();
            assert_eq!(keys.seal_file(&plain[..], &mut sealed).unwrap(), size as u64);
            let mut opened = Vec::new();
            keys.open_file(&sealed[..], &mut opened).unwrap();
            assert_eq!(opened, plain, "size {size}");
            if size > 0 {
                let mut flipped = sealed.clone();
                let at = flipped.len() - 1;
                flipped[at] ^= 1;
                assert!(
                    keys.open_file(&flipped[..], &mut Vec::new()).is_err(),
                    "flipped, size {size}"
                );
            }
            let cut = &sealed[..sealed.len() - 1];
            assert!(keys.open_file(cut, &mut Vec::new()).is_err(), "cut, size {size}");
        }
        // Dropping the last chunk of a multi-chunk file is caught.
        let plain = vec![7u8; FILE_CHUNK * 2];
        let mut sealed = Vec::new();
        keys.seal_file(&plain[..], &mut sealed).unwrap();
        let first_chunk = 8 + 4 + NONCE_LEN + FILE_CHUNK + TAG_LEN;
        assert!(keys.open_file(&sealed[..first_chunk], &mut Vec::new()).is_err());
        assert!(
            Keys::generate()
                .unwrap()
                .open_file(&sealed[..], &mut Vec::new())
                .is_err(),
            "another key"
        );
    }
}
