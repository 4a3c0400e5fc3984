"""Single-tenant Azure Bot registrations kept in the database: one per tenant, each with its client secret or
certificate encrypted (IDESLUSS_SECRET_KEY). The registration from TEAMS_APP_ID/TEAMS_APP_PASSWORD/TEAMS_TENANT_ID
lives in the environment and is not stored here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import TeamsRegistration
from storage.secrets import SecretBox


class RegistrationConflict(ValueError):
    """The app id is registered for another tenant (or the tenant has another app)."""


class BadCertificate(ValueError):
    """The certificate file holds no private key, or no certificate to take the thumbprint of."""


@dataclass(slots=True)
class Credentials:
    """A registration as msal needs it, decrypted: either a client secret, or a private key and a thumbprint."""

    app_id: str
    tenant_id: str
    secret: str | None = None
    private_key: str | None = None
    thumbprint: str | None = None


def certificate_thumbprint(pem: str) -> str:
    """The SHA-1 thumbprint (hex, as Entra shows it) of the certificate in a PEM file that also holds its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    data = pem.encode()
    if b"PRIVATE KEY-----" not in data:
        raise BadCertificate("the PEM file has no private key")
    try:
        serialization.load_pem_private_key(data, password=None)
        cert = x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise BadCertificate(str(exc)) from exc
    return hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()


def save_registration(session: Session, box: SecretBox, *, app_id: str, tenant_id: str, secret: str | None = None,
                      certificate_pem: str | None = None, now: datetime) -> TeamsRegistration:
    """Store or update the registration of `tenant_id`. Exactly one of `secret` and `certificate_pem`."""
    if (secret is None) == (certificate_pem is None):
        raise ValueError("a registration needs a client secret or a certificate")
    thumbprint = certificate_thumbprint(certificate_pem) if certificate_pem else None
    by_app = session.exec(select(TeamsRegistration).where(TeamsRegistration.app_id == app_id)).first()
    if by_app is not None and by_app.tenant_id != tenant_id:
        raise RegistrationConflict(f"app {app_id} is registered for tenant {by_app.tenant_id}")
    row = session.exec(select(TeamsRegistration).where(TeamsRegistration.tenant_id == tenant_id)).first()
    if row is None:
        row = TeamsRegistration(app_id=app_id, tenant_id=tenant_id, created_at=now, updated_at=now)
    row.app_id = app_id
    row.secret = box.encrypt(secret) if secret is not None else None
    row.certificate = box.encrypt(certificate_pem) if certificate_pem is not None else None
    row.thumbprint = thumbprint
    row.updated_at = now
    session.add(row)
    session.flush()
    return row


def all_registrations(session: Session) -> list[TeamsRegistration]:
    return list(session.exec(select(TeamsRegistration).order_by(col(TeamsRegistration.id))).all())


def remove_registration(session: Session, tenant_id: str) -> bool:
    row = session.exec(select(TeamsRegistration).where(TeamsRegistration.tenant_id == tenant_id)).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def credentials(box: SecretBox, row: TeamsRegistration) -> Credentials:
    if row.certificate:
        return Credentials(row.app_id, row.tenant_id, private_key=box.decrypt(row.certificate),
                           thumbprint=row.thumbprint)
    return Credentials(row.app_id, row.tenant_id, secret=box.decrypt(row.secret or ""))


def rotate_secrets(session: Session, box: SecretBox) -> int:
    rows = all_registrations(session)
    for row in rows:
        if row.secret:
            row.secret = box.rotate(row.secret)
        if row.certificate:
            row.certificate = box.rotate(row.certificate)
        session.add(row)
    session.flush()
    return len(rows)
