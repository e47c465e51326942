"""The tool's own RSA keys: generated into ``instance/lti_keys/`` (mode 600) at first use, the newest signs,
every key not retired is published so platforms can check tokens signed before a rotation. The signing key
(so also the last one) is never retired.

Only public parts ever leave this module as JSON (:func:`public_jwks`); private keys stay on disk.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pylti1p3.registration import Registration

KEY_FOLDER = "lti_keys"
KEY_SIZE = 2048


@dataclass(frozen=True)
class ToolKey:
    """One key pair: its id (the JWK thumbprint), the private key in PEM, the public key in PEM, and when
    it was made (from its file name)."""

    kid: str
    private_pem: str
    public_pem: str
    created_at: datetime | None = None

    def public_jwk(self) -> dict:
        """The public part as a JWK (no private member: d, p, q, dp, dq, qi)."""
        return dict(Registration.get_jwk(self.public_pem))


def _folder(instance_path: str) -> Path:
    folder = Path(instance_path) / KEY_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _read(path: Path) -> ToolKey:
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return ToolKey(Registration.get_jwk(public_pem)["kid"], path.read_text(), public_pem, _made_at(path))


def _made_at(path: Path) -> datetime | None:
    # Files are named by the nanosecond they were made (generate_key), so their order is their age.
    try:
        return datetime.fromtimestamp(int(path.stem) / 1e9, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def tool_keys(instance_path: str) -> list[ToolKey]:
    """The published keys, oldest first; a first key is generated when there is none."""
    paths = sorted(_folder(instance_path).glob("*.pem"))
    if not paths:
        return [generate_key(instance_path)]
    return [_read(path) for path in paths]


def signing_key(instance_path: str) -> ToolKey:
    """The key that signs: the newest."""
    return tool_keys(instance_path)[-1]


def generate_key(instance_path: str) -> ToolKey:
    """A new key pair, written with mode 600; it signs from now on (rotation)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = _folder(instance_path) / f"{time.time_ns():020d}.pem"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return _read(path)


def retire_key(instance_path: str, kid: str) -> bool:
    """Stop publishing (and delete) the older key ``kid``. The signing key, the newest, is never retired
    (nor, therefore, the last one): rotate first. True if removed."""
    paths = sorted(_folder(instance_path).glob("*.pem"))
    for path in paths[:-1]:
        if _read(path).kid == kid:
            path.unlink()
            return True
    return False


def public_jwks(instance_path: str) -> dict:
    """The JSON Web Key Set platforms fetch: public parts only."""
    return {"keys": [key.public_jwk() for key in tool_keys(instance_path)]}
