#!/usr/bin/env python3
"""analyze.py - the arithmetic of the benchmarks (bench/*.sh call it).

  analyze.py probe FILE...            the cpg_latency lead's lines -> medians
  analyze.py coord --perf TXT --nodes N --probe FILE... RUN...
                                      the coordination overhead of each run
  analyze.py stats LABEL VALUE...     median, min, max of numbers
  analyze.py history KEY FILE...      a key of each hipc history entry

Output: lines of text for the results file, and, for coord, the last line
"SUMMARY key=value ..." for the calling script.
"""
import json
import re
import statistics
import sys


def med(v):
    return statistics.median(v) if v else float('nan')


def parse_probe(files):
    """Each file holds the lead's 'self ...' and 'hop2 ...' lines."""
    out = {'self': [], 'hop2': [], 'self_p90': [], 'hop2_p90': []}
    for f in files:
        for line in open(f):
            m = re.match(r'(self|hop2) n=(\d+) median_us=(\d+) p10_us=(\d+) p90_us=(\d+)', line)
            if m:
                out[m.group(1)].append(int(m.group(3)) / 1000.0)
                out[m.group(1) + '_p90'].append(int(m.group(5)) / 1000.0)
    return out


def parse_perf(path):
    """fork events (time, parent, child) and the first exit of each pid."""
    forks, exits = [], {}
    pat = re.compile(r'\s(\d+\.\d+): sched:(sched_process_fork|sched_process_exit): (.*)')
    for line in open(path):
        m = pat.search(line)
        if not m:
            continue
        t = float(m.group(1))
        rest = m.group(3)
        if m.group(2) == 'sched_process_fork':
            parent = int(re.search(r'(?:^| )pid=(\d+)', rest).group(1))
            child = int(re.search(r'child_pid=(\d+)', rest).group(1))
            forks.append((t, parent, child))
        else:
            pid = int(re.search(r'(?:^| )pid=(\d+)', rest).group(1))
            comm = re.search(r'comm=(\S+)', rest).group(1)
            exits.setdefault(pid, []).append((t, comm))
    return forks, exits


def parse_run(path):
    """hipc migrate's output: a timing line and the history entry."""
    with open(path) as f:
        first = f.readline().split()
        entry = json.loads(f.readline())
    v = dict(zip(first[0::2], (int(x) for x in first[1::2])))
    v['entry'] = entry
    return v


def coord(args):
    perf, nodes, probes, runs = None, 0, [], []
    i = 0
    while i < len(args):
        if args[i] == '--perf':
            perf = args[i + 1]; i += 2
        elif args[i] == '--nodes':
            nodes = int(args[i + 1]); i += 2
        elif args[i] == '--probe':
            probes.append(args[i + 1]); i += 2
        else:
            runs.append(args[i]); i += 1
    pr = parse_probe(probes)
    lat = med(pr['self'])
    hop = med(pr['hop2']) / 2
    forks, exits = parse_perf(perf) if perf else ([], {})
    rows = []
    for r in runs:
        v = parse_run(r)
        e = v['entry']
        t0 = v['t0_us'] / 1e6
        # the requester's window: from its MIGRATE delivery (its answer) to
        # its STARTED delivery (the history entry): total_ms, whole ms
        e2e = v['request_us'] / 1000.0 + e['total_ms']
        t_end = t0 + e2e / 1000.0
        kids = []
        for (tf, parent, child) in forks:
            if t0 <= tf <= t_end + 0.005:
                ex = [x for x in exits.get(child, []) if x[0] >= tf]
                if ex:
                    kids.append((tf, ex[0][0], parent, ex[0][1]))
        kids.sort()
        row = {'e2e': e2e, 'request': v['request_us'] / 1000.0, 'total': e['total_ms'],
               'frozen': e['frozen_ms'], 'phases': sum(e['phases'].values()),
               'steps': len(kids)}
        if kids:
            drivers = sum((x[1] - x[0]) * 1000 for x in kids)
            first = (kids[0][0] - t0) * 1000
            step_gaps = hops = 0.0
            n_gaps = n_hops = 0
            overlap = False
            for a, b in zip(kids, kids[1:]):
                gap = (b[0] - a[1]) * 1000
                overlap |= gap < 0
                if a[2] == b[2]:
                    step_gaps += gap
                    n_gaps += 1
                else:
                    hops += gap
                    n_hops += 1
            tail = (t_end - kids[-1][1]) * 1000
            row.update(drivers=drivers, first=first, step_gaps=step_gaps, hops=hops, tail=tail,
                       per_gap=step_gaps / max(n_gaps, 1), per_hop=hops / max(n_hops, 1),
                       n_gaps=n_gaps, n_hops=n_hops,
                       overlap=overlap, overhead=e2e - drivers,
                       step_names=' '.join(x[3] for x in kids))
        else:
            # no perf: handoffd's own phase times (whole ms, each cut down;
            # the readiness check is not among them): an upper bound
            row.update(drivers=row['phases'], overhead=e2e - row['phases'])
        rows.append(row)
    n = len(rows)
    o = med([r['overhead'] for r in rows])
    floor = 4 * lat
    target = 1.5 * floor + 1.0
    src = 'perf: child lifetimes' if forks else 'handoffd phase times (no perf: an upper bound)'
    print(f"nodes={nodes} delivery (cpg_latency, AGREED, send -> own delivery): "
          f"median {lat:.3f} ms (runs: {', '.join(f'{x:.3f}' for x in pr['self'])}); "
          f"p90 {med(pr['self_p90']):.3f} ms")
    print(f"nodes={nodes} hop (PING delivered on another node -> its PONG delivered here, halved): "
          f"median {hop:.3f} ms")
    print(f"nodes={nodes} migration of a null resource, {n} runs, medians: "
          f"end to end {med([r['e2e'] for r in rows]):.2f} ms "
          f"(request {med([r['request'] for r in rows]):.2f} + handoffd's total "
          f"{med([r['total'] for r in rows]):.0f}); "
          f"drivers {med([r['drivers'] for r in rows]):.2f} ms ({src}; "
          f"{med([r['steps'] for r in rows]):.0f} child processes)")
    if forks:
        print(f"nodes={nodes} overhead {o:.2f} ms = request to the target's first step "
              f"{med([r['first'] for r in rows]):.2f} + between steps on one node "
              f"{med([r['step_gaps'] for r in rows]):.2f} + hops between nodes "
              f"{med([r['hops'] for r in rows]):.2f} + last step to STARTED seen "
              f"{med([r['tail'] for r in rows]):.2f} (medians of each part)")
        print(f"nodes={nodes} per gap between two steps of one node "
              f"{med([r['per_gap'] for r in rows]):.2f} ms ({rows[-1]['n_gaps']} gaps); per hop "
              f"between nodes {med([r['per_hop'] for r in rows]):.2f} ms ({rows[-1]['n_hops']} hops; "
              f"the probe's hop: {hop:.3f} ms)")
        if any(r['overlap'] for r in rows):
            print(f"nodes={nodes} warning: child processes overlapped in some runs")
        print(f"nodes={nodes} steps: {rows[-1]['step_names']}")
    print(f"nodes={nodes} overhead per run (ms): " + ' '.join(f"{r['overhead']:.1f}" for r in rows))
    verdict = 'met' if o <= target else 'MISSED'
    print(f"nodes={nodes} RESULT overhead {o:.2f} ms = {o / lat:.1f} x one delivery; floor "
          f"4 x {lat:.3f} = {floor:.2f} ms; target <= 1.5 x floor + 1 ms = {target:.2f} ms: {verdict}")
    print(f"SUMMARY nodes={nodes} overhead_ms={o:.2f} delivery_ms={lat:.3f} multiple={o / lat:.1f} "
          f"target_ms={target:.2f} verdict={verdict}")


def stats(args):
    label, vals = args[0], [float(x) for x in args[1:]]
    print(f"{label} median {med(vals):.2f} min {min(vals):.2f} max {max(vals):.2f} (n={len(vals)})")


def history(args):
    key, files = args[0], args[1:]
    for f in files:
        e = parse_run(f)['entry']
        print(e['phases'][key] if key in e['phases'] else e[key])


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'probe':
        pr = parse_probe(args)
        print(f"{med(pr['self']):.3f} {med(pr['hop2']) / 2:.3f}")
    elif cmd == 'coord':
        coord(args)
    elif cmd == 'stats':
        stats(args)
    elif cmd == 'history':
        history(args)
    else:
        sys.exit(f"analyze.py: unknown command {cmd}")


if __name__ == '__main__':
    main()
