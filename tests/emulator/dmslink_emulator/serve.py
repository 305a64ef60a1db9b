"""Process entry: bind, install extensions, announce the port, serve until signalled."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import ssl
import sys
import threading
import time
import urllib.request
from typing import Any

HOST = "127.0.0.1"
# Backends created before the port is announced, so that the first real call
# of a test does not pay for moto's imports ...
WARM_SERVICES = ("dms", "sts", "s3", "dynamodb", "iam")
# ... and the slow ones (EC2 alone is ~0.6 s), created right after it.
LATE_WARM_SERVICES = ("ec2", "rds")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="server.py", description="dmslink's local AWS emulator (moto + extensions)"
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1; 0 picks a free one")
    parser.add_argument(
        "--port-file",
        help="write the port here (atomically) once the server answers requests",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--strict", dest="strict", action="store_true", default=None,
                      help="AWS's ordering errors and existence checks (default)")
    mode.add_argument("--lenient", dest="strict", action="store_false",
                      help="moto-like permissiveness: no existence/state refusals")
    parser.add_argument(
        "--faults",
        metavar="JSON_OR_FILE",
        help="fault rules active from the start (a rule or a list, inline JSON or a file; "
        "default $DMSLINK_EMU_FAULTS); POST /_dmslink/reset restores them",
    )
    parser.add_argument(
        "--fault-seed",
        type=int,
        metavar="N",
        help="seed of the probabilistic fault rules (default $DMSLINK_EMU_FAULT_SEED or 0)",
    )
    parser.add_argument(
        "--eventual-consistency",
        type=float,
        metavar="SECONDS",
        help="window after a create in which the new object is not found yet (default "
        "$DMSLINK_EMU_EVENTUAL_CONSISTENCY_SECONDS or 0 = off; see consistency.py)",
    )
    parser.add_argument(
        "--tls-dir",
        default=os.environ.get("DMSLINK_EMU_TLS_DIR") or None,
        metavar="DIR",
        help="also serve HTTPS with a CA made at start-up: DIR/ca.pem, DIR/tls-port "
        "(default $DMSLINK_EMU_TLS_DIR; see tls_listener.py)",
    )
    parser.add_argument("--access-log", action="store_true", help="log every HTTP request to stderr")
    parser.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started this one goes away",
    )
    return parser.parse_args(argv)


def _write_port_file(path: str, port: int) -> None:
    from .atomic_file import write_atomically

    write_atomically(path, f"{port}\n".encode())


def _remove_port_file(path: str, port: int) -> None:
    try:
        with open(path) as f:
            if f.read().strip() == str(port):
                os.unlink(path)
    except OSError:
        pass


def _wait_ready(port: int, timeout: float = 30.0, ca_file: str | None = None) -> None:
    deadline = time.monotonic() + timeout
    scheme = "https" if ca_file else "http"
    url = f"{scheme}://{HOST}:{port}/_dmslink/health"
    context = ssl.create_default_context(cafile=ca_file) if ca_file else None
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as resp:
                if resp.status == 200:
                    return
        except Exception as err:  # noqa: BLE001 - retried until the deadline
            last = err
        time.sleep(0.02)
    raise RuntimeError(f"emulator did not answer on {url}: {last}")


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    # Any region name works, not only the ones botocore knows.
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")

    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if not args.access_log:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from werkzeug.serving import make_server

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    from . import install
    from .config import CONFIG, ConfigError
    from .faults import load_startup_rules
    from .control import EmulatorApp

    try:
        CONFIG.load_env()
        if args.strict is not None:
            CONFIG.update({"strict": args.strict})
        if args.fault_seed is not None:
            CONFIG.update({"fault_seed": args.fault_seed})
        if args.eventual_consistency is not None:
            CONFIG.update({"eventual_consistency_seconds": args.eventual_consistency})
    except ConfigError as err:
        print(f"dmslink emulator: bad configuration: {err}", file=sys.stderr)
        return 2
    CONFIG.mark_startup()
    install()
    fault_spec = args.faults if args.faults is not None else os.environ.get("DMSLINK_EMU_FAULTS")
    if fault_spec:
        try:
            load_startup_rules(fault_spec)
        except ValueError as err:
            print(f"dmslink emulator: bad fault rules: {err}", file=sys.stderr)
            return 2

    dispatcher = DomainDispatcherApplication(create_backend_app)
    for service in WARM_SERVICES:
        dispatcher.app_instances[service] = create_backend_app(service)
    app = EmulatorApp(dispatcher)

    server = make_server(HOST, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.server_port
    os.environ["MOTO_PORT"] = str(port)  # moto calls itself on this port for a few services

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()

    if args.exit_with_parent:
        parent = os.getppid()

        def watch_parent() -> None:
            while not stop.is_set():
                if os.getppid() != parent:
                    stop.set()
                    return
                time.sleep(0.5)

        threading.Thread(target=watch_parent, daemon=True).start()

    try:
        _wait_ready(port)
    except RuntimeError as err:
        print(f"dmslink emulator: {err}", file=sys.stderr)
        server.shutdown()
        return 1

    tls_server = None
    if args.tls_dir:
        from . import tls_listener

        os.makedirs(args.tls_dir, exist_ok=True)
        cert_path, key_path = tls_listener.make_certificates(args.tls_dir)
        tls_server = make_server(
            HOST, 0, app, threaded=True, request_handler=MotoRequestHandler,
            ssl_context=tls_listener.ssl_context(cert_path, key_path),
        )
        threading.Thread(
            target=tls_server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        ).start()
        try:
            _wait_ready(tls_server.server_port, ca_file=os.path.join(args.tls_dir, tls_listener.CA_FILE))
        except RuntimeError as err:
            print(f"dmslink emulator: TLS listener: {err}", file=sys.stderr)
            server.shutdown()
            tls_server.shutdown()
            return 1
        tls_listener.write_port(args.tls_dir, tls_server.server_port)

    if args.port_file:
        _write_port_file(args.port_file, port)

    def warm_late() -> None:
        for service in LATE_WARM_SERVICES:
            with dispatcher.lock:
                if service in dispatcher.app_instances:
                    continue
            app_instance = create_backend_app(service)
            with dispatcher.lock:
                dispatcher.app_instances.setdefault(service, app_instance)

    threading.Thread(target=warm_late, daemon=True).start()
    print(
        f"dmslink emulator listening on http://{HOST}:{port} (strict={CONFIG.is_strict()})",
        flush=True,
    )

    while not stop.is_set():
        stop.wait(0.5)

    # Shut down; never take longer than ~1.5 s (the contract is 2 s).
    done = threading.Event()

    def shutdown() -> None:
        for srv in (server, tls_server):
            if srv is not None:
                srv.shutdown()
                srv.server_close()
        done.set()

    threading.Thread(target=shutdown, daemon=True).start()
    done.wait(1.5)
    if args.port_file:
        _remove_port_file(args.port_file, port)
    print("dmslink emulator stopped", flush=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
