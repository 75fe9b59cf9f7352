"""A client for Keel's predictions API (prediction-ingest), standard library only.

Copy this one file next to your model. It signs each request the way Keel expects
(``Keel-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``), sends one
prediction or a batch to ``POST /v1/predictions``, retries what is safe to retry (network
errors, 429 after ``Retry-After``, 5xx) with the same body re-signed with a fresh
timestamp, and raises :class:`KeelError` for every refusal. The protocol is described in
``docs/predictions-api.md``.

Example::

    from keel_client import KeelClient, prediction

    client = KeelClient("http://127.0.0.1:8090", key_id="ma-key", secret="...")
    p = prediction("ma", "ma-2026-12-03T18:00:00Z", "BTC/USDT:USDT", 0.4, horizon=3600)
    print(client.send(p))  # {'predictionId': ..., 'eventId': ..., 'receivedAt': ...}

Python 3.9 or newer.
"""

import hashlib
import hmac
import http.client
import json
import math
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    Union,
)

__all__ = [
    "KeelClient",
    "KeelError",
    "Response",
    "Transport",
    "UrllibTransport",
    "format_timestamp",
    "prediction",
    "sign",
]

__version__ = "0.1.0"

Prediction = Dict[str, Any]

PREDICTIONS_PATH = "/v1/predictions"
MAX_BATCH = 1000


# --------------------------------------------------------------------------- signing


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """Return the ``Keel-Signature`` header value for ``body`` sent at ``timestamp``.

    The signed payload is the decimal timestamp, a ``.``, then the body's exact bytes; the
    MAC is HMAC-SHA256 with the key's secret, in lower-case hex::

        t=<timestamp>,v1=<hex>
    """
    t = int(timestamp)
    payload = f"{t}.".encode("ascii") + body
    mac = hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


# --------------------------------------------------------------------------- predictions


def format_timestamp(moment: datetime) -> str:
    """Format ``moment`` as RFC 3339 in UTC with milliseconds: ``2026-12-03T18:00:00.000Z``.

    A naive datetime is taken to be in UTC.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _finite(name: str, value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return value


def prediction(
    model_id: str,
    prediction_id: str,
    instrument: str,
    value: float,
    *,
    kind: str = "signal",
    horizon: int,
    as_of: Union[datetime, str, None] = None,
    confidence: Optional[float] = None,
    ttl: Optional[int] = None,
) -> Prediction:
    """Build one prediction's body.

    ``as_of`` defaults to now (UTC); a datetime is written as RFC 3339 with milliseconds and
    ``Z``, a string is sent as given. ``confidence`` and ``ttl`` are left out when None (the
    server's default ttl is the horizon). Ranges and names are the server's to judge; only
    a non-finite float (NaN, infinity), which JSON cannot carry, is refused here with
    ValueError.
    """
    if as_of is None:
        as_of = datetime.now(timezone.utc)
    body: Prediction = {
        "modelId": model_id,
        "predictionId": prediction_id,
        "instrument": instrument,
        "asOf": format_timestamp(as_of) if isinstance(as_of, datetime) else as_of,
        "horizon": horizon,
        "kind": kind,
        "value": _finite("value", value),
    }
    if confidence is not None:
        body["confidence"] = _finite("confidence", confidence)
    if ttl is not None:
        body["ttl"] = ttl
    return body


# --------------------------------------------------------------------------- errors


class KeelError(Exception):
    """A refusal from Keel, or a request that could not get an answer.

    Attributes mirror the error body ``{"error": {status, code, message, details}}``:

    - ``status``: the HTTP status (None when no answer came: ``code`` is then
      ``network_error``);
    - ``code``: e.g. ``invalid_prediction``, ``rate_limited``, ``idempotency_conflict``;
    - ``message``: the server's sentence;
    - ``details``: a list of ``{"path", "value", "message"}`` naming each offending field;
    - ``retry_after``: seconds from ``Retry-After`` (429), else None.
    """

    def __init__(
        self,
        status: Optional[int],
        code: str,
        message: str,
        details: Optional[Sequence[Mapping[str, Any]]] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.details: List[Mapping[str, Any]] = list(details or [])
        self.retry_after = retry_after
        super().__init__(self.__str__())

    def __str__(self) -> str:
        head = f"{self.status} {self.code}" if self.status is not None else self.code
        text = f"{head}: {self.message}"
        for d in self.details:
            if not isinstance(d, Mapping):
                text += f"\n  - {d!r}"
                continue
            line = f"\n  - {d.get('path', '?')}"
            if "value" in d:
                line += f" = {_show(d['value'])}"
            if d.get("message"):
                line += f": {d['message']}"
            text += line
        if self.retry_after is not None:
            text += f"\n  (retry after {self.retry_after:g} s)"
        return text

    def __repr__(self) -> str:
        return (
            f"KeelError(status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r}, details={self.details!r}, "
            f"retry_after={self.retry_after!r})"
        )


def _show(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


# --------------------------------------------------------------------------- transport


class Response(NamedTuple):
    """What a transport returns: the status, the headers (lower-case names), the body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


#: ``transport(url, headers, body, timeout) -> Response``. Raise OSError (or
#: http.client.HTTPException) when no answer came; return every HTTP answer, errors too.
Transport = Callable[[str, Mapping[str, str], bytes, float], Response]


class UrllibTransport:
    """The default transport: one ``POST`` through ``urllib.request``.

    HTTP error statuses are returned as responses, not raised; network failures and
    timeouts raise (``urllib.error.URLError`` and ``socket.timeout`` are OSErrors).
    """

    def __init__(self, opener: Optional[urllib.request.OpenerDirector] = None) -> None:
        self._opener = opener or urllib.request.build_opener()

    def __call__(
        self, url: str, headers: Mapping[str, str], body: bytes, timeout: float
    ) -> Response:
        request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
        try:
            with self._opener.open(request, timeout=timeout) as r:
                return Response(r.status, _lower(r.headers.items()), r.read())
        except urllib.error.HTTPError as e:
            try:
                data = e.read()
            finally:
                e.close()
            return Response(e.code, _lower(e.headers.items() if e.headers else []), data)

    def __repr__(self) -> str:
        return "UrllibTransport()"


def _lower(items: Iterable[Any]) -> Dict[str, str]:
    return {str(k).lower(): str(v) for k, v in items}


# --------------------------------------------------------------------------- client


class _Secret:
    """Holds the secret so that no repr, vars() dump or traceback local shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__


class KeelClient:
    """Sends predictions to Keel's ``POST /v1/predictions``.

    :param base_url: e.g. ``http://127.0.0.1:8090`` (the path is added).
    :param key_id: the ``Keel-Key`` given to the model.
    :param secret: the key's secret; used only to sign, never sent, logged or shown.
    :param timeout: seconds per attempt.
    :param max_retries: retries after the first attempt (0: try once).
    :param clock: seconds since the epoch, for the signature's timestamp.
    :param sleep: how to wait between attempts (tests pass a fake).
    :param transport: how to make the HTTP call (default :class:`UrllibTransport`).
    :param backoff_base: first wait after a network error or 5xx, doubling each retry ...
    :param backoff_cap: ... up to this many seconds.

    After each successful call ``last_replayed`` tells whether Keel answered a replay
    (``Idempotent-Replayed: true``: the predictions had already been recorded).
    """

    def __init__(
        self,
        base_url: str,
        key_id: str,
        secret: str,
        timeout: float = 10.0,
        max_retries: int = 5,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        transport: Optional[Transport] = None,
        backoff_base: float = 0.2,
        backoff_cap: float = 5.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.key_id = key_id
        self._secret = _Secret(secret)
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._clock = clock
        self._sleep = sleep
        self._transport: Transport = transport if transport is not None else UrllibTransport()
        self.last_replayed: bool = False

    def __repr__(self) -> str:
        return f"KeelClient(base_url={self.base_url!r}, key_id={self.key_id!r})"

    @property
    def url(self) -> str:
        """The endpoint predictions are posted to."""
        return self.base_url + PREDICTIONS_PATH

    def send(
        self, predictions: Union[Prediction, Sequence[Prediction]]
    ) -> Union[Dict[str, Any], List[Dict[str, Any]]]:
        """Send one prediction (a dict) or a batch (a list, sent as ``{"predictions": [...]}``).

        Returns the 201 answer: for one prediction the object ``{predictionId, eventId,
        receivedAt}``, for a batch the list of them in request order. Raises
        :class:`KeelError` when Keel refuses (never retried: 400, 401, 403, 409, 413, 422
        ...) or when retries are exhausted.
        """
        if isinstance(predictions, Mapping):
            payload: Any = predictions
            batch = False
        elif isinstance(predictions, (list, tuple)):
            payload = {"predictions": list(predictions)}
            batch = True
        else:
            raise TypeError("send() takes a prediction dict or a list of them")
        # Serialised once: every attempt sends these exact bytes, re-signed.
        body = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode("utf-8")
        answer = self._post(body)
        if batch:
            if not isinstance(answer, Mapping) or not isinstance(answer.get("predictions"), list):
                raise KeelError(None, "invalid_response", "a batch answer without predictions")
            return list(answer["predictions"])
        if not isinstance(answer, dict):
            raise KeelError(None, "invalid_response", "the answer is not a JSON object")
        return answer

    def send_many(
        self, predictions: Iterable[Prediction], batch_size: int = MAX_BATCH
    ) -> List[Dict[str, Any]]:
        """Send any number of predictions in batches of ``batch_size`` (at most 1,000).

        Returns every answer in order. Each batch is all-or-nothing on the server; if one
        is refused, the KeelError is raised and later batches are not sent (earlier ones
        stay recorded: resending them is a replay). ``last_replayed`` is the last batch's.
        """
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be in [1, {MAX_BATCH}], got {batch_size}")
        results: List[Dict[str, Any]] = []
        chunk: List[Prediction] = []
        for p in predictions:
            chunk.append(p)
            if len(chunk) == batch_size:
                results.extend(self.send(chunk))  # type: ignore[arg-type]
                chunk = []
        if chunk:
            results.extend(self.send(chunk))  # type: ignore[arg-type]
        return results

    # ------------------------------------------------------------------ internals

    def _headers(self, body: bytes) -> Dict[str, str]:
        return {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"keel-client-python/{__version__}",
            "Keel-Key": self.key_id,
            "Keel-Signature": sign(self._secret.get(), body, int(self._clock())),
        }

    def _backoff(self, retry: int) -> float:
        return float(min(self.backoff_cap, self.backoff_base * (2**retry)))

    def _post(self, body: bytes) -> Any:
        retry = 0
        while True:
            try:
                response = self._transport(self.url, self._headers(body), body, self.timeout)
            except (OSError, http.client.HTTPException) as e:
                if retry >= self.max_retries:
                    raise KeelError(
                        None,
                        "network_error",
                        f"no answer from {self.url} after {retry + 1} attempt(s): "
                        f"{type(e).__name__}: {e}",
                    ) from None
                self._sleep(self._backoff(retry))
                retry += 1
                continue

            if 200 <= response.status < 300:
                self.last_replayed = (
                    _header(response.headers, "idempotent-replayed").lower() == "true"
                )
                try:
                    return json.loads(response.body.decode("utf-8"))
                except ValueError:
                    raise KeelError(
                        response.status, "invalid_response", "the answer is not JSON"
                    ) from None

            error = _error_from(response)
            retryable = response.status == 429 or response.status >= 500
            if not retryable or retry >= self.max_retries:
                raise error
            if response.status == 429:
                self._sleep(error.retry_after if error.retry_after is not None else 1.0)
            else:
                self._sleep(self._backoff(retry))
            retry += 1


def _header(headers: Mapping[str, str], name: str) -> str:
    for k, v in headers.items():
        if k.lower() == name:
            return v
    return ""


def _retry_after(headers: Mapping[str, str]) -> Optional[float]:
    raw = _header(headers, "retry-after").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _error_from(response: Response) -> KeelError:
    retry_after = _retry_after(response.headers)
    try:
        parsed = json.loads(response.body.decode("utf-8"))
    except ValueError:
        parsed = None
    err = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(err, dict):
        details = err.get("details")
        return KeelError(
            response.status,
            str(err.get("code", f"http_{response.status}")),
            str(err.get("message", "")),
            details if isinstance(details, list) else None,
            retry_after,
        )
    snippet = response.body[:200].decode("utf-8", errors="replace").strip()
    return KeelError(
        response.status,
        f"http_{response.status}",
        snippet or "no error body",
        None,
        retry_after,
    )
