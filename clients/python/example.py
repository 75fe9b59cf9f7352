#!/usr/bin/env python3
"""A toy model that sends Keel a few signals.

    MODEL_KEEL_KEY_ID=demo-key MODEL_KEEL_SECRET=... MODEL_KEEL_MODEL_ID=demo python3 example.py --count 3

Settings (environment): MODEL_KEEL_URL (default http://127.0.0.1:8090), MODEL_KEEL_KEY_ID, MODEL_KEEL_SECRET,
MODEL_KEEL_MODEL_ID, MODEL_KEEL_INSTRUMENT (default BTC/USDT:USDT). They are the model's settings,
not Keel's (whose apps read KEEL_* and refuse names they do not know), so they may be exported
in the shell that starts Keel too.

The signal is a toy "momentum": a slow sine of the time, clipped to [-1, 1]. It is a
function of asOf (taken to the whole second) and the prediction id is the model id plus
asOf, so running this again within the same second sends the same predictions and Keel
answers a replay instead of recording them twice.

Exit code 0 when every prediction was accepted, 1 when Keel refused one, 2 on bad usage.
"""

import argparse
import math
import os
import sys
import time
from datetime import datetime, timezone
from typing import List, Optional

from keel_client import KeelClient, KeelError, prediction

HORIZON_SECONDS = 3600


def toy_momentum(epoch_seconds: int) -> float:
    """A deterministic stand-in for a model: a 10-minute sine, stretched and clipped."""
    raw = 1.3 * math.sin(2 * math.pi * epoch_seconds / 600)
    return round(max(-1.0, min(1.0, raw)), 4)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Send a few toy signals to Keel.")
    parser.add_argument("--count", type=int, default=3, help="how many signals (default 3)")
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between signals (default 1.0)"
    )
    args = parser.parse_args(argv)

    url = os.environ.get("MODEL_KEEL_URL", "http://127.0.0.1:8090")
    instrument = os.environ.get("MODEL_KEEL_INSTRUMENT", "BTC/USDT:USDT")
    missing = [n for n in ("MODEL_KEEL_KEY_ID", "MODEL_KEEL_SECRET", "MODEL_KEEL_MODEL_ID") if not os.environ.get(n)]
    if missing:
        parser.error("set " + ", ".join(missing))
    model_id = os.environ["MODEL_KEEL_MODEL_ID"]
    client = KeelClient(url, os.environ["MODEL_KEEL_KEY_ID"], os.environ["MODEL_KEEL_SECRET"])

    for i in range(args.count):
        if i > 0:
            time.sleep(args.interval)
        as_of = datetime.now(timezone.utc).replace(microsecond=0)
        p = prediction(
            model_id,
            f"{model_id}-{as_of:%Y%m%dT%H%M%SZ}",
            instrument,
            toy_momentum(int(as_of.timestamp())),
            horizon=HORIZON_SECONDS,
            as_of=as_of,
            confidence=0.5,
        )
        try:
            answer = client.send(p)
        except KeelError as e:
            print(f"keel: {e}", file=sys.stderr)
            return 1
        assert isinstance(answer, dict)
        print(
            f"predictionId={answer.get('predictionId')} eventId={answer.get('eventId')} "
            f"receivedAt={answer.get('receivedAt')} replayed={client.last_replayed} "
            f"value={p['value']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
