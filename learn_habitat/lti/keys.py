"""The tool's own RSA keys: generated into ``instance/lti_keys/`` (mode 600) at first use, the newest signs,
every key not retired is published so platforms can check tokens signed before a rotation.

Only public parts ever leave this module as JSON (:func:`public_jwks`); private keys stay on disk.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pylti1p3.registration import Registration

KEY_FOLDER = "lti_keys"
KEY_SIZE = 2048


@dataclass(frozen=True)
class ToolKey:
    """One key pair: its id (the JWK thumbprint), the private key in PEM and the public key in PEM."""

    kid: str
    private_pem: str
    public_pem: str

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
    return ToolKey(Registration.get_jwk(public_pem)["kid"], path.read_text(), public_pem)


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
    """Stop publishing (and delete) the key ``kid``; the last key is never retired. True if removed."""
    paths = sorted(_folder(instance_path).glob("*.pem"))
    if len(paths) < 2:
        return False
    for path in paths:
        if _read(path).kid == kid:
            path.unlink()
            return True
    return False


def public_jwks(instance_path: str) -> dict:
    """The JSON Web Key Set platforms fetch: public parts only."""
    return {"keys": [key.public_jwk() for key in tool_keys(instance_path)]}
