"""moto's own server, with one addition: IAM's clock can be moved.

moto stamps every IAM user, access key and MFA device with the current time
and has no way to create one in the past. The status rules turn on a user's
age (grace period), so the tests, the demo and the benchmark need users that
are days or years old. This starts exactly what `moto_server` starts and adds
one control route:

    POST /_awssec/clock   {"offset_seconds": -34560000}

after which IAM's clock reads the real time plus the offset, until the next
call (offset 0 restores it). Nothing else of moto is changed.

It also ends when the process that started it ends, however that ends: a
test worker that keeps one server for all its files cannot leave it behind.

Usage: python3 moto_server.py -H 127.0.0.1 -p PORT
"""

import json
import os
import sys
import threading
import time
from datetime import timedelta

try:
    import moto.iam.models as iam_models
    from moto.core.utils import utcnow
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import run_simple
except ImportError as error:  # CI must fail loudly, never skip
    sys.exit(f"moto is not installed for {sys.executable} ({error}): pip install 'moto[server]'")

_offset = timedelta(0)


def _shifted_utcnow():
    return utcnow() + _offset


# IAM's models look utcnow up in their module globals on every call.
iam_models.utcnow = _shifted_utcnow


def _with_clock_route(app):
    def wrapped(environ, start_response):
        global _offset
        if environ.get("PATH_INFO") == "/_awssec/clock" and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            _offset = timedelta(seconds=float(body.get("offset_seconds", 0)))
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"offset_seconds": _offset.total_seconds()}).encode()]
        return app(environ, start_response)

    return wrapped


def _exit_with_parent():
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main():
    import argparse

    _exit_with_parent()

    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))  # as moto_server does: some services put it in URLs
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, _with_clock_route(app), threaded=True)


if __name__ == "__main__":
    main()
