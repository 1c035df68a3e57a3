"""Servers the tests talk to, all on 127.0.0.1.

``public_inbox``: the real public-inbox server Debian ships, loaded with the
seed thread, the bundled example thread and (when the 2023 corpus is there)
two real threads that share a subject (:data:`SAME_SUBJECT`), as
../shared/LOCAL-LORE.md describes.  Started once per session, stopped by its PID at the end (also
when tests fail).

``fault_server``: a small HTTP server whose answers a test scripts (500,
429 with Retry-After, a cut-off gzip, a stalled body) to prove the lore
client's retries and errors.
"""

from __future__ import annotations

import gzip
import http.server
import lzma
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from regtrack.sources.mbox import split_mbox
from regtrack.sources.threadfilter import connected_to
from tests.paths import CORPUS_2023, EXAMPLE_THREAD, SEED_MBOX, in_ci, require

PI_TOOLS = ("public-inbox-init", "public-inbox-mda", "public-inbox-httpd")

# "linux-next: build failure after merge of the drm tree", twice in the 2023
# corpus: a January report with its reply, and an unrelated April report with
# the regression tracker's follow-up and its answer.  public-inbox's
# t.mbox.gz joins messages that share a subject.
SAME_SUBJECT = {
    "january": ("20230119131222.4b7697c1@canb.auug.org.au", "Y8nBDk/CRozNvkQs@intel.com"),
    "april": (
        "20230411164714.2ce79bcb@canb.auug.org.au",
        "872f3ba1-1771-2ef4-1353-4cadd92eb5e1@leemhuis.info",
        "87y1mexm0c.fsf@mail.concordia",
    ),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PublicInbox:
    base_url: str
    inbox_dir: Path
    pid: int


def _deliver(data: bytes, env: dict[str, str]) -> None:
    subprocess.run(
        ["public-inbox-mda", "--no-precheck"],
        input=data,
        env={**env, "ORIGINAL_RECIPIENT": "all@example.invalid"},
        check=True,
        capture_output=True,
    )


def _load_mbox(path: Path, env: dict[str, str]) -> int:
    count = 0
    with open(path, "rb") as handle:
        for mail in split_mbox(handle, str(path)):
            _deliver(mail.data, env)
            count += 1
    return count


def _load_same_subject_threads(env: dict[str, str]) -> None:
    """Copy the SAME_SUBJECT messages from the corpus into the inbox, when it is there."""
    if not CORPUS_2023.exists():
        return
    with lzma.open(CORPUS_2023) as corpus:
        mails = list(split_mbox(corpus, str(CORPUS_2023)))
    for ids in SAME_SUBJECT.values():
        thread = connected_to(mails, ids[0])
        assert len(thread) == len(ids), f"the corpus no longer holds the thread of {ids[0]}"
        for mail in thread:
            _deliver(mail.data, env)


@pytest.fixture(scope="session")
def public_inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicInbox]:
    missing = [tool for tool in PI_TOOLS if shutil.which(tool) is None]
    if missing:
        message = (
            f"public-inbox is not installed ({', '.join(missing)}); apt-get install public-inbox"
        )
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    require(SEED_MBOX, "the seed thread")
    root = tmp_path_factory.mktemp("public-inbox")
    env = {
        **os.environ,
        "PI_CONFIG": str(root / "config"),
        "HOME": str(root / "home"),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    (root / "home").mkdir()
    inbox = root / "all"
    subprocess.run(
        [
            "public-inbox-init",
            "-V2",
            "-L",
            "medium",
            "all",
            str(inbox),
            "http://127.0.0.1/all/",
            "all@example.invalid",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["git", "config", "-f", env["PI_CONFIG"], "publicinboxmda.spamcheck", "none"],
        env=env,
        check=True,
    )
    _load_mbox(SEED_MBOX, env)
    _load_mbox(EXAMPLE_THREAD, env)
    _load_same_subject_threads(env)
    port = free_port()
    log = open(root / "httpd.log", "wb")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        ["public-inbox-httpd", "-W0", "-l", f"http://127.0.0.1:{port}"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}/all/"
    try:
        _wait_until_serving(base_url, proc, root / "httpd.log")
        yield PublicInbox(base_url=base_url, inbox_dir=inbox, pid=proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _wait_until_serving(base_url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"public-inbox-httpd exited: {log.read_text()[-2000:]}")
        try:
            requests.get(base_url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError(f"public-inbox-httpd did not answer at {base_url} within 30s")


# -- a scripted fault server ------------------------------------------------


@dataclass
class Answer:
    """One scripted reply: status, body, headers; ``stall`` seconds mid-body."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0
    trickle: float = 0.0  # seconds between single bytes of the body


class FaultServer:
    def __init__(self) -> None:
        self.script: list[Answer] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server.lock:
                    server.requests.append((self.path, dict(self.headers)))
                    answer = server.script.pop(0) if server.script else Answer(404)
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                try:
                    if answer.stall:
                        self.wfile.write(answer.body[:10])
                        self.wfile.flush()
                        time.sleep(answer.stall)
                        self.wfile.write(answer.body[10:])
                    elif answer.trickle:
                        for index in range(len(answer.body)):
                            self.wfile.write(answer.body[index : index + 1])
                            self.wfile.flush()
                            time.sleep(answer.trickle)
                    else:
                        self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/all/"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    server = FaultServer()
    yield server
    server.stop()


def gzipped_mbox(path: Path) -> bytes:
    """An mbox file as a public-inbox ``t.mbox.gz`` answer."""
    return gzip.compress(path.read_bytes())


def mbox_messages(path: Path) -> list[bytes]:
    with open(path, "rb") as handle:
        return [mail.data for mail in split_mbox(handle, str(path))]
