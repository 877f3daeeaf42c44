#!/usr/bin/env python3
"""Turns bench.sh's results.jsonl (one bench-load JSON per line) into the Markdown table of docs/benchmarks.md.

Values are medians over the rounds with (min-max) when there were several; "added" values are ChatMirror's
minus the direct (mock upstream alone) value of the same round. Usage: report.py results.jsonl soak-rss.txt
"""
import json
import os
import statistics
import sys

results_path, soak_path = sys.argv[1], sys.argv[2]
rows = []
with open(results_path) as f:
    for line in f:
        line = line.strip()
        if line:
            rows.append(json.loads(line))
for row in rows:
    for part in row.get("label", "").split():
        key, _, value = part.partition("=")
        row["_" + key] = value


def find(test, target="chatmirror"):
    return [r for r in rows if r.get("_test") == test and r.get("_target") == target]


def per_round(test, target, field):
    return {r.get("_round", "1"): r.get(field) for r in find(test, target) if r.get(field) is not None}


def spread(values, fmt="{:.0f}"):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a", None
    median = statistics.median(values)
    if len(values) == 1:
        return fmt.format(median), median
    return f"{fmt.format(median)} ({fmt.format(min(values))}-{fmt.format(max(values))})", median


def added(test, field):
    cm, direct = per_round(test, "chatmirror", field), per_round(test, "direct", field)
    return [cm[k] - direct[k] for k in cm if k in direct]


def ratio(test, field, other):
    cm, peer = per_round(test, "chatmirror", field), per_round(test, other, field)
    return [cm[k] / peer[k] for k in cm if k in peer and peer[k]]


targets = ["direct", "nginx", "chatmirror", "litellm"]
table = []  # (measure, direct, nginx, chatmirror, litellm, added/ratio, target, verdict)


def verdict(value, limit, smaller_is_better=True):
    if value is None:
        return "not measured"
    return "met" if (value <= limit if smaller_is_better else value >= limit) else "**missed**"


def peers(test, field, fmt="{:.0f}"):
    return [spread(per_round(test, t, field).values(), fmt)[0] for t in targets]


def line(measure, cells, derived="", target="", result=""):
    table.append([measure] + cells + [derived, target, result])


# Non-streaming /v1 (or /chat/completions).
text, value = spread(added("latency", "latency_p50_us"))
line("latency p50, c=1 (µs)", peers("latency", "latency_p50_us"), f"+{text}", "added ≤ 150 µs", verdict(value, 150))
text, value = spread(added("latency", "latency_p99_us"))
line("latency p99, c=1 (µs)", peers("latency", "latency_p99_us"), f"+{text}", "added ≤ 1000 µs", verdict(value, 1000))
text, value = spread(ratio("throughput", "per_second", "nginx"), "{:.2f}")
line("requests/s, c=64", peers("throughput", "per_second"), f"{text}× nginx", "≥ 0.5× nginx", verdict(value, 0.5, False))
text, value = spread(ratio("throughput", "per_second", "litellm"), "{:.1f}")
line("", ["", "", "", ""], f"{text}× LiteLLM", "≥ 20× LiteLLM", verdict(value, 20, False))
text, value = spread(per_round("throughput", "chatmirror", "cpu_us_per_completed").values())
line("server CPU per request (µs)", peers("throughput", "cpu_us_per_completed"), "", "≤ 50 µs", verdict(value, 50))
errors = sum(r.get("errors", 0) for r in rows if r.get("_test") in ("latency", "throughput"))
line("errors (latency + throughput runs)", [str(sum(r.get("errors", 0) for r in rows if r.get("_test") in ("latency", "throughput") and r.get("_target") == t)) for t in targets], "", "", "")

# Streaming profiles.
for test, name in (("stream_a", "64 × 20 ms"), ("stream_b", "300 ms + 200 × 30 ms")):
    text, value = spread(added(test, "ttft_p50_us"))
    line(f"{name}: first token p50 (µs), c=8", peers(test, "ttft_p50_us"), f"+{text}", "added ≤ 300 µs", verdict(value, 300))
    text, _ = spread(added(test, "ttft_p99_us"))
    line(f"{name}: first token p99 (µs)", peers(test, "ttft_p99_us"), f"+{text}", "", "")
    text, _ = spread(added(test, "gap_p50_us"))
    line(f"{name}: chunk gap p50 (µs)", peers(test, "gap_p50_us"), f"+{text}", "", "")
    text, _ = spread(added(test, "gap_p99_us"))
    line(f"{name}: chunk gap p99 (µs)", peers(test, "gap_p99_us"), f"+{text}", "", "")
    cells = []
    for t in targets:
        found = find(test, t)
        if not found:
            cells.append("n/a")
            continue
        streams = sum(r.get("streams", 0) for r in found)
        bad = sum(r.get("chunk_mismatches", 0) for r in found)
        cells.append(f"{streams - bad}/{streams}")
    cm = find(test)
    bad = sum(r.get("chunk_mismatches", 0) + r.get("errors", 0) for r in cm) if cm else None
    line(f"{name}: streams with chunks out = chunks in", cells, "", "no coalescing",
         "not measured" if bad is None else ("met" if bad == 0 else "**missed**"))

# Most concurrent streams without a stall.
levels = sorted({int(r["_test"].split("_")[1]) for r in rows if r.get("_test", "").startswith("streams_")})
best = {}
for t in ("direct", "chatmirror"):
    ok = [lv for lv in levels for r in find(f"streams_{lv}", t) if r["stalls"] == 0 and r["errors"] == 0
          and r["chunk_mismatches"] == 0 and r["streams"] > 0]
    best[t] = max(ok) if ok else 0
detail = ", ".join(
    f"{lv}: {r['stalls']} stalls/{r['errors']} err, gap p99 {r.get('gap_p99_us') or 0:.0f} µs"
    for lv in levels for r in find(f"streams_{lv}"))
line("streams at 50 chunks/s with no stall", [str(best.get("direct", "n/a")), "", str(best.get("chatmirror")), ""],
     f"tried {levels}", "≥ 512", verdict(best.get("chatmirror"), 512, False) if levels else "not measured")

# Idle streams and memory.
idle = find("idle_streams")
rss_idle = find("rss_idle")
if idle:
    r = idle[0]
    opened = r["streams_with_first_token"]
    line("idle streams (1 chunk/s) open, no error", ["", "", f"{opened}/{r['connections']}, {r['errors']} errors, "
         f"{r['stalls']} stalls", ""], "", "≥ 8000, no error",
         "met" if opened >= 8000 and r["errors"] == 0 else "**missed**")
if rss_idle:
    value = rss_idle[0]["rss_kib"] / 1024
    line("idle RSS after start and setup (MiB)", ["", "", f"{value:.1f}", ""], "", "≤ 40 MiB", verdict(value, 40))
before_idle = find("rss_before_idle") or rss_idle
if idle and before_idle:
    r = idle[0]
    per = (r["rss_kib_peak"] - before_idle[0]["rss_kib"]) / max(1, r["connections"])
    line("RSS per open stream (KiB): (peak - before) / streams", ["", "", f"{per:.1f} ({before_idle[0]['rss_kib'] / 1024:.0f} → "
         f"{r['rss_kib_peak'] / 1024:.0f} MiB)", ""], "", "≤ 32 KiB", verdict(per, 32))
after_idle = find("rss_after_idle")
if after_idle:
    line("RSS 5 s after the idle streams closed (MiB)", ["", "", f"{after_idle[0]['rss_kib'] / 1024:.1f}", ""], "", "", "")
samples = []
if os.path.exists(soak_path):
    with open(soak_path) as f:
        samples = [int(l.split()[1]) for l in f if len(l.split()) == 2 and l.split()[1].isdigit()]
if len(samples) >= 5:
    early = samples[len(samples) // 5]
    late = samples[-1]
    growth = (late - early) / early * 100
    line("RSS over the soak (MiB): at 20% → end", ["", "", f"{early / 1024:.1f} → {late / 1024:.1f} ({growth:+.1f}%)", ""],
         "", "no growth (≤ +5%)", verdict(growth, 5))
soak = find("soak_streams") + find("soak_requests")
if soak:
    line("soak: streams / requests done, errors, stalls", ["", "", ", ".join(
        f"{r['_test']}: {r['completed']} done, {r['errors']} err, {r['stalls']} stalls" for r in soak), ""], "", "", "")
after_soak = find("rss_after_soak")
if after_soak:
    line("RSS 10 s after load stopped (MiB)", ["", "", f"{after_soak[0]['rss_kib'] / 1024:.1f}", ""], "", "", "")
web_soak = find("soak_web")
if web_soak:
    r = web_soak[0]
    line("web soak: turns; RSS first → last (MiB); growth per turn over the second half (bytes)", ["", "",
         f"{r['turns']} ({r['failed']} failed); {r['rss_kib_first'] / 1024:.1f} → {r['rss_kib_last'] / 1024:.1f}; "
         f"{r['bytes_per_turn']:+.0f}", ""], "", "≤ 100 B/turn", verdict(r["bytes_per_turn"], 100))

# The web path.
text, _ = spread(per_round("web_latency", "chatmirror", "ttft_p50_us").values())
text99, _ = spread(per_round("web_latency", "chatmirror", "ttft_p99_us").values())
line("web turn (cookie+CSRF, 8 chunks): first delta p50 / p99 (µs), c=1", ["", "", f"{text} / {text99}", ""], "", "", "")
text, _ = spread(per_round("web_throughput", "chatmirror", "per_second").values())
cpu, _ = spread(per_round("web_throughput", "chatmirror", "cpu_us_per_completed").values())
line("web turns/s (4 conversations), CPU per turn (µs)", ["", "", f"{text} /s, {cpu} µs", ""], "", "", "")
history = find("web_history")
if history:
    h = history[0]
    line("web history saved (messages complete/total)", ["", "", f"{h['complete']}/{h['messages']}", ""], "",
         "all saved", "met" if h["complete"] == h["messages"] and h["messages"] > 0 else "**missed**")

# Quota admissions (issue 5).
rows_before = find("quota_rows_before_admit")
if rows_before:
    line("quota_events rows before the SQLite admission run", ["", "", str(rows_before[0]["rows"]), ""], "", "", "")
for test, name in (("admit_sqlite_1", "SQLite, 1 instance, after the run's history"),
                   ("admit_sqlite_fresh", "SQLite, 1 instance, fresh database"), ("admit_postgres_1", "PostgreSQL, 1 instance"),
                   ("admit_postgres_2", "PostgreSQL, 2 instances")):
    for r in find(test):
        line(f"admissions/s, 4 quota levels, {name}", ["", "", f"{r['per_second']:.0f} ({r['errors']} errors, "
             f"p50 {r.get('latency_p50_us') or 0:.0f} µs)", ""], "", "", "")

header = ["measure", "direct", "nginx", "ChatMirror", "LiteLLM", "ChatMirror added / ratio", "target", "verdict"]
print("| " + " | ".join(header) + " |")
print("|" + "|".join("---" for _ in header) + "|")
for row in table:
    print("| " + " | ".join(str(c) for c in row) + " |")
