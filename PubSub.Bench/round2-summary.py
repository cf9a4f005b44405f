#!/usr/bin/env python3
"""Summarises run-round2.sh output: per scenario and build, medians (and ranges) of deliveries/s, server cores,
deliveries per core-second, p99 latency, and the ratios the issue's targets name, round by round.
Usage: python3 PubSub.Bench/round2-summary.py OUT.jsonl"""
import collections, json, statistics as st, sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith('{')]
by = collections.defaultdict(dict)  # (scenario) -> round -> who -> row
idle = {}
bad = 0
for d in rows:
    parts = d['label'].split(':')
    bad += d.get('lost', 0) + d.get('duplicated', 0) + d.get('out_of_order', 0)
    if parts[0] == 'idle':
        idle[parts[1]] = d
        continue
    r, scenario, who = parts
    by[scenario].setdefault(r, {})[who] = d

def med(xs):
    return (st.median(xs), min(xs), max(xs)) if xs else (float('nan'),) * 3

def fmt(t, scale=1e6, unit='M', digits=2):
    return f"{t[0]/scale:.{digits}f}{unit} [{t[1]/scale:.{digits}f}–{t[2]/scale:.{digits}f}]"

for scenario, rounds in by.items():
    print(f"## {scenario} ({len(rounds)} rounds)")
    whos = sorted({w for v in rounds.values() for w in v})
    for who in whos:
        ds = [v[who] for v in rounds.values() if who in v]
        dps = med([d['deliveries_per_sec'] for d in ds])
        cores = med([d['server']['cpu_cores'] for d in ds])
        pcs = med([d['server']['deliveries_per_core_second'] for d in ds])
        p99 = med([d['latency_us']['p99'] for d in ds])
        print(f"  {who:7} deliveries/s {fmt(dps)}  cores {fmt(cores, 1, '', 3)}  per core-s {fmt(pcs)}  p99 ms {fmt(p99, 1000, '', 1)}")
    def ratios(a, b, key):
        return [key(v[a]) / key(v[b]) for v in rounds.values() if a in v and b in v]
    for a, b in (('after', 'redis'), ('before', 'redis'), ('after', 'before')):
        if a in whos and b in whos:
            t = ratios(a, b, lambda d: d['deliveries_per_sec'])
            c = ratios(a, b, lambda d: d['server']['cpu_cores'])
            p = ratios(a, b, lambda d: d['server']['deliveries_per_core_second'])
            l = ratios(a, b, lambda d: d['latency_us']['p99'])
            print(f"  {a}/{b}: deliveries/s {st.median(t):.2f} {['%.2f' % x for x in t]}  cores {st.median(c):.2f} {['%.2f' % x for x in c]}"
                  f"  per core {st.median(p):.2f}  p99 {st.median(l):.2f} {['%.2f' % x for x in l]}")

hub = by.get('hub-json', {})
closed = by.get('closed', {})
for who in ('before', 'after'):
    t = [hub[r][who]['deliveries_per_sec'] / closed[r][who]['deliveries_per_sec'] for r in hub if who in hub[r] and r in closed and who in closed[r]]
    if t:
        print(f"hub-json / ws ({who}): {st.median(t):.2f} {['%.2f' % x for x in t]}")
for who, d in idle.items():
    c = d['connections']
    print(f"idle {who}: {c['established']} established in {c['establish_seconds']} s, RSS {c['rss_before_mib']} -> {c['rss_after_mib']} MiB,"
          f" {c['rss_per_connection_kib']} KiB per connection; one publish reached {c['fanout_received']} in {c['fanout_millis']} ms")
print('lost + duplicated + out of order, all rows:', bad)
