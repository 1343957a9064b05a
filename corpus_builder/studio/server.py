"""Start a local Label Studio (pip package ``label-studio``, the ``studio`` extra) for one researcher.

``start_server`` runs ``label-studio start`` bound to 127.0.0.1 (``--internal-host``) with its
SQLite database and media under ``data_dir``, creates the user and a legacy API token on first
start (through Label Studio's own ``LABEL_STUDIO_USERNAME`` / ``LABEL_STUDIO_PASSWORD`` /
``LABEL_STUDIO_USER_TOKEN`` variables, passed in the child's environment, never on its command
line), disables sign-up without an invite link, turns off every call to outside hosts that Label
Studio can switch off (error reports, analytics, the version check: :data:`NO_OUTSIDE_CALLS_ENV`),
and waits until ``/health`` answers and the token is accepted.

Credentials: taken from those variables when set, else generated once and kept in
``<data_dir>/corpus-builder/`` (``username``, ``password``, ``api-key``; files readable by the owner
only) so that the next start reuses them. Legacy tokens are enabled for the organisation
(``--enable-legacy-api-token``) because Label Studio ≥ 1.20 otherwise only issues personal
access tokens (JWT), which cannot be pre-set; the SDK accepts both kinds.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, StudioError

HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_USERNAME = "researcher@localhost.local"
CREDENTIALS_DIR = "corpus-builder"
#: Seconds to wait for a fresh server (migrations on first start take 30-90 s on 2 cores).
DEFAULT_START_TIMEOUT = 240.0

#: Label Studio's switches for calls to outside hosts, all turned off for the local server (read in
#: label-studio 1.23.2, ``label_studio/core/settings/base.py`` and ``label_studio.py``; each is read
#: with ``get_env``, which looks at ``LABEL_STUDIO_<NAME>`` first, so these win over a bare
#: ``<NAME>`` or ``HEARTEX_<NAME>`` in the caller's environment):
#:
#: - ``SENTRY_DSN``: server error reports (default: a DSN at ``o227124.ingest.sentry.io``;
#:   ``core/utils/sentry.py`` starts sentry_sdk only when it is set);
#: - ``FRONTEND_SENTRY_DSN``: browser error reports (``templates/base.html`` then loads no
#:   ``browser.sentry-cdn.com`` bundle and sends ``sentry_dsn: null`` to the front end);
#: - ``COLLECT_ANALYTICS``: usage telemetry (``core/utils/contextlog.py`` posts to
#:   ``tele.labelstud.io``), the Google Tag Manager script and the ``labelstud.io/track`` iframe of
#:   the login and sign-up pages (``users/templates/users/new-ui/user_base.html``);
#: - ``LATEST_VERSION_CHECK``: a request to ``pypi.org`` each time the package is loaded
#:   (``core/utils/common.py``).
#:
#: Feature flags are already offline (``FEATURE_FLAGS_OFFLINE``, a local file with
#: ``send_events=False``). Not switchable in 1.23.2: the login page's tips ask the server's
#: ``/heidi-tips``, which fetches them from ``raw.githubusercontent.com`` (and falls back to
#: built-in tips when that fails); links shown to the user (documentation, pricing) are links,
#: not calls.
NO_OUTSIDE_CALLS_ENV = {
    "LABEL_STUDIO_SENTRY_DSN": "",
    "LABEL_STUDIO_FRONTEND_SENTRY_DSN": "",
    "LABEL_STUDIO_COLLECT_ANALYTICS": "false",
    "LABEL_STUDIO_LATEST_VERSION_CHECK": "false",
}


@dataclass
class LocalServer:
    """A running local Label Studio: ``url``, ``username``, where its password and key are kept,
    its log file and process. ``api_key`` is held in memory for the caller; never print it."""

    url: str
    port: int
    data_dir: Path
    username: str
    credentials_dir: Path
    log_path: Path
    process: subprocess.Popen
    api_key: str

    def __repr__(self) -> str:  # keep the key out of reprs, tracebacks and logs
        return f"LocalServer(url={self.url!r}, data_dir={str(self.data_dir)!r}, username={self.username!r}, pid={self.process.pid})"

    def stop(self, timeout: float = 20.0) -> None:
        """Terminate the server's process group (SIGTERM, then SIGKILL after ``timeout`` seconds)."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)
        except ProcessLookupError:
            pass


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        return s.connect_ex((HOST, port)) == 0


def _secret_file(path: Path, make: str) -> str:
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(make + "\n")
    return make


def _credentials(data_dir: Path) -> tuple[str, str, str, Path]:
    cdir = data_dir / CREDENTIALS_DIR
    username = os.environ.get("LABEL_STUDIO_USERNAME") or _secret_file(cdir / "username", DEFAULT_USERNAME)
    password = os.environ.get("LABEL_STUDIO_PASSWORD") or _secret_file(cdir / "password", secrets.token_urlsafe(12))
    token = os.environ.get("LABEL_STUDIO_USER_TOKEN") or _secret_file(cdir / "api-key", secrets.token_hex(20))
    if len(token) <= 5:
        raise ConfigError("LABEL_STUDIO_USER_TOKEN must be longer than 5 characters (Label Studio ignores shorter tokens)")
    return username, password, token, cdir


def _label_studio_executable() -> list[str]:
    exe = Path(sys.executable).with_name("label-studio")
    if exe.is_file():
        return [str(exe)]
    found = shutil.which("label-studio")
    if found:
        return [found]
    raise ConfigError("the `label-studio` server is not installed: pip install -e '.[studio]' from the corpus-builder clone (or pip install label-studio)")


def start_server(data_dir: Path | str, port: int = DEFAULT_PORT, timeout: float = DEFAULT_START_TIMEOUT) -> LocalServer:
    """Start Label Studio on ``http://127.0.0.1:<port>`` with its data under ``data_dir``; return
    once healthy and the API token works.

    Raises :class:`ConfigError` if the port is taken or label-studio is not installed, and
    :class:`StudioError` (naming the log file) if the server exits or is not healthy within
    ``timeout`` seconds; the process is stopped in that case.
    """
    data_dir = Path(data_dir).absolute()
    data_dir.mkdir(parents=True, exist_ok=True)
    if _port_in_use(port):
        raise ConfigError(f"port {port} on {HOST} is already in use; pass another --port (or point --url at the server already there)")
    username, password, token, cdir = _credentials(data_dir)
    url = f"http://{HOST}:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("HOST", "LABEL_STUDIO_HOST", "HEARTEX_HOST", "PORT", "LABEL_STUDIO_PORT")}
    env.update(
        LABEL_STUDIO_USERNAME=username,
        LABEL_STUDIO_PASSWORD=password,
        LABEL_STUDIO_USER_TOKEN=token,
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
        **NO_OUTSIDE_CALLS_ENV,
    )
    cmd = _label_studio_executable() + [
        "start", "--no-browser", "--internal-host", HOST, "--port", str(port), "--host", url,
        "--data-dir", str(data_dir), "--enable-legacy-api-token",
    ]  # fmt: skip
    log_path = data_dir / "label-studio.log"
    log = log_path.open("ab")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True, cwd=data_dir)
    log.close()
    server = LocalServer(url, port, data_dir, username, cdir, log_path, proc, token)
    try:
        wait_until_healthy(url, token, timeout=timeout, process=proc, log_path=log_path)
    except BaseException:
        server.stop()
        raise
    return server


def wait_until_healthy(url: str, api_key: str, timeout: float, process: subprocess.Popen | None = None, log_path: Path | None = None) -> None:
    """Poll ``<url>/health`` (every second, up to ``timeout`` seconds), then check that ``api_key``
    is accepted by ``/api/current-user/whoami``. Raises :class:`StudioError` otherwise."""
    deadline = time.monotonic() + timeout
    where = f" (see {log_path})" if log_path else ""
    while True:
        if process is not None and process.poll() is not None:
            raise StudioError(f"Label Studio exited with code {process.returncode} before it was ready{where}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as r:
                if json.loads(r.read() or b"{}").get("status") == "UP":
                    break
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise StudioError(f"Label Studio at {url} was not healthy after {timeout:.0f} s{where}")
        time.sleep(1.0)
    req = urllib.request.Request(f"{url}/api/current-user/whoami", headers={"Authorization": f"Token {api_key}"})
    try:
        urllib.request.urlopen(req, timeout=15).close()
    except urllib.error.HTTPError as e:
        raise StudioError(
            f"Label Studio at {url} is up but refused the API token (HTTP {e.code}); if this data folder was created with another "
            "token, set LABEL_STUDIO_USER_TOKEN to it or use a new --data-dir"
        ) from None
    except OSError as e:
        raise StudioError(f"Label Studio at {url} stopped answering while checking the API token ({e})") from None


def serve(data_dir: Path | str, port: int = DEFAULT_PORT, timeout: float = DEFAULT_START_TIMEOUT, echo=print) -> int:
    """Start the local server, print its URL and how to log in (never the key itself), and block
    until it exits or Ctrl-C/SIGTERM stops it; return the server's exit code (0 when stopped)."""

    def _interrupt(signum, frame):  # SIGTERM (and SIGINT even when inherited as ignored) stop the server too
        raise KeyboardInterrupt

    previous = {s: signal.signal(s, _interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        echo(f"Starting Label Studio on http://{HOST}:{port} (data in {Path(data_dir).absolute()}); first start takes a minute...")
        server = start_server(data_dir, port=port, timeout=timeout)  # stops its process itself if interrupted
        key_file = server.credentials_dir / "api-key"
        pw_file = server.credentials_dir / "password"
        echo(f"Label Studio is ready at {server.url}")
        login = f" with the password in {pw_file}" if not os.environ.get("LABEL_STUDIO_PASSWORD") else " with LABEL_STUDIO_PASSWORD"
        echo(f"  log in as {server.username}{login}")
        echo(f"  for push/pull: export LABEL_STUDIO_URL={server.url}")
        if not os.environ.get("LABEL_STUDIO_USER_TOKEN"):
            echo(f'                export LABEL_STUDIO_API_KEY="$(cat {key_file})"')
        else:
            echo("                export LABEL_STUDIO_API_KEY=<the LABEL_STUDIO_USER_TOKEN you set>")
        echo(f"  server log: {server.log_path}; stop with Ctrl-C")
        try:
            return server.process.wait()
        except KeyboardInterrupt:
            echo("stopping Label Studio...")
            server.stop()
            return 0
    except KeyboardInterrupt:
        return 0
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
