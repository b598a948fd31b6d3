"""Reads the JSON lines of both sides and prints one table: times, and the ratio
PyTorch / tapegrad (above 1 means tapegrad is faster)."""

import json
import sys


def main():
    rows = {}
    for line in sys.stdin:
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        rows.setdefault((r["workload"], r["threads"]), {})[r["side"]] = r
    print(f"{'workload':<52} {'thr':>3} {'tapegrad':>12} {'pytorch':>12} {'speedup':>8}")
    ratios = {}
    for (workload, threads), sides in rows.items():
        tg, pt = sides.get("tapegrad"), sides.get("pytorch")
        if not tg or not pt:
            continue
        unit, scale = ("us", 1e6) if tg["seconds"] < 1e-3 else ("ms", 1e3)
        ratio = pt["seconds"] / tg["seconds"]
        if workload.startswith("conv") and workload.endswith("forward+backward"):
            ratios.setdefault(threads, []).append(ratio)
        extra = ""
        if "images_per_second" in tg:
            extra = f"  ({tg['images_per_second']:.0f} vs {pt['images_per_second']:.0f} img/s)"
        print(f"{workload:<52} {threads:>3} {tg['seconds']*scale:>9.3f} {unit} "
              f"{pt['seconds']*scale:>9.3f} {unit} {ratio:>7.2f}x{extra}")
    for threads, rs in sorted(ratios.items()):
        prod = 1.0
        for r in rs:
            prod *= r
        print(f"geometric mean speedup over conv A-H forward+backward, {threads} thread(s): "
              f"{prod ** (1 / len(rs)):.2f}x")


if __name__ == "__main__":
    main()
