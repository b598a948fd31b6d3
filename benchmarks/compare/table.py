"""Reads the JSON lines of both sides and prints one table: times, and the ratio
PyTorch / tapegrad (above 1 means tapegrad is faster)."""

import json
import sys


def main():
    rows = {}
    machine = {}  # threads -> measured peak FMA rate and stream-triad bandwidth
    for line in sys.stdin:
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        if r["side"] == "machine":
            machine[r["threads"]] = r
            continue
        if r.get("variant"):  # a variant of tapegrad's run, against the same PyTorch row
            key = (f'{r["workload"]} [{r["variant"]}]', r["threads"])
            rows.setdefault(key, {})["base"] = r["workload"]
        else:
            key = (r["workload"], r["threads"])
        rows.setdefault(key, {})[r["side"]] = r
    print(f"{'workload':<72} {'thr':>3} {'tapegrad':>12} {'pytorch':>12} {'speedup':>8}")
    ratios = {}
    for (workload, threads), sides in rows.items():
        tg, pt = sides.get("tapegrad"), sides.get("pytorch")
        if "base" in sides:
            pt = rows.get((sides["base"], threads), {}).get("pytorch")
        if not tg or not pt:
            continue
        if "peak_rss_kb" in tg:
            ratio = pt["peak_rss_kb"] / tg["peak_rss_kb"]
            print(f"{workload:<72} {threads:>3} {tg['peak_rss_kb']/1024:>9.1f} MB "
                  f"{pt['peak_rss_kb']/1024:>9.1f} MB {ratio:>7.2f}x  (less memory; run "
                  f"{tg['seconds']:.1f} s vs {pt['seconds']:.1f} s)")
            continue
        unit, scale = ("us", 1e6) if tg["seconds"] < 1e-3 else ("ms", 1e3)
        ratio = pt["seconds"] / tg["seconds"]
        group = None
        base = sides.get("base", workload)  # a variant's row is grouped as its base row
        if base.startswith("conv ") and workload.endswith("forward+backward"):
            group = "conv A-H forward+backward"
        elif base.startswith(("conv1d", "conv3d")):
            group = "conv1d/conv3d forward+backward"
        elif base.startswith("layer ") and base.endswith("forward+backward"):
            group = "network conv layers forward+backward"
        elif base.startswith("network "):
            group = "network training steps"
        if group and tg.get("variant"):
            group += f' [{tg["variant"]}]'
        if group:
            ratios.setdefault((group, threads), []).append(ratio)
        extra = ""
        peak = machine.get(threads, {})
        if "gflop" in tg and peak:
            rate = tg["gflop"] / tg["seconds"]
            extra = f"  ({rate:.0f} GFLOP/s, {100 * rate / peak['peak_gflops']:.0f}% of peak)"
        if "bytes" in tg and peak:
            rate = tg["bytes"] / tg["seconds"] / 1e9
            extra = f"  ({rate:.1f} GB/s, {100 * rate / peak['stream_gbs']:.0f}% of triad)"
        if "images_per_second" in tg:
            extra = f"  ({tg['images_per_second']:.0f} vs {pt['images_per_second']:.0f} img/s)"
        print(f"{workload:<72} {threads:>3} {tg['seconds']*scale:>9.3f} {unit} "
              f"{pt['seconds']*scale:>9.3f} {unit} {ratio:>7.2f}x{extra}")
    for threads, m in sorted(machine.items()):
        print(f"machine, {threads} thread(s): peak FMA {m['peak_gflops']:.0f} GFLOP/s, "
              f"stream triad {m['stream_gbs']:.1f} GB/s")
    for (group, threads), rs in sorted(ratios.items()):
        prod = 1.0
        for r in rs:
            prod *= r
        print(f"geometric mean speedup over {group} ({len(rs)}), {threads} thread(s): "
              f"{prod ** (1 / len(rs)):.2f}x (slowest {min(rs):.2f}x)")


if __name__ == "__main__":
    main()
