"""Reading an inbound message: headers, the text in any charset (HTML-only mail converted to
text), the attachments, whether it is automatic mail, and the new text of a reply (quotes and
signatures stripped by mail-parser-reply). No decision here: mail.inbound decides what it does."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parseaddr
from html.parser import HTMLParser

import nh3
from mailparser_reply import EmailMessage as ReplyText

from tickets import notifications
from tickets import reply_addresses as addresses

_REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "cs"]
# Lines where a quoted history starts that mail-parser-reply does not know (Portuguese clients,
# and the line our own notifications start with).
_QUOTE_STARTS = re.compile(
    r"^(>\s*)?(Answer above this line to add to [A-Z]+-\d+"
    r"|Em .{5,200}escreveu:\s*$"
    r"|-{2,}\s*Mensagem original\s*-{2,}"
    r"|De:\s.+<?[^@\s]+@[^@\s]+>?\s*$)",
    re.MULTILINE,
)


@dataclass
class ParsedMail:
    """What the rules need from a message, decoded."""

    message_id: str
    sender: str
    sender_name: str
    subject: str
    recipients: list[str]
    text: str
    html: str
    automatic: str  # why this is automatic mail, or ""
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)


# --- decoding ---------------------------------------------------------------------------------


def _charset(part: Message) -> str:
    """The part's charset; ISO-8859-1 is read as Windows-1252, its superset, as browsers do."""
    charset = (part.get_content_charset() or "us-ascii").lower()
    return (
        "cp1252" if charset in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii") else charset
    )


def decode_part(part: Message) -> str:
    """The part's text in any transfer encoding and charset; unknown charsets fall back to UTF-8
    and then Windows-1252, so a mislabelled message is still read, never a crash."""
    payload = part.get_payload(decode=True) or b""
    for charset in (_charset(part), "utf-8"):
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("cp1252", errors="replace")


class _TextFromHtml(HTMLParser):
    """Readable text from HTML: block elements break lines, quoted blocks get "> "."""

    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote = 0
        self.skip = 0

    def _newline(self) -> None:
        if self.lines[-1].strip():
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self.skip += 1
        elif tag == "blockquote":
            self._newline()
            self.quote += 1
        elif tag in self.BLOCKS:
            self._newline()
            if tag == "li":
                self.lines[-1] = "- "

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self._newline()
            self.quote = max(0, self.quote - 1)
        elif tag in self.BLOCKS:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = re.sub(r"\s+", " ", data)
        if not self.lines[-1]:
            text = text.lstrip()
            if not text:
                return
            self.lines[-1] = "> " * self.quote
        self.lines[-1] += text

    def text(self) -> str:
        return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in self.lines)).strip()


def html_to_text(html: str) -> str:
    """Plain text of an HTML-only message (quoted blocks marked so they are stripped)."""
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    return parser.text()


def latest_reply(text: str) -> str:
    """The new text of a reply: quoted history and signatures stripped (mail-parser-reply)."""
    match = _QUOTE_STARTS.search(text)
    if match:
        text = text[: match.start()]
    # The first reply's body without its signature; lines starting with "- " are lists, kept.
    parsed = ReplyText(text=text, languages=_REPLY_LANGUAGES, keep_hyphen_lists=True).read()
    return parsed.replies[0].body.strip() if parsed.replies else ""


def _automatic(msg: Message) -> str:
    """Why the message is automatic (auto-reply, bounce, list), or "" for a person's mail."""
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(msg.get("Precedence", "")).strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id"):
        if msg.get(name) is not None:
            return f"{name} present"
    if msg.get_content_type() == "multipart/report":
        return "a delivery or read report (multipart/report)"
    if "Return-Path" in msg and str(msg["Return-Path"]).strip() in ("<>", ""):
        return "empty return path (a bounce)"
    sender = parseaddr(str(msg.get("From", "")))[1].lower()
    if sender.split("@")[0] in ("mailer-daemon", "postmaster"):
        return f"sent by {sender}"
    return ""


def _message_id(msg: Message, raw: bytes) -> str:
    """The Message-ID, or a digest of the message for mail that has none (still handled once)."""
    value = " ".join(str(msg.get("Message-ID", "") or "").split())
    if value and len(value) <= 250:
        return value
    return f"sha256:{hashlib.sha256(raw).hexdigest()}"


def _nul_free(text: str) -> str:
    """Without NUL characters, which no PostgreSQL text column takes."""
    return text.replace("\x00", "")


def parse(raw: bytes) -> ParsedMail:
    """Decode the message: headers, the text (HTML-only mail converted), attachments."""
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    modern: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)
    name, sender = parseaddr(str(modern.get("From", "") or ""))
    text = html = ""
    attachments: list[tuple[str, str, bytes]] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename()
        if disposition == "attachment" or filename or not ctype.startswith("text/"):
            if ctype not in ("message/delivery-status",):
                attachments.append(
                    (str(filename or "attachment"), ctype, part.get_payload(decode=True) or b"")
                )
            continue
        if ctype == "text/plain" and not text:
            text = decode_part(part)
        elif ctype == "text/html" and not html:
            html = decode_part(part)
    if not text and html:
        text = html_to_text(html)
    recipients = addresses.addresses_in(
        *(
            str(h)
            for key in ("Delivered-To", "X-Original-To", "To", "Cc")
            for h in (modern.get_all(key) or [])
        )
    )
    return ParsedMail(
        message_id=_nul_free(_message_id(msg, raw)),
        sender=_nul_free(sender.strip()),
        sender_name=_nul_free(name),
        subject=_nul_free(notifications.clean_header(str(modern.get("Subject", "") or ""), 250)),
        recipients=[_nul_free(r) for r in recipients],
        text=_nul_free(text.replace("\r\n", "\n").strip()),
        html=_nul_free(nh3.clean(html)) if html else "",
        automatic=_automatic(msg),
        attachments=attachments,
    )


# --- rules ------------------------------------------------------------------------------------


def headers_only(raw: bytes) -> tuple[str, str, str]:
    """Message-ID, sender and subject of a message read from its headers alone (one too large
    to parse whole)."""
    msg = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    return (
        _message_id(msg, raw),
        parseaddr(str(msg.get("From", "")))[1][:255],
        notifications.clean_header(str(msg.get("Subject", "")), 250),
    )
