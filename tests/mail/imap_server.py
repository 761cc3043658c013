"""A real IMAP server for the tests: Debian's dovecot, started with its own config in a temporary
folder (loopback port, passwd-file login, maildirs there; no system service)."""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ImapServer:
    host: str
    port: int
    root: Path
    process: subprocess.Popen | None = None

    def add_user(self, username: str, password: str) -> None:
        with (self.root / "passwd").open("a") as f:
            f.write(f"{username}:{{PLAIN}}{password}::::::\n")

    def client(self, username: str, password: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(username, password)
        return client

    def append(self, username: str, password: str, raw: bytes, folder: str = "INBOX") -> None:
        client = self.client(username, password)
        try:
            client.create(folder)  # an existing folder answers NO: fine
            status, _ = client.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            assert status == "OK"
        finally:
            client.logout()

    def flags(self, username: str, password: str, folder: str = "INBOX") -> list[str]:
        """The flags of each message in the folder, in order."""
        client = self.client(username, password)
        try:
            client.select(folder, readonly=True)
            _, data = client.fetch("1:*", "(FLAGS)")
            return [d.decode() for d in data if d]
        except imaplib.IMAP4.error:
            return []
        finally:
            client.logout()

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGTERM)
            self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> ImapServer:
    """Start dovecot on a free loopback port; as root, mail is stored as `nobody`."""
    root = Path(tempfile.mkdtemp(prefix="mail-imap-"))
    root.chmod(0o755)
    port = _free_port()
    if os.geteuid() == 0:
        mail_user = pwd.getpwnam("nobody")
        internal, login = "dovecot", "dovenull"
    else:
        mail_user = pwd.getpwuid(os.geteuid())
        internal = login = mail_user.pw_name
    (root / "mail").mkdir()
    os.chown(root / "mail", mail_user.pw_uid, mail_user.pw_gid)
    (root / "passwd").write_text("")
    (root / "passwd").chmod(0o644)
    config = root / "dovecot.conf"
    config.write_text(
        f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = mail-tests-{port}
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {mail_user.pw_uid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""
    )
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)])  # noqa: S603
    server = ImapServer("127.0.0.1", port, root, process)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot exited: {log}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("dovecot did not listen in time")
