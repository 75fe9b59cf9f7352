"""
The 1-second BBO's crossings and queue imbalance, as quoted in docs/benchmarks.md ("TWAP
evaluation (issue 18)"). Standard library only:

    python3 docs/analysis/bbo_crossings.py ../shared/data/market/binance-usdm-btcusdt-bbo1s-2026-01-01_2026-01-02.csv.gz

- imbalance (bidQty - askQty) / (bidQty + askQty), in steps of 0.2, against the mid change over
  the next 1, 5 and 30 seconds (bps);
- a crossing: the next second's ask at or below this second's bid (a resting buy at the bid
  would be filled by the strict simulator); its overshoot: that bid less the next mid, bps;
  how often it happens and how large it is, by imbalance.
"""
import collections
import csv
import gzip
import statistics as st
import sys

rows = [
    (int(r["ts_ns"]) // 10**9, float(r["bid_price"]), float(r["bid_qty"]), float(r["ask_price"]), float(r["ask_qty"]))
    for r in csv.DictReader(gzip.open(sys.argv[1], "rt"))
]
n = len(rows)
mid = lambda r: (r[1] + r[3]) / 2
imb = lambda r: round(((r[2] - r[4]) / (r[2] + r[4])) * 5) / 5

for k in (1, 5, 30):
    by = collections.defaultdict(list)
    for i in range(n - k):
        if rows[i + k][0] - rows[i][0] != k:
            continue
        by[imb(rows[i])].append((mid(rows[i + k]) - mid(rows[i])) / mid(rows[i]) * 1e4)
    print(f"mid change over {k:2d} s by imbalance:", " ".join(f"{b:+.1f}:{st.mean(v):+.3f}" for b, v in sorted(by.items())))

over, seen, crossed = [], collections.Counter(), collections.defaultdict(list)
for a, b in zip(rows, rows[1:]):
    seen[imb(a)] += 1
    if b[3] <= a[1]:
        o = (a[1] - mid(b)) / a[1] * 1e4
        over.append(o)
        crossed[imb(a)].append(o)
print(f"crossings: {len(over)} of {n} seconds; overshoot mean {st.mean(over):.3f} bps, median {st.median(over):.3f}")
for b, v in sorted(crossed.items()):
    print(f"imbalance {b:+.1f}: crossed within 1 s {len(v) / seen[b]:.3f}, mean overshoot {st.mean(v):.3f} bps")
