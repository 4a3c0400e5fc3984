"""Stand-ins for Microsoft's services, as real HTTPS servers on 127.0.0.1 (port 0) with a per-run test CA.

One server plays three parts, by path: the Bot Framework OpenID metadata and signing keys, the Entra
tenant (the discovery document msal reads, and the token endpoint), and the Bot Connector, which
records every activity it receives together with its Authorization header.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import jwt
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DATA = Path(__file__).parent / "data"
APP_ID = "5f3c8a1e-0d7b-4c55-9f0e-2b8a6c1d4e70"
APP_PASSWORD = "stand-in-secret"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT_ID = f"28:{APP_ID}"


@dataclass
class App:
    """An app registration the stand-in tenant knows: it signs in with a secret or with a certificate."""

    tenant: str
    secret: str | None = None
    certificate: Any = None  # a cryptography x509 certificate, for client assertions


def fixture(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


# -- a test CA and a server certificate for 127.0.0.1 ------------------------------------------------------

@dataclass(slots=True)
class Pki:
    ca_file: Path
    cert_file: Path
    key_file: Path


def make_pki(directory: Path) -> Pki:
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idesluss test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pki = Pki(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    pki.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    pki.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return pki


# -- signing keys for the channel's tokens ------------------------------------------------------------------

@dataclass(slots=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    endorsements: list[str]

    def jwk(self) -> dict[str, Any]:
        data = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**data, "kid": self.kid, "use": "sig", "endorsements": self.endorsements}


def new_key(kid: str, endorsements: list[str]) -> SigningKey:
    return SigningKey(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048), endorsements)


# -- running an ASGI app in a thread --------------------------------------------------------------------------

class ServerThread:
    def __init__(self, app: Any, *, pki: Pki | None = None) -> None:
        ssl = {"ssl_certfile": str(pki.cert_file), "ssl_keyfile": str(pki.key_file)} if pki else {}
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="auto",
                                timeout_graceful_shutdown=1, **ssl)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.scheme = "https" if pki else "http"

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.005)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"{self.scheme}://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


# -- the stand-in services ------------------------------------------------------------------------------------

@dataclass
class Recorded:
    method: str
    path: str
    body: dict[str, Any]
    authorization: str | None
    answered_id: str | None = None  # the activity id the stand-in gave back


@dataclass
class StandIn:
    """State shared with the server thread; tests script failures and read what was received."""

    keys: list[SigningKey]
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    key_fetches: int = 0
    failures: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    apps: dict[str, App] = field(default_factory=lambda: {APP_ID: App(TENANT, secret=APP_PASSWORD)})
    issued: dict[str, str] = field(default_factory=dict)  # access token -> the app id it was issued to
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def service_url(self) -> str:
        return f"{self.url}/connector/"

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/botframework/v1/.well-known/openidconfiguration"

    @property
    def authority(self) -> str:
        return f"{self.url}/{TENANT}"

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.token_requests.clear()
            self.failures.clear()
            self.issued.clear()
            self.apps = {APP_ID: App(TENANT, secret=APP_PASSWORD)}

    def authority_for(self, tenant: str) -> str:
        return f"{self.url}/{tenant}"

    def _signed_in(self, tenant: str, form: dict[str, str], token_url: str) -> str | None:
        """The app id when the client proved who it is, for this tenant: a secret, or an assertion signed with its
        certificate's key (msal's `client_assertion`); None otherwise."""
        app = self.apps.get(form.get("client_id", ""))
        if app is None or app.tenant != tenant:
            return None
        if app.secret is not None:
            return form["client_id"] if form.get("client_secret") == app.secret else None
        if app.certificate is None or form.get("client_assertion_type") != \
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return None
        try:
            claims = jwt.decode(form.get("client_assertion", ""), app.certificate.public_key(),
                                algorithms=["RS256", "PS256"], audience=token_url)
        except jwt.InvalidTokenError:
            return None
        return form["client_id"] if claims.get("iss") == claims.get("sub") == form["client_id"] else None

    def fail_next(self, status: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                  times: int = 1) -> None:
        with self.lock:
            self.failures.extend([(status, body or {}, headers or {})] * times)

    def activities(self) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.path.endswith("/activities") or "/activities/" in r.path]

    def wait_for(self, count: int, timeout: float = 5.0,
                 what: Callable[[StandIn], list[Recorded]] | None = None) -> list[Recorded]:
        """Replies go out after the HTTP answer: wait (briefly) until `count` have arrived."""
        what = what or StandIn.activities
        deadline = time.monotonic() + timeout
        while len(found := what(self)) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return found

    # The ASGI app -------------------------------------------------------------------------------------

    def app(self) -> Starlette:
        async def metadata(request: Request) -> Response:
            doc = fixture("botframework_openid_configuration.json")
            doc["jwks_uri"] = f"{self.url}/botframework/v1/keys"
            return JSONResponse(doc)

        async def keys(request: Request) -> Response:
            with self.lock:
                self.key_fetches += 1
                return JSONResponse({"keys": [k.jwk() for k in self.keys]})

        async def tenant_discovery(request: Request) -> Response:
            tenant = request.path_params["tenant"]
            base = f"{self.url}/{tenant}"
            return JSONResponse({"issuer": f"{base}/v2.0", "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                                 "token_endpoint": f"{base}/oauth2/v2.0/token",
                                 "token_endpoint_auth_methods_supported": ["client_secret_post"]})

        async def token(request: Request) -> Response:
            form = dict(parse_qsl((await request.body()).decode()))
            tenant = request.path_params["tenant"]
            with self.lock:
                self.token_requests.append({**{k: str(v) for k, v in form.items()}, "tenant": tenant})
            app_id = self._signed_in(tenant, form, f"{self.url}/{tenant}/oauth2/v2.0/token")
            if app_id is None:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            body = fixture("aad_token_response.json")
            body["access_token"] = f"stand-in-token-{len(self.token_requests)}"
            with self.lock:
                self.issued[body["access_token"]] = app_id
            return JSONResponse(body)

        async def connector(request: Request) -> Response:
            body = json.loads(await request.body() or b"{}")
            with self.lock:
                failure = self.failures.pop(0) if self.failures else None
                new_id = None if failure else f"1700000000{next(self._ids):03d}"
                self.requests.append(Recorded(request.method, request.url.path, body,
                                              request.headers.get("authorization"), new_id))
            if failure is not None:
                status, payload, headers = failure
                return JSONResponse(payload, status_code=status, headers=headers)
            if request.url.path.rstrip("/").endswith("/v3/conversations"):
                return JSONResponse(fixture("create_conversation_response.json"), status_code=201)
            return JSONResponse({"id": new_id}, status_code=201 if request.method == "POST" else 200)

        return Starlette(routes=[
            Route("/botframework/v1/.well-known/openidconfiguration", metadata),
            Route("/botframework/v1/keys", keys),
            Route("/{tenant}/v2.0/.well-known/openid-configuration", tenant_discovery),
            Route("/{tenant}/oauth2/v2.0/token", token, methods=["POST"]),
            Route("/connector/{rest:path}", connector, methods=["POST", "PUT"]),
            # Where the Agents Playground takes replies (its serviceUrl is http://localhost:PORT/_connector).
            Route("/_connector/{rest:path}", connector, methods=["POST", "PUT"]),
        ])


def mint(key: SigningKey, *, service_url: str, audience: str = APP_ID,
         issuer: str = "https://api.botframework.com", lifetime: int = 3600, not_before: int = -60,
         kid: str | None = None, **claims: Any) -> str:
    """A channel token as the Bot Framework would sign it."""
    now = int(time.time())
    payload = {"iss": issuer, "aud": audience, "serviceurl": service_url, "nbf": now + not_before,
               "exp": now + lifetime, "iat": now + not_before, **claims}
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers={"kid": kid or key.kid})


def app_certificate(name: str) -> tuple[str, x509.Certificate]:
    """A self-signed certificate with its private key, as an operator uploads it to an app registration and
    keeps the PEM (key + certificate) for the bot."""
    now = dt.datetime.now(dt.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM)
    return pem.decode(), cert
