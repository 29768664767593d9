#!/usr/bin/env python3
"""tsdbd against Prometheus 2.42, one server at a time, on the same load (bench/compare.sh).

Ingest mode (default): loadgen serves the targets; each server scrapes them with one config
for the same time from a fresh data dir; then dashboard queries; then it is stopped and
restarted on the data it wrote. Queries-only mode: both servers start on copies of one WAL
(query_bench_data) and only the restart and query figures are taken.

Every child is stopped (SIGTERM, then SIGKILL) on every exit path; every wait is bounded;
everything listens on 127.0.0.1. Exits non-zero when a server or loadgen fails.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
CHILDREN = []  # Popen objects still to stop


class BenchError(Exception):
    pass


def log(msg):
    print(f"[compare {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def stop(proc, timeout=60):
    """SIGTERM, bounded wait, then SIGKILL. Returns seconds the shutdown took."""
    if proc.poll() is not None:
        return 0.0
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        log(f"pid {proc.pid} ignored SIGTERM for {timeout}s: SIGKILL")
        proc.kill()
        proc.wait(10)
    if proc in CHILDREN:
        CHILDREN.remove(proc)
    return time.monotonic() - t0


def stop_all():
    for p in list(CHILDREN):
        stop(p, timeout=20)


def on_signal(signum, _frame):
    raise BenchError(f"interrupted by signal {signum}")


def spawn(argv, log_path):
    with open(log_path, "ab") as f:
        p = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    CHILDREN.append(p)
    return p


def free_port_range(n):
    """A base port such that base..base+n-1 were free a moment ago."""
    for _ in range(200):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        base = s.getsockname()[1]
        s.close()
        if base + n > 65000:
            continue
        ok = True
        for p in range(base, base + n):
            t = socket.socket()
            try:
                t.bind(("127.0.0.1", p))
            except OSError:
                ok = False
            finally:
                t.close()
            if not ok:
                break
        if ok:
            return base
    raise BenchError(f"no free range of {n} ports")


def http_get(url, timeout=120):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)


def proc_status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def loadavg():
    """The 1-minute load average: other work on the machine skews every figure."""
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def dir_bytes(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def scrape_metric(port, name):
    """Sum of a metric family's samples in the server's own /metrics (None if absent)."""
    _, body = http_get(f"http://127.0.0.1:{port}/metrics", timeout=30)
    total, found = 0.0, False
    for line in body.decode().splitlines():
        if line.startswith(name) and line[len(name):len(name) + 1] in (" ", "{"):
            rest = line.rsplit("}", 1)[1] if "{" in line else line[len(name):]
            total += float(rest.split()[0])
            found = True
    return total if found else None


def digest(data):
    """A fingerprint of a result for agreement checks: the sum of the sample values and the
    number of series/points for queries, the sorted items for metadata calls."""
    if isinstance(data, dict) and "result" in data:
        total, count = 0.0, 0
        for s in data["result"] if isinstance(data["result"], list) else []:
            pts = s.get("values") or ([s["value"]] if "value" in s else [])
            for _t, v in pts:
                f = float(v)
                if f == f and abs(f) != float("inf"):
                    total += f
                count += 1
        return {"points": count, "sum": total}
    if isinstance(data, list):
        return {"items": len(data), "hash": hash(json.dumps(sorted(data, key=json.dumps)))}
    return None


def same_digest(a, b):
    if a is None or b is None:
        return False
    if "sum" in a:
        return a["points"] == b["points"] and abs(a["sum"] - b["sum"]) <= 1e-9 * max(1.0, abs(b["sum"]))
    return a == b


class Server:
    def __init__(self, name, binary, config, data, workdir):
        self.name, self.binary, self.config, self.data = name, binary, config, data
        self.workdir = workdir
        self.proc = None
        self.port = None
        self.last_digest = None

    def start(self, ready_timeout):
        """Starts and waits for /-/ready; returns seconds from spawn to ready."""
        self.port = free_port_range(1)
        argv = [self.binary, f"--config.file={self.config}", f"--storage.tsdb.path={self.data}",
                f"--web.listen-address=127.0.0.1:{self.port}"]
        t0 = time.monotonic()
        self.proc = spawn(argv, os.path.join(self.workdir, f"{self.name}.log"))
        deadline = t0 + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with {self.proc.returncode} before ready "
                                 f"(log: {self.workdir}/{self.name}.log)")
            try:
                if http_get(f"http://127.0.0.1:{self.port}/-/ready", timeout=5)[0] == 200:
                    return time.monotonic() - t0
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.05)
        raise BenchError(f"{self.name} not ready within {ready_timeout}s")

    def stop(self):
        return stop(self.proc)

    def api(self, path, params):
        """GET /api/v1/<path>; returns (seconds, result size, status)."""
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?" + urllib.parse.urlencode(params, doseq=True)
        t0 = time.monotonic()
        try:
            status, body = http_get(url, timeout=300)
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read()
        dt = time.monotonic() - t0
        self.last_digest = None
        try:
            doc = json.loads(body)
        except ValueError:
            return dt, None, f"http {status}, not JSON"
        if doc.get("status") != "success":
            return dt, None, f"http {status}: {doc.get('error', '')[:120]}"
        data = doc["data"]
        if isinstance(data, dict):
            res = data.get("result", [])
            size = sum(len(s.get("values", [1])) for s in res) if isinstance(res, list) else 1
        else:
            size = len(data)
        self.last_digest = digest(data)
        return dt, size, "ok"


def queries(kind, start, end, step):
    """The fixed dashboard set: (name, api path, params)."""
    if kind == "ingest":
        c, h, g = "http_requests_total", "http_request_duration_seconds_bucket", "worker_queue_depth"
        rng, by = "1m", "status"
        regex = 'http_requests_total{endpoint=~"/api/v1/e1.*",method!~"GET|PUT"}'
        series_match, label = 'http_requests_total{status="500"}', "endpoint"
    else:
        c, h, g = "http_requests_total", "http_request_duration_seconds_bucket", "db_connections"
        rng, by = "5m", "job"
        regex = 'http_requests_total{path=~"/api/v1/resource/1.*",method!~"GET|PUT"}'
        series_match, label = 'http_requests_total{status="500"}', "path"
    r = {"start": f"{start:.3f}", "end": f"{end:.3f}", "step": str(step)}
    return [
        ("rate (instant)", "query", {"query": f"rate({c}[{rng}])", "time": f"{end:.3f}"}),
        (f"sum by ({by}) (rate) (range)", "query_range",
         {"query": f"sum by ({by}) (rate({c}[{rng}]))", **r}),
        ("histogram_quantile(0.9) (range)", "query_range",
         {"query": f"histogram_quantile(0.9, sum by (le) (rate({h}[{rng}])))", **r}),
        ("topk(10, rate) (instant)", "query",
         {"query": f"topk(10, rate({c}[{rng}]))", "time": f"{end:.3f}"}),
        ("regex selector sum(rate) (range)", "query_range", {"query": f"sum(rate({regex}[{rng}]))", **r}),
        ("avg gauge (range)", "query_range", {"query": f"avg({g})", **r}),
        ("/api/v1/series", "series", {"match[]": series_match, "start": f"{start:.3f}", "end": f"{end:.3f}"}),
        ("/api/v1/labels", "labels", {}),
        (f"/api/v1/label/{label}/values", f"label/{label}/values", {}),
    ]


def run_queries(server, qs, runs):
    out = []
    for name, path, params in qs:
        server.api(path, params)  # warm-up, not counted
        times, size, status = [], None, "ok"
        for _ in range(runs):
            dt, size, status = server.api(path, params)
            times.append(dt)
        times.sort()
        out.append({"query": name, "path": path, "params": params, "status": status,
                    "result_size": size, "digest": server.last_digest, "median_ms": 1000 * statistics.median(times),
                    "p90_ms": 1000 * times[min(len(times) - 1, int(0.9 * len(times)))]})
    return out


def write_config(path, interval, ports):
    with open(path, "w") as f:
        f.write(f"global:\n  scrape_interval: {interval}\n  scrape_timeout: {interval}\n")
        if ports:
            f.write("scrape_configs:\n  - job_name: loadgen\n    static_configs:\n      - targets:\n")
            for p in ports:
                f.write(f"          - 127.0.0.1:{p}\n")


def loadgen_stats(base_port):
    _, body = http_get(f"http://127.0.0.1:{base_port}/stats", timeout=10)
    s = json.loads(body)
    return s["cpu_user_seconds"] + s["cpu_system_seconds"], s


def ingest_run(name, binary, args, workdir, config, base_port, interval_s):
    data = os.path.join(workdir, f"{name}-data")
    srv = Server(name, binary, config, data, workdir)
    log(f"{name}: starting on a fresh data dir")
    srv.start(ready_timeout=120)
    pid = srv.proc.pid
    rss_ready = proc_status_kib(pid, "VmRSS")
    appended0 = scrape_metric(srv.port, "prometheus_tsdb_head_samples_appended_total") or 0
    cpu0, lg0 = cpu_seconds(pid), loadgen_stats(base_port)[0]
    t0 = time.monotonic()
    end = t0 + args.duration_s
    rss_trace = []
    while time.monotonic() < end:
        time.sleep(min(2.0, max(0.0, end - time.monotonic())))
        if srv.proc.poll() is not None:
            raise BenchError(f"{name} died during ingestion (exit {srv.proc.returncode})")
        rss_trace.append((round(time.monotonic() - t0, 1), proc_status_kib(pid, "VmRSS")))
    cpu1, lg1 = cpu_seconds(pid), loadgen_stats(base_port)[0]
    wall = time.monotonic() - t0
    load_end = loadavg()
    appended1 = scrape_metric(srv.port, "prometheus_tsdb_head_samples_appended_total")
    if appended1 is None:
        raise BenchError(f"{name} has no prometheus_tsdb_head_samples_appended_total")
    head_series = scrape_metric(srv.port, "prometheus_tsdb_head_series") or 0
    rss_end, hwm = proc_status_kib(pid, "VmRSS"), proc_status_kib(pid, "VmHWM")
    tail = [r for t, r in rss_trace if t >= 0.7 * wall] or [rss_end]
    rss_steady = statistics.median(tail)
    now = time.time()
    log(f"{name}: {appended1 - appended0:.0f} samples in {wall:.0f}s; queries")
    qres = run_queries(srv, queries("ingest", now - wall, now, interval_s), args.query_runs)
    load_q = loadavg()
    srv.stop()
    data_bytes = dir_bytes(data)
    log(f"{name}: restarting on its data")
    restart_s = srv.start(ready_timeout=300)
    restart_rss = proc_status_kib(srv.proc.pid, "VmRSS")
    srv.stop()
    samples = appended1 - appended0
    return {
        "wall_seconds": wall, "cpu_seconds": cpu1 - cpu0, "samples_appended": samples,
        "samples_appended_total": appended1, "head_series": head_series,
        "cpu_seconds_per_million_samples": (cpu1 - cpu0) / (samples / 1e6) if samples else None,
        "rss_ready_kib": rss_ready, "rss_steady_kib": rss_steady, "rss_end_kib": rss_end,
        "rss_peak_kib": hwm,
        "rss_steady_bytes_per_series": rss_steady * 1024 / head_series if head_series else None,
        "rss_peak_bytes_per_series": hwm * 1024 / head_series if head_series else None,
        "rss_above_ready_bytes_per_series":
            (rss_steady - rss_ready) * 1024 / head_series if head_series else None,
        "data_dir_bytes": data_bytes,
        "data_dir_bytes_per_sample": data_bytes / appended1 if appended1 else None,
        "restart_to_ready_seconds": restart_s, "restart_rss_kib": restart_rss,
        "loadgen_cpu_seconds": lg1 - lg0, "queries": qres, "rss_trace": rss_trace,
        "loadavg_end_of_window": load_end, "loadavg_after_queries": load_q,
    }


def queries_run(name, binary, args, workdir, config, src_data, span_s, step, data_end):
    """Both servers are asked about the same window: the generated data's span."""
    data = os.path.join(workdir, f"{name}-data")
    shutil.copytree(src_data, data)
    srv = Server(name, binary, config, data, workdir)
    log(f"{name}: starting on a copy of the generated WAL")
    ready_s = srv.start(ready_timeout=1800)
    pid = srv.proc.pid
    # Let start-up work finish before timing queries: Prometheus compacts a head wider than
    # 3h into 2h blocks, but only from its first compaction tick a minute after the DB
    # opened. So: wait past that tick, then until the process is idle for 5 s (bounded).
    settle_start = time.monotonic()
    settle_deadline = settle_start + 900
    last, idle = cpu_seconds(pid), 0
    while time.monotonic() < settle_deadline and (idle < 5 or time.monotonic() - settle_start < 75):
        time.sleep(1)
        cur = cpu_seconds(pid)
        idle = idle + 1 if cur - last < 0.1 else 0
        last = cur
    settle_s = time.monotonic() - settle_start
    head_series = scrape_metric(srv.port, "prometheus_tsdb_head_series") or 0
    rss, hwm = proc_status_kib(pid, "VmRSS"), proc_status_kib(pid, "VmHWM")
    log(f"{name}: ready after {ready_s:.1f}s, settled {settle_s:.0f}s; queries")
    load_before = loadavg()
    cpu_before = cpu_seconds(pid)
    qres = run_queries(srv, queries("replay", data_end - span_s, data_end, step), args.query_runs)
    cpu_queries = cpu_seconds(pid) - cpu_before
    srv.stop()
    blocks = sorted(d for d in os.listdir(data) if len(d) == 26)
    return {"replay_to_ready_seconds": ready_s, "settle_seconds": settle_s,
            "head_series": head_series, "rss_kib": rss, "rss_peak_kib": hwm,
            "blocks_after_start": len(blocks), "data_dir_bytes": dir_bytes(data),
            "cpu_seconds_during_queries": cpu_queries,
            "queries": qres, "loadavg_before_queries": load_before, "loadavg_after_queries": loadavg()}


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b not in (None, 0) else "–"


def fmt(v, unit="", digits=2):
    if v is None:
        return "–"
    return f"{v:.{digits}f}{unit}" if isinstance(v, float) else f"{v}{unit}"


def markdown(res):
    t, p, meta = res["tsdbd"], res["prometheus"], res["meta"]
    m = meta["machine"]
    lines = [f"### {meta['title']}", "",
             f"tsdbd {meta['tsdbd_commit']} vs Prometheus 2.42; {m['nproc']} CPUs ({m['cpu']}), "
             f"{m['mem_gib']} GiB; {meta['date']}.", "",
             "| | tsdbd | Prometheus 2.42 | tsdbd / Prometheus |",
             "|---|---|---|---|"]

    def row(label, key, unit="", digits=2, scale=1.0):
        a, b = t.get(key), p.get(key)
        a = a * scale if isinstance(a, (int, float)) else a
        b = b * scale if isinstance(b, (int, float)) else b
        lines.append(f"| {label} | {fmt(a, unit, digits)} | {fmt(b, unit, digits)} | {ratio(a, b)} |")

    if meta["mode"] == "ingest":
        row("samples ingested in the window", "samples_appended", "", 0)
        row("active series (head)", "head_series", "", 0)
        row("CPU seconds in the window", "cpu_seconds")
        row("CPU seconds per million samples", "cpu_seconds_per_million_samples", "", 3)
        row("RSS steady (MiB)", "rss_steady_kib", "", 1, 1 / 1024)
        row("RSS peak, VmHWM (MiB)", "rss_peak_kib", "", 1, 1 / 1024)
        row("RSS steady bytes per active series", "rss_steady_bytes_per_series", "", 0)
        row("RSS peak bytes per active series", "rss_peak_bytes_per_series", "", 0)
        row("RSS above the ready state, bytes per series", "rss_above_ready_bytes_per_series", "", 0)
        row("data dir bytes per sample", "data_dir_bytes_per_sample", "", 2)
        row("restart to /-/ready (s)", "restart_to_ready_seconds", "", 2)
        row("loadgen CPU seconds in the window", "loadgen_cpu_seconds", "", 2)
        row("machine load average at the end of the window", "loadavg_end_of_window", "", 2)
        row("machine load average after the queries", "loadavg_after_queries", "", 2)
    else:
        row("WAL replay to /-/ready (s)", "replay_to_ready_seconds", "", 1)
        row("wait after ready: 75 s, then until idle (s)", "settle_seconds", "", 0)
        row("head series", "head_series", "", 0)
        row("RSS after start (MiB)", "rss_kib", "", 1, 1 / 1024)
        row("RSS peak, VmHWM (MiB)", "rss_peak_kib", "", 1, 1 / 1024)
        row("blocks after start", "blocks_after_start", "", 0)
        row("server CPU seconds over all query runs", "cpu_seconds_during_queries", "", 1)
        row("machine load average before the queries", "loadavg_before_queries", "", 2)
        row("machine load average after the queries", "loadavg_after_queries", "", 2)
    lines += ["", f"Query latency, {meta['query_runs']} runs each after one warm-up (ms):", "",
              "| query | tsdbd median | tsdbd p90 | Prometheus median | Prometheus p90 | median ratio | result size (t / p) |"
              + (" same result |" if meta["mode"] == "queries" else ""),
              "|---|---|---|---|---|---|---|" + ("---|" if meta["mode"] == "queries" else "")]
    for a, b in zip(t["queries"], p["queries"]):
        note = "" if a["status"] == "ok" else f" (tsdbd: {a['status']})"
        note += "" if b["status"] == "ok" else f" (Prometheus: {b['status']})"
        lines.append(f"| `{a['query']}`{note} | {a['median_ms']:.1f} | {a['p90_ms']:.1f} | "
                     f"{b['median_ms']:.1f} | {b['p90_ms']:.1f} | {ratio(a['median_ms'], b['median_ms'])} | "
                     f"{a['result_size']} / {b['result_size']} |"
                     + ((" yes |" if same_digest(a["digest"], b["digest"]) else " **no** |")
                        if meta["mode"] == "queries" else ""))
    return "\n".join(lines) + "\n"


def parse_count(s):
    s = s.strip()
    mult = {"k": 1000, "K": 1000, "M": 1000000}.get(s[-1], 1)
    return int(s[:-1] if mult != 1 else s) * mult


def parse_duration(s):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for u in ("ms", "s", "m", "h"):
        if s.endswith(u) and s[: -len(u)].isdigit():
            return int(s[: -len(u)]) * units[u]
    raise argparse.ArgumentTypeError(f"not a duration: {s}")


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = proc_meminfo_kib("MemTotal")
    return {"nproc": os.cpu_count(), "cpu": model, "mem_gib": round(mem / 1048576, 1)}


def proc_meminfo_kib(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def tsdbd_source_rev(build):
    """The revision tsdbd was built from: the build dir's source tree's git HEAD, or the
    SOURCE_REVISION file an exported (git archive) snapshot carries."""
    src = None
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("CMAKE_HOME_DIRECTORY:"):
                    src = line.split("=", 1)[1].strip()
    except OSError:
        return "?"
    if src and os.path.exists(os.path.join(src, "SOURCE_REVISION")):
        with open(os.path.join(src, "SOURCE_REVISION")) as f:
            return f.read().strip()
    return git_rev(src) if src else "?"


def git_rev(repo):
    try:
        rev = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--series", default="10k", type=parse_count, help="total series (10k|100k|1M)")
    ap.add_argument("--duration", default="5m", type=parse_duration, dest="duration_s")
    ap.add_argument("--targets", default=10, type=int)
    ap.add_argument("--scrape-interval", default="10s")
    ap.add_argument("--churn", default=0, type=int,
                    help="series the load generator replaces per minute (ingest mode)")
    ap.add_argument("--query-runs", default=20, type=int)
    ap.add_argument("--out", default="bench-results")
    ap.add_argument("--build", default="build")
    ap.add_argument("--prometheus", default="/usr/bin/prometheus")
    ap.add_argument("--queries-only", action="store_true",
                    help="replay a generated WAL (--span of history) and compare queries only")
    ap.add_argument("--span", default="6h", type=parse_duration, dest="span_s", help="history for --queries-only")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (data dirs, logs)")
    args = ap.parse_args()

    tsdbd = os.path.join(args.build, "cmd/tsdbd/tsdbd")
    for b in (tsdbd, args.prometheus):
        if not os.access(b, os.X_OK):
            raise BenchError(f"{b} is not an executable (build it first; see --build)")
    os.makedirs(args.out, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="tsdbd-compare-")
    log(f"work dir {workdir}")
    interval_s = parse_duration(args.scrape_interval)
    meta = {"machine": machine(), "tsdbd_commit": tsdbd_source_rev(args.build), "series": args.series,
            "query_runs": args.query_runs, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    try:
        if args.queries_only:
            gen = os.path.join(args.build, "bench/query_bench_data")
            if not os.access(gen, os.X_OK):
                raise BenchError(f"{gen} is not built")
            step = 60
            sample_interval = 15
            src = os.path.join(workdir, "generated")
            log(f"generating {args.series} series x {args.span_s}s at {sample_interval}s")
            t0 = time.monotonic()
            data_end = time.time()  # the generator's samples end at its start time (ms resolution)
            subprocess.run([gen, src, str(args.series), str(args.span_s * 1000), str(sample_interval * 1000)],
                           check=True, timeout=3600)
            meta["generate_seconds"] = time.monotonic() - t0
            meta["wal_bytes"] = dir_bytes(src)
            config = os.path.join(workdir, "config.yml")
            write_config(config, "15s", [])
            meta.update(mode="queries", span_seconds=args.span_s, step_seconds=step,
                        title=f"Queries: {args.series} series over {args.span_s // 3600}h "
                              f"({sample_interval}s samples), range step {step}s")
            res = {"meta": meta}
            for name, binary in (("tsdbd", tsdbd), ("prometheus", args.prometheus)):
                res[name] = queries_run(name, binary, args, workdir, config, src, args.span_s, step,
                                        data_end)
        else:
            lg_bin = os.path.join(args.build, "bench/loadgen")
            if not os.access(lg_bin, os.X_OK):
                raise BenchError(f"{lg_bin} is not built")
            per_target = max(1, args.series // args.targets)
            base = free_port_range(args.targets)
            total_cap = 3 * args.duration_s + 3600
            lg = spawn([lg_bin, f"--targets={args.targets}", f"--series={per_target}",
                        f"--base-port={base}", f"--duration={int(total_cap)}s",
                        f"--churn={args.churn}"],
                       os.path.join(workdir, "loadgen.log"))
            deadline = time.monotonic() + 60
            while True:
                try:
                    loadgen_stats(base)
                    break
                except (urllib.error.URLError, ConnectionError, OSError):
                    if lg.poll() is not None or time.monotonic() > deadline:
                        raise BenchError(f"loadgen did not come up (log: {workdir}/loadgen.log)")
                    time.sleep(0.1)
            config = os.path.join(workdir, "config.yml")
            write_config(config, args.scrape_interval, range(base, base + args.targets))
            meta.update(mode="ingest", targets=args.targets, series_per_target=per_target,
                        scrape_interval=args.scrape_interval, duration_seconds=args.duration_s,
                        churn_per_minute=args.churn,
                        title=f"Ingest: {args.targets} targets x {per_target} series, "
                              f"scrape every {args.scrape_interval}, {args.duration_s}s per server"
                              + (f", {args.churn} series replaced a minute" if args.churn else ""))
            res = {"meta": meta}
            for name, binary in (("tsdbd", tsdbd), ("prometheus", args.prometheus)):
                res[name] = ingest_run(name, binary, args, workdir, config, base, interval_s)
            res["loadgen"] = loadgen_stats(base)[1]
            stop(lg)
        tag = f"{meta['mode']}-{args.series}" + (f"-churn{args.churn}" if args.churn else "")
        with open(os.path.join(args.out, f"{tag}.json"), "w") as f:
            json.dump(res, f, indent=1)
        md = markdown(res)
        with open(os.path.join(args.out, f"{tag}.md"), "w") as f:
            f.write(md)
        print(md)
        log(f"wrote {args.out}/{tag}.md and .json")
    finally:
        stop_all()
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        main()
    except (BenchError, subprocess.SubprocessError, OSError) as e:
        stop_all()
        print(f"compare: {e}", file=sys.stderr)
        sys.exit(1)
