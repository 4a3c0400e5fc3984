"""Secrets at rest: Slack bot tokens and Teams client secrets are kept in the database only as Fernet ciphertext.

The key comes from the environment (IDESLUSS_SECRET_KEY), never from the database, so a copy of the database
(a backup, a test restore) holds nothing usable. Several keys may be given, comma-separated: the first
encrypts, every one decrypts, so an operator can rotate (`idesluss orgs rotate-key` re-encrypts). Without a
key, nothing secret is stored and the bot says why.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class NoSecretKey(RuntimeError):
    """A secret was to be stored or read and no IDESLUSS_SECRET_KEY is configured."""

    def __str__(self) -> str:
        return ("IDESLUSS_SECRET_KEY is not set: Slack tokens and Teams secrets are kept in the database only "
                "encrypted. Generate a key with `idesluss orgs secret-key` and set it in the environment.")


class BadSecretKey(ValueError):
    """IDESLUSS_SECRET_KEY is not a Fernet key (32 url-safe base64-encoded bytes)."""

    def __str__(self) -> str:
        return ("IDESLUSS_SECRET_KEY is not a valid key: it must be 32 url-safe base64-encoded bytes "
                "(generate one with `idesluss orgs secret-key`).")


class UndecryptableSecret(RuntimeError):
    """A stored secret that none of the configured keys opens (a wrong or rotated-away key)."""

    def __str__(self) -> str:
        return ("A secret in the database cannot be decrypted with IDESLUSS_SECRET_KEY: was the key changed? "
                "Give the old key too (comma-separated, new key first).")


def generate_key() -> str:
    return Fernet.generate_key().decode()


class SecretBox:
    """Encrypt and decrypt with the configured key(s). `SecretBox(None)` refuses both, clearly."""

    def __init__(self, keys: str | None) -> None:
        parts = [k.strip() for k in (keys or "").split(",") if k.strip()]
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in parts]) if parts else None
        except (ValueError, TypeError) as exc:
            raise BadSecretKey() from exc

    @property
    def configured(self) -> bool:
        return self._fernet is not None

    def encrypt(self, plain: str) -> str:
        if self._fernet is None:
            raise NoSecretKey()
        return self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        if self._fernet is None:
            raise NoSecretKey()
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise UndecryptableSecret() from exc

    def rotate(self, token: str) -> str:
        """The same secret, encrypted with the first (newest) key."""
        if self._fernet is None:
            raise NoSecretKey()
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise UndecryptableSecret() from exc
