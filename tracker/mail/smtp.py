"""Hand a message to the SMTP server (STARTTLS, implicit TLS or plain, as configured).

The password comes from the environment variable the config names, never from the file. Any
failure is raised as ``DeliveryError`` with one line that says what failed, so the caller can
leave the message in the outbox and retry later; nothing here retries on its own.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from tracker.config import SmtpConfig


class DeliveryError(Exception):
    """The server did not accept the message (or could not be reached)."""


def send(
    smtp: SmtpConfig,
    message: EmailMessage,
    recipients: tuple[str, ...],
    *,
    ssl_context: ssl.SSLContext | None = None,
) -> dict[str, tuple[int, bytes]]:
    """Send ``message`` to ``recipients``; returns the recipients the server refused.

    Accepted by the server for at least one recipient counts as sent (SMTP semantics): the
    refused ones are returned so the caller can log them.
    """
    where = f"SMTP {smtp.host}:{smtp.port}"
    password = smtp.password()
    if smtp.username and password is None:
        raise DeliveryError(
            f"{where}: username {smtp.username!r} is set but the environment variable "
            f"{smtp.password_env or '(email.smtp.password_env not set)'} holds no password"
        )
    context = ssl_context or ssl.create_default_context()
    sender = str(message["From"])
    try:
        client: smtplib.SMTP
        if smtp.security == "tls":
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=context
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
        with client:
            client.ehlo()
            if smtp.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if smtp.username and password is not None:
                client.login(smtp.username, password)
            return client.send_message(message, from_addr=sender, to_addrs=list(recipients))
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"{where}: every recipient was refused: {_codes(exc)}") from exc
    except smtplib.SMTPResponseException as exc:
        raw = exc.smtp_error
        text = (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)).strip()
        raise DeliveryError(f"{where}: server said {exc.smtp_code} {text}") from exc
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"{where}: {exc.__class__.__name__}: {exc}") from exc
    except ssl.SSLError as exc:
        raise DeliveryError(f"{where}: TLS failed: {exc}") from exc
    except TimeoutError as exc:
        raise DeliveryError(f"{where}: timed out after {smtp.timeout_seconds:g} s") from exc
    except OSError as exc:
        raise DeliveryError(f"{where}: cannot connect: {exc.strerror or exc}") from exc


def _codes(exc: smtplib.SMTPRecipientsRefused) -> str:
    return "; ".join(f"{addr}: {code}" for addr, (code, _msg) in exc.recipients.items())
