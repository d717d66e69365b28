"""SMTP delivery against a real aiosmtpd on 127.0.0.1: STARTTLS, implicit TLS, login, refusals."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.email_fixtures import Collector, free_port
from tracker.config import SmtpConfig
from tracker.mail.smtp import DeliveryError, send


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made here (nothing fetched)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _server_ctx(cert: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*cert)
    return ctx


def _client_ctx(cert: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.load_verify_locations(cafile=str(cert[0]))
    return ctx


class Auth:
    def __init__(self) -> None:
        self.seen: list[tuple[bytes, bytes]] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.seen.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")


def _run(controller: Controller) -> Iterator[Controller]:
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = "Case review compliance"
    msg["From"] = "tracker@example.org"
    msg["To"] = "a@example.org"
    msg.set_content("hello")
    return msg


def test_starttls_with_a_password_from_the_environment(
    cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, auth, port = Collector(), Auth(), free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        loop=asyncio.new_event_loop(),
        tls_context=_server_ctx(cert),
        require_starttls=True,
        authenticator=auth,
        auth_required=True,
    )
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    smtp = SmtpConfig(
        host="127.0.0.1",
        port=port,
        security="starttls",
        username="tracker",
        password_env="TEST_SMTP_PASSWORD",
        timeout_seconds=5,
    )
    for _ in _run(controller):
        refused = send(smtp, _message(), ("a@example.org",), ssl_context=_client_ctx(cert))
    assert refused == {}
    assert auth.seen == [(b"tracker", b"s3cret")]
    assert [m.recipients for m in handler.messages] == [["a@example.org"]]


def test_implicit_tls(cert: tuple[Path, Path]) -> None:
    handler, port = Collector(), free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        loop=asyncio.new_event_loop(),
        ssl_context=_server_ctx(cert),
    )
    smtp = SmtpConfig("127.0.0.1", port, "tls", timeout_seconds=5)
    for _ in _run(controller):
        send(smtp, _message(), ("a@example.org",), ssl_context=_client_ctx(cert))
    assert len(handler.messages) == 1


def test_an_untrusted_certificate_is_refused(cert: tuple[Path, Path]) -> None:
    port = free_port()
    controller = Controller(
        Collector(),
        hostname="127.0.0.1",
        port=port,
        loop=asyncio.new_event_loop(),
        ssl_context=_server_ctx(cert),
    )
    smtp = SmtpConfig("127.0.0.1", port, "tls", timeout_seconds=5)
    for _ in _run(controller):
        with pytest.raises(DeliveryError, match="TLS failed"):
            send(smtp, _message(), ("a@example.org",))  # the system's CAs do not know it


def test_a_missing_password_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_SMTP_PASSWORD", raising=False)
    smtp = SmtpConfig("127.0.0.1", free_port(), "none", "tracker", "TEST_SMTP_PASSWORD", 5)
    with pytest.raises(DeliveryError, match="TEST_SMTP_PASSWORD holds no password"):
        send(smtp, _message(), ("a@example.org",))


def test_nothing_listening_is_a_connect_failure() -> None:
    smtp = SmtpConfig("127.0.0.1", free_port(), "none", timeout_seconds=5)
    with pytest.raises(DeliveryError, match="cannot connect"):
        send(smtp, _message(), ("a@example.org",))


class Refuser(Collector):
    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("gone"):
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_refused_recipients_are_reported() -> None:
    handler, port = Refuser(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop())
    smtp = SmtpConfig("127.0.0.1", port, "none", timeout_seconds=5)
    for _ in _run(controller):
        refused = send(smtp, _message(), ("a@example.org", "gone@example.org"))
        assert list(refused) == ["gone@example.org"]
        with pytest.raises(DeliveryError, match="every recipient was refused"):
            send(smtp, _message(), ("gone@example.org",))
    assert [m.recipients for m in handler.messages] == [["a@example.org"]]
