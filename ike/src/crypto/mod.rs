//! The crypto provider: ciphers, PRFs, integrity, key exchange, signatures, key derivation.
