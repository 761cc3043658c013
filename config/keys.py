"""Development secrets: generated once into var/ (ignored by git), never used in production."""

import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured


def dev_secret_key(path: Path) -> str:
    """Return the development SECRET_KEY stored at path, creating it on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _generate_pair(private_path: Path, public_path: Path) -> None:
    private_path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # Write to temporary names and rename, so two processes starting at once never read half a key.
    for target, data in ((private_path, private_pem), (public_path, public_pem)):
        tmp = target.with_suffix(f".{secrets.token_hex(4)}.tmp")
        tmp.write_bytes(data)
        tmp.chmod(0o600)
        tmp.replace(target)


def load_jwt_keys(
    *, private_path: str, public_path: str, dev_dir: Path, allow_generate: bool
) -> tuple[str, str]:
    """Read the RS256 key pair; in development create var/keys/ on first run."""
    if private_path or public_path:
        if not (private_path and public_path):
            raise ImproperlyConfigured("Set both JWT_PRIVATE_KEY_PATH and JWT_PUBLIC_KEY_PATH.")
        private, public = Path(private_path), Path(public_path)
    else:
        if not allow_generate:
            raise ImproperlyConfigured(
                "JWT_PRIVATE_KEY_PATH and JWT_PUBLIC_KEY_PATH must be set when DEBUG=0."
            )
        private, public = dev_dir / "jwt_private.pem", dev_dir / "jwt_public.pem"
        if not (private.exists() and public.exists()):
            _generate_pair(private, public)
    try:
        return private.read_text(), public.read_text()
    except OSError as exc:
        raise ImproperlyConfigured(f"Cannot read the JWT keys: {exc}") from exc
