"""Tests of keel_client (standard library only).

    python3 -m unittest discover -s clients/python -v
"""

import hashlib
import hmac
import io
import json
import math
import os
import re
import sys
import threading
import unittest
import urllib.error
import urllib.request
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Mapping, Optional, Tuple
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import example  # noqa: E402
import keel_client  # noqa: E402
from keel_client import (  # noqa: E402
    KeelClient,
    KeelError,
    Response,
    UrllibTransport,
    prediction,
    sign,
)

SECRET = "whsec_test_secret_0123456789"
# Cross-language vector, computed with Node's crypto:
#   node -e "const c=require('crypto');console.log(c.createHmac('sha256',
#     'whsec_test_secret_0123456789').update('1700000000.'+'{\"a\":1}').digest('hex'))"
NODE_VECTOR = "10fb0e5eb2c2204d471e7d252958fb5af663638b8d24fc8dc03090a74bcc366c"
LONG_SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

CREATED = {"predictionId": "p-1", "eventId": "e-1", "receivedAt": "2026-12-03T18:00:00.412Z"}


def error_body(status: int, code: str, message: str, details: Optional[list] = None) -> bytes:
    return json.dumps(
        {"error": {"status": status, "code": code, "message": message, "details": details or []}}
    ).encode()


def ok(body: Any = None, headers: Optional[Dict[str, str]] = None) -> Response:
    return Response(201, headers or {}, json.dumps(CREATED if body is None else body).encode())


class FakeTransport:
    """Answers from a script; records every call. An exception in the script is raised."""

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.calls: List[Tuple[str, Dict[str, str], bytes, float]] = []

    def __call__(
        self, url: str, headers: Mapping[str, str], body: bytes, timeout: float
    ) -> Response:
        self.calls.append((url, dict(headers), body, timeout))
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step


class FakeClock:
    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def client_with(*script: Any, **kwargs: Any) -> Tuple[KeelClient, FakeTransport, List[float]]:
    """A client on a fake transport whose sleeps advance the fake clock."""
    transport = FakeTransport(*script)
    clock = FakeClock()
    sleeps: List[float] = []

    def sleep(s: float) -> None:
        sleeps.append(s)
        clock.now += max(s, 1.0)

    client = KeelClient(
        "http://keel.test:8090/",
        "key-1",
        LONG_SECRET,
        clock=clock,
        sleep=sleep,
        transport=transport,
        **kwargs,
    )
    return client, transport, sleeps


def verify(headers: Mapping[str, str], body: bytes, secret: str = LONG_SECRET) -> int:
    """Check a Keel-Signature the way the server does; return its timestamp."""
    m = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", headers["Keel-Signature"])
    assert m, headers["Keel-Signature"]
    t = m.group(1)
    expected = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, m.group(2)), "bad MAC"
    return int(t)


def one(**kw: Any) -> Dict[str, Any]:
    return prediction(
        "ma", "ma-1", "BTC/USDT:USDT", 0.25, horizon=3600, as_of="2026-12-03T18:00:00Z", **kw
    )


class SignTest(unittest.TestCase):
    def test_matches_the_node_vector(self) -> None:
        self.assertEqual(sign(SECRET, b'{"a":1}', 1700000000), f"t=1700000000,v1={NODE_VECTOR}")

    def test_signs_the_exact_bytes(self) -> None:
        self.assertNotEqual(sign(SECRET, b'{"a": 1}', 1700000000), sign(SECRET, b'{"a":1}', 1700000000))
        self.assertNotEqual(sign(SECRET, b'{"a":1}', 1700000001), sign(SECRET, b'{"a":1}', 1700000000))


class PredictionTest(unittest.TestCase):
    def test_builds_the_body(self) -> None:
        as_of = datetime(2026, 12, 3, 18, 0, 0, 412_999, tzinfo=timezone.utc)
        p = prediction("ma", "ma-1", "CME:ES", -0.5, horizon=900, as_of=as_of)
        self.assertEqual(
            p,
            {
                "modelId": "ma",
                "predictionId": "ma-1",
                "instrument": "CME:ES",
                "asOf": "2026-12-03T18:00:00.412Z",
                "horizon": 900,
                "kind": "signal",
                "value": -0.5,
            },
        )

    def test_optional_fields_and_kind(self) -> None:
        p = prediction("ma", "ma-1", "BTC/USDT:USDT", 2.5, kind="weight", horizon=60,
                       as_of="2026-12-03T18:00:00Z", confidence=0.8, ttl=120)
        self.assertEqual((p["kind"], p["confidence"], p["ttl"], p["asOf"]),
                         ("weight", 0.8, 120, "2026-12-03T18:00:00Z"))

    def test_as_of_converted_to_utc_and_defaults_to_now(self) -> None:
        paris = timezone(timedelta(hours=1))
        p = prediction("m", "i", "X", 0, horizon=1, as_of=datetime(2026, 12, 3, 19, 0, tzinfo=paris))
        self.assertEqual(p["asOf"], "2026-12-03T18:00:00.000Z")
        now = prediction("m", "i", "X", 0, horizon=1)["asOf"]
        self.assertRegex(now, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        parsed = datetime.strptime(now, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
        self.assertLess(abs((datetime.now(timezone.utc) - parsed).total_seconds()), 5)

    def test_refuses_non_finite_floats(self) -> None:
        for bad in (math.nan, math.inf, -math.inf):
            with self.assertRaises(ValueError):
                prediction("m", "i", "X", bad, horizon=1)
            with self.assertRaises(ValueError):
                prediction("m", "i", "X", 0.1, horizon=1, confidence=bad)

    def test_leaves_ranges_to_the_server(self) -> None:
        self.assertEqual(prediction("m", "i", "X", 7.0, horizon=1)["value"], 7.0)


class SendTest(unittest.TestCase):
    def test_sends_one_prediction_signed(self) -> None:
        client, transport, sleeps = client_with(ok())
        self.assertEqual(client.send(one()), CREATED)
        self.assertFalse(client.last_replayed)
        [(url, headers, body, timeout)] = transport.calls
        self.assertEqual(url, "http://keel.test:8090/v1/predictions")
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(headers["Keel-Key"], "key-1")
        self.assertEqual(verify(headers, body), 1_700_000_000)
        self.assertEqual(json.loads(body), one())
        self.assertNotIn(b" ", body)
        self.assertEqual(timeout, 10.0)
        self.assertEqual(sleeps, [])

    def test_sends_a_list_as_a_batch(self) -> None:
        answers = [dict(CREATED, predictionId="a"), dict(CREATED, predictionId="b")]
        client, transport, _ = client_with(ok({"predictions": answers}))
        self.assertEqual(client.send([one(), one()]), answers)
        self.assertEqual(json.loads(transport.calls[0][2]), {"predictions": [one(), one()]})

    def test_reports_replays(self) -> None:
        client, _, _ = client_with(ok(headers={"Idempotent-Replayed": "true"}), ok())
        client.send(one())
        self.assertTrue(client.last_replayed)
        client.send(one())
        self.assertFalse(client.last_replayed)

    def test_send_many_chunks(self) -> None:
        batches = [{"predictions": [CREATED] * n} for n in (2, 2, 1)]
        client, transport, _ = client_with(*[ok(b) for b in batches])
        self.assertEqual(len(client.send_many([one()] * 5, batch_size=2)), 5)
        self.assertEqual([len(json.loads(c[2])["predictions"]) for c in transport.calls], [2, 2, 1])
        with self.assertRaises(ValueError):
            client.send_many([one()], batch_size=1001)

    def test_rejects_other_types(self) -> None:
        client, _, _ = client_with()
        with self.assertRaises(TypeError):
            client.send("nope")  # type: ignore[arg-type]


class RetryTest(unittest.TestCase):
    def test_429_waits_retry_after_then_resends_the_same_body_re_signed(self) -> None:
        limited = Response(429, {"retry-after": "3"}, error_body(429, "rate_limited", "slow down"))
        client, transport, sleeps = client_with(limited, ok())
        with mock.patch.object(keel_client.json, "dumps", wraps=json.dumps) as dumps:
            self.assertEqual(client.send(one()), CREATED)
        self.assertEqual(dumps.call_count, 1)  # serialised once
        self.assertEqual(sleeps, [3.0])
        (_, h1, b1, _), (_, h2, b2, _) = transport.calls
        self.assertEqual(b1, b2)
        self.assertNotEqual(h1["Keel-Signature"], h2["Keel-Signature"])
        self.assertEqual(verify(h2, b2) - verify(h1, b1), 3)  # fresh timestamp

    def test_429_without_retry_after_waits_one_second(self) -> None:
        client, _, sleeps = client_with(Response(429, {}, b""), ok())
        client.send(one())
        self.assertEqual(sleeps, [1.0])

    def test_5xx_and_network_errors_back_off_exponentially(self) -> None:
        unavailable = Response(503, {}, error_body(503, "unavailable", "store unreachable"))
        client, transport, sleeps = client_with(
            urllib.error.URLError("connection refused"),
            TimeoutError("timed out"),
            unavailable,
            Response(502, {}, b"<html>bad gateway</html>"),
            ok(),
        )
        self.assertEqual(client.send(one()), CREATED)
        self.assertEqual(sleeps, [0.2, 0.4, 0.8, 1.6])
        self.assertEqual(len({c[2] for c in transport.calls}), 1)
        self.assertEqual(len({c[1]["Keel-Signature"] for c in transport.calls}), 5)

    def test_backoff_is_capped(self) -> None:
        client, _, sleeps = client_with(*([Response(500, {}, b"")] * 8 + [ok()]), max_retries=8)
        client.send(one())
        self.assertEqual(sleeps, [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0])

    def test_gives_up_after_max_retries(self) -> None:
        unavailable = Response(503, {}, error_body(503, "unavailable", "store unreachable"))
        client, transport, _ = client_with(*([unavailable] * 3), max_retries=2)
        with self.assertRaises(KeelError) as caught:
            client.send(one())
        self.assertEqual((caught.exception.status, caught.exception.code), (503, "unavailable"))
        self.assertEqual(len(transport.calls), 3)

    def test_network_failure_becomes_a_keel_error(self) -> None:
        client, transport, _ = client_with(*([ConnectionRefusedError("refused")] * 2), max_retries=1)
        with self.assertRaises(KeelError) as caught:
            client.send(one())
        self.assertIsNone(caught.exception.status)
        self.assertEqual(caught.exception.code, "network_error")
        self.assertEqual(len(transport.calls), 2)

    def test_never_retries_other_4xx(self) -> None:
        cases = [
            (400, "invalid_prediction", [{"path": "/value", "value": 1.5, "message": "a signal must be in [-1, 1]"}]),
            (401, "unauthenticated", []),
            (403, "forbidden_model", []),
            (409, "idempotency_conflict", [{"path": "/predictionId", "value": "ma-1", "message": "recorded with other content"}]),
            (422, "stale_prediction", []),
        ]
        for status, code, details in cases:
            with self.subTest(status=status):
                client, transport, sleeps = client_with(
                    Response(status, {}, error_body(status, code, "refused", details)), ok()
                )
                with self.assertRaises(KeelError) as caught:
                    client.send(one())
                e = caught.exception
                self.assertEqual((e.status, e.code, e.message, e.details), (status, code, "refused", details))
                self.assertEqual(len(transport.calls), 1)
                self.assertEqual(sleeps, [])

    def test_429_exhausted_carries_retry_after(self) -> None:
        limited = Response(429, {"Retry-After": "2"}, error_body(429, "rate_limited", "over rate"))
        client, _, _ = client_with(limited, max_retries=0)
        with self.assertRaises(KeelError) as caught:
            client.send(one())
        self.assertEqual(caught.exception.retry_after, 2.0)
        self.assertIn("retry after 2 s", str(caught.exception))


class ErrorTextTest(unittest.TestCase):
    def test_str_names_code_message_and_each_detail(self) -> None:
        e = KeelError(400, "invalid_prediction", "2 fields are invalid", [
            {"path": "/predictions/3/value", "value": 1.5, "message": "a signal must be in [-1, 1]"},
            {"path": "/predictions/4/horizon", "value": 0, "message": "must be >= 1"},
        ])
        text = str(e)
        for part in ("400", "invalid_prediction", "2 fields are invalid", "/predictions/3/value",
                     "1.5", "a signal must be in [-1, 1]", "/predictions/4/horizon", "must be >= 1"):
            self.assertIn(part, text)

    def test_non_json_error_body(self) -> None:
        client, _, _ = client_with(Response(404, {}, b"nothing here"))
        with self.assertRaises(KeelError) as caught:
            client.send(one())
        self.assertEqual((caught.exception.status, caught.exception.code), (404, "http_404"))


class SecretTest(unittest.TestCase):
    def test_secret_is_not_shown(self) -> None:
        client, _, _ = client_with(
            Response(401, {}, error_body(401, "unauthenticated", "bad MAC")),
            ConnectionResetError("reset"),
            max_retries=0,
        )
        self.assertNotIn(LONG_SECRET, repr(client))
        self.assertNotIn(LONG_SECRET, str(client))
        self.assertNotIn(LONG_SECRET, repr(vars(client)))
        self.assertIn("key-1", repr(client))
        for _ in range(2):
            with self.assertRaises(KeelError) as caught:
                client.send(one())
            self.assertNotIn(LONG_SECRET, str(caught.exception))
            self.assertNotIn(LONG_SECRET, repr(caught.exception))

    def test_secret_is_not_sent(self) -> None:
        client, transport, _ = client_with(ok())
        client.send(one())
        _, headers, body, _ = transport.calls[0]
        self.assertNotIn(LONG_SECRET, json.dumps(headers) + body.decode())


# ------------------------------------------------------------------ over real HTTP


class FakeKeel:
    """A tiny stand-in for prediction-ingest on http.server: verifies what arrives."""

    def __init__(self) -> None:
        self.received: List[Tuple[Dict[str, str], bytes]] = []
        self.limit_next = 0
        self.recorded: Dict[str, bytes] = {}
        self.closed = False
        keel = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k: v for k, v in self.headers.items()}
                keel.received.append((headers, body))
                if self.path != "/v1/predictions":
                    return self.answer(404, error_body(404, "not_found", "no such route"))
                if keel.limit_next > 0:
                    keel.limit_next -= 1
                    return self.answer(429, error_body(429, "rate_limited", "over rate"), {"Retry-After": "0"})
                try:
                    verify(headers, body)
                except AssertionError:
                    return self.answer(401, error_body(401, "unauthenticated", "bad signature"))
                if headers.get("Keel-Key") != "key-1":
                    return self.answer(401, error_body(401, "unauthenticated", "unknown key"))
                p = json.loads(body)
                if not -1 <= p["value"] <= 1:
                    return self.answer(400, error_body(400, "invalid_prediction", "1 field is invalid", [
                        {"path": "/value", "value": p["value"], "message": "a signal must be in [-1, 1]"}]))
                pid = p["predictionId"]
                if pid in keel.recorded:
                    return self.answer(201, keel.recorded[pid], {"Idempotent-Replayed": "true"})
                answer = json.dumps({"predictionId": pid, "eventId": f"ev-{len(keel.recorded)}",
                                     "receivedAt": "2026-12-03T18:00:00.412Z"}).encode()
                keel.recorded[pid] = answer
                return self.answer(201, answer)

            def answer(self, status: int, body: bytes, extra: Optional[Dict[str, str]] = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.server.shutdown()
        self.server.server_close()


NO_PROXY = UrllibTransport(urllib.request.build_opener(urllib.request.ProxyHandler({})))


class HttpTest(unittest.TestCase):
    def setUp(self) -> None:
        self.keel = FakeKeel()
        self.addCleanup(self.keel.close)
        self.sleeps: List[float] = []
        self.client = KeelClient(self.keel.url, "key-1", LONG_SECRET, timeout=5,
                                 sleep=self.sleeps.append, transport=NO_PROXY)

    def test_headers_and_body_arrive_as_sent(self) -> None:
        p = one(confidence=0.5)
        self.assertEqual(self.client.send(p)["predictionId"], "ma-1")
        [(headers, body)] = self.keel.received
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(headers["Keel-Key"], "key-1")
        self.assertEqual(body, json.dumps(p, separators=(",", ":")).encode())
        verify(headers, body)

    def test_retry_then_replay(self) -> None:
        self.keel.limit_next = 1
        first = self.client.send(one())
        self.assertEqual(self.sleeps, [0.0])
        self.assertFalse(self.client.last_replayed)
        self.assertEqual(self.client.send(one()), first)
        self.assertTrue(self.client.last_replayed)
        self.assertEqual(len({b for _, b in self.keel.received}), 1)

    def test_refusal_over_http(self) -> None:
        with self.assertRaises(KeelError) as caught:
            self.client.send(prediction("ma", "ma-2", "X", 1.5, horizon=60))
        self.assertEqual((caught.exception.status, caught.exception.code), (400, "invalid_prediction"))
        self.assertIn("/value = 1.5: a signal must be in [-1, 1]", str(caught.exception))
        self.assertEqual(len(self.keel.received), 1)

    def test_wrong_secret_is_refused(self) -> None:
        client = KeelClient(self.keel.url, "key-1", "x" * 64, transport=NO_PROXY)
        with self.assertRaises(KeelError) as caught:
            client.send(one())
        self.assertEqual(caught.exception.code, "unauthenticated")
        self.assertNotIn("x" * 64, str(caught.exception))

    def test_connection_refused_is_retried_then_raised(self) -> None:
        url = self.keel.url
        self.keel.close()
        client = KeelClient(url, "key-1", LONG_SECRET, timeout=2, max_retries=2,
                            sleep=self.sleeps.append, transport=NO_PROXY)
        with self.assertRaises(KeelError) as caught:
            client.send(one())
        self.assertEqual(caught.exception.code, "network_error")
        self.assertEqual(self.sleeps, [0.2, 0.4])

    def test_example_runs_and_is_idempotent_within_a_second(self) -> None:
        env = {"MODEL_KEEL_URL": self.keel.url, "MODEL_KEEL_KEY_ID": "key-1", "MODEL_KEEL_SECRET": LONG_SECRET,
               "MODEL_KEEL_MODEL_ID": "toy"}
        fixed = datetime(2026, 12, 3, 18, 0, 0, 250_000, tzinfo=timezone.utc)

        class Frozen(datetime):
            @classmethod
            def now(cls, tz: Any = None) -> "Frozen":  # type: ignore[override]
                return fixed  # type: ignore[return-value]

        out = io.StringIO()
        with mock.patch.dict(os.environ, env), mock.patch.object(example, "datetime", Frozen), \
                mock.patch.object(example, "KeelClient", lambda *a: KeelClient(*a, transport=NO_PROXY)), \
                redirect_stdout(out):
            self.assertEqual(example.main(["--count", "2", "--interval", "0"]), 0)
        lines = out.getvalue().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertIn("predictionId=toy-20261203T180000Z", lines[0])
        self.assertIn("replayed=False", lines[0])
        self.assertIn("replayed=True", lines[1])
        self.assertEqual(len(self.keel.recorded), 1)

    def test_example_exits_1_on_refusal(self) -> None:
        env = {"MODEL_KEEL_URL": self.keel.url, "MODEL_KEEL_KEY_ID": "key-1", "MODEL_KEEL_SECRET": "y" * 64,
               "MODEL_KEEL_MODEL_ID": "toy"}
        err = io.StringIO()
        with mock.patch.dict(os.environ, env), \
                mock.patch.object(example, "KeelClient", lambda *a: KeelClient(*a, transport=NO_PROXY)), \
                redirect_stdout(io.StringIO()), redirect_stderr(err):
            self.assertEqual(example.main(["--count", "1"]), 1)
        self.assertIn("unauthenticated", err.getvalue())
        self.assertNotIn("y" * 64, err.getvalue())


if __name__ == "__main__":
    unittest.main()
