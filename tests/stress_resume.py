#!/usr/bin/env python3
"""Crash/resume stress: interrupted and resumed scrm runs against one uninterrupted run.

    SCRM=build/scrm STRESS_DIR=/tmp/scrm-stress tests/stress_resume.py [SECONDS] [SEED]
    (STRESS_MODES=follow,kill: only these kinds of round; STRESS_CSV=1: inputs as CSV only)

Each round generates input (random schema, injected bad lines, oversize lines, CRLF, BOMs,
invalid UTF-8, 1-3 files, plain or zstd; canonical records half the time as CSV, with
texts over two lines), picks random options (-j, -p, --chunk-size, --max-customers,
--max-record, rules, customers, --rejects, ...) and compares every route's events, the
rejects and the interaction log of one uninterrupted run (A) with a run killed 1-3 times
(SIGKILL/SIGINT/SIGTERM) and run again, or fed by appending (B; half the time a stage
ends inside a line, as a writer caught mid-line leaves it; sometimes an input is rotated
between two runs, or after the killed one: then the outputs are compared without their
input positions), or followed (`run -f`) while its last input grows piece by piece, the
follower killed and started again meanwhile. A divergence is kept
under STRESS_DIR/findings/r<seed> with its command; driver.log lists every round. Not
part of `make check` (it runs for minutes); the session of 2026-12-05 found two resume
bugs with it (README "Interaction log").
"""
import csv, io, json, os, random, re, shutil, signal, subprocess, sys, time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.environ.get('STRESS_DIR', '/tmp/scrm-stress')
SRC = REPO
SCRM = os.path.abspath(os.environ.get('SCRM', REPO + '/build/scrm'))
RULES = SRC + '/corpora/sample/rules.scrm'
LEX = os.path.abspath(REPO + '/../shared/corpora/lexicons/vader/vader_lexicon.txt')
WORK = ROOT + '/work'
FIND = ROOT + '/findings'
LOGF = ROOT + '/driver.log'
TRIG_P = 0.2
ROTATE_P = 0.3  # append rounds: an input rotated between two runs


def log(msg):
    with open(LOGF, 'a') as f:
        f.write(msg + '\n')
    print(msg, flush=True)


def size_str(n):
    if n % 1024 == 0 and random.random() < 0.7:
        return '%dK' % (n // 1024)
    return str(n)


def mutate(lines, rng, max_record, trig):
    """lines: list of bytes without newline. returns list of bytes lines (without \n),
    plus a flag whether last line lacks newline is handled by caller."""
    out = []
    n = len(lines)
    rate = rng.choice([0.0, 0.002, 0.01, 0.03])
    over_rate = rng.choice([0.0, 0.002, 0.01])
    run_rate = rng.choice([0.0, 0.0, 0.001, 0.003])
    for i, ln in enumerate(lines):
        if rng.random() < run_rate and max_record < 200000:
            j = ln.find(b'"text":"')
            if j < 0:
                j = ln.find(b'"body":"')
            if j >= 0:
                j += 8
                for k in range(rng.randrange(2, 41)):
                    pad = max_record + 1 + rng.randrange(0, 3 * max_record) - len(ln)
                    if pad > 0:
                        out.append(ln[:j] + b'q' * pad + ln[j:])
        r = rng.random()
        if r < rate:
            k = rng.randrange(9)
            if k == 0:
                out.append(ln[:rng.randrange(1, max(2, len(ln)))])  # truncated json
            elif k == 1:
                out.append(b'')  # blank line
            elif k == 2:
                out.append(b'{"id": broken, "text": ')
            elif k == 3:
                out.append(b'{}')
            elif k == 4:
                out.append(b'[' * rng.choice([50, 200, 2000]) )  # too deep / bad json
            elif k == 5:  # invalid utf8 inside the text
                j = ln.find(b'"text":"')
                if j >= 0:
                    j += 8
                    bad = rng.choice([b'\xff', b'\xc3\x28', b'\xe2\x82', b'\xed\xa0\x80', b'\xf8\x88\x80\x80\x80'])
                    ln = ln[:j] + bad + ln[j:]
                out.append(ln)
                continue
            elif k == 6:  # invalid utf8 in malformed line
                out.append(b'\xff\xfe garbage \x80\x81 {')
            elif k == 7:
                out.append(b'{"delete":{"status":{"id":1,"id_str":"1","user_id":2,"user_id_str":"2"}}}')
            elif k == 8:
                out.append(b'   ')
            if rng.random() < 0.5:
                out.append(ln)
            continue
        if r < rate + over_rate:
            # pad the text field to a chosen length around max_record
            j = ln.find(b'"text":"')
            if j < 0:
                j = ln.find(b'"body":"')
            if j >= 0 and max_record < 200000:
                if trig:
                    target = rng.choice([max_record - 1, max_record, max_record + 1, max_record + 2,
                                         max_record + 1000, max_record * 2 + 5, max_record * 3])
                else:
                    target = rng.choice([max_record // 2, max_record + 1, max_record + 2,
                                         max_record + 1000, max_record * 2 + 5, max_record * 3])
                pad = target - len(ln)
                if pad > 0:
                    j += 8
                    ln = ln[:j] + (b'pad ' * (pad // 4 + 1))[:pad] + ln[j:]
            out.append(ln)
            continue
        out.append(ln)
    return out


def gen_input(rng, rdir):
    count = rng.randrange(2000, 20001)
    seed = rng.randrange(1, 10**9)
    fmt = rng.choice(['twitter-v1', 'twitter-v1', 'twitter-v2', 'reddit', 'scrm', 'mixed'])
    if os.environ.get('STRESS_CSV') == '1':  # CSV rounds only (canonical records)
        fmt = 'scrm'
    cust = rng.random() < 0.6
    args = []
    if fmt == 'mixed':
        parts = []
        for f in ['twitter-v1', 'scrm', 'reddit', 'twitter-v2']:
            c = count // 4
            cmd = [SCRM, 'gen', '--count', str(c), '--seed', str(seed), '--format', f]
            parts.append(subprocess.run(cmd, check=True, capture_output=True).stdout)
            args.append(' '.join(cmd[1:]))
        data = b''.join(parts)
        if cust:
            cmd = [SCRM, 'gen', '--count', str(count // 4), '--seed', str(seed), '--customers', rdir + '/c.csv']
            subprocess.run(cmd, check=True, capture_output=True)
            args.append(' '.join(cmd[1:]))
    else:
        cmd = [SCRM, 'gen', '--count', str(count), '--seed', str(seed), '--format', fmt]
        if cust:
            cmd += ['--customers', rdir + '/c.csv']
        data = subprocess.run(cmd, check=True, capture_output=True).stdout
        args.append(' '.join(cmd[1:]))
    return data, cust, args


CSV_COLS = ['id', 'ts', 'channel', 'direction', 'text', 'author_id', 'handle', 'name', 'followers',
            'verified', 'conversation', 'in_reply_to', 'lang', 'likes', 'x_note']


def csv_line(cells):
    buf = io.StringIO(newline='')
    csv.writer(buf, lineterminator='').writerow(cells)
    return buf.getvalue().encode('utf-8', 'surrogatepass')  # (a lone surrogate: the bytes it was)


def csv_row(ln, rng):
    """A canonical JSON line as a CSV row (no line end; now and then its text over two
    lines); anything else (a bad line the mutation made) as it is."""
    try:
        r = json.loads(ln)
    except (ValueError, RecursionError):
        return ln
    if not isinstance(r, dict):
        return ln
    if isinstance(r.get('text'), str) and rng.random() < 0.1:
        r['text'] += rng.choice(['\nsecond line', '\r\nand "quoted"', '\n'])
    a = r.get('author') if isinstance(r.get('author'), dict) else {}
    m = r.get('metrics') if isinstance(r.get('metrics'), dict) else {}
    vals = [r.get('id'), r.get('ts'), r.get('channel'), r.get('direction'), r.get('text'), a.get('id'),
            a.get('handle'), a.get('name'), a.get('followers'), a.get('verified'), r.get('conversation'),
            r.get('in_reply_to'), r.get('lang'), m.get('likes'), 'n']
    cells = ['' if v is None else ('true' if v is True else 'false' if v is False else str(v)) for v in vals]
    return csv_line(cells)


def csv_record_ends(blob):
    """The offsets just past each '\n' that ends a CSV record (not inside quotes; quotes
    open only at a field's start), as scrm's chunker finds them."""
    ends, st = set(), 0  # field start, unquoted, quoted, quote in quoted
    for i, c in enumerate(blob):
        if c == 10 and st != 2:
            ends.add(i + 1)
            st = 0
        elif st == 0:
            st = 2 if c == 34 else 0 if c == 44 else 1
        elif st == 1:
            st = 0 if c == 44 else 1
        elif st == 2:
            st = 3 if c == 34 else 2
        else:
            st = 2 if c == 34 else 0 if c == 44 else 1
    return ends


def clean_object(line):
    try:
        return line[:1] == b'{' and line[-1:] == b'}' and isinstance(json.loads(line), dict)
    except ValueError:
        return False


def write_inputs(rng, rdir, data, max_record, trig, as_csv):
    lines = data.split(b'\n')
    if lines and lines[-1] == b'':
        lines.pop()
    lines = mutate(lines, rng, max_record, trig)
    if as_csv:  # the canonical records as CSV rows: each file gets the header below
        lines = [csv_row(ln, rng) for ln in lines]
    crlf_rate = rng.choice([0.0, 0.0, 0.05, 1.0])
    out = []
    for ln in lines:
        if rng.random() < crlf_rate:
            ln = ln + b'\r'
        out.append(ln)
    if rng.random() < 0.3 and out:
        out[0] = b'\xef\xbb\xbf' + out[0]
    nfiles = rng.choice([1, 1, 2, 3])
    # split into files
    cuts = sorted(rng.sample(range(1, len(out)), nfiles - 1)) if nfiles > 1 else []
    bounds = [0] + cuts + [len(out)]
    files = []
    for k in range(nfiles):
        chunk = out[bounds[k]:bounds[k + 1]]
        if as_csv:
            if chunk and chunk[0].startswith(b'\xef\xbb\xbf'):
                chunk[0] = chunk[0][3:]
            chunk = [(b'\xef\xbb\xbf' if k == 0 and rng.random() < 0.3 else b'') + csv_line(CSV_COLS) +
                     (b'\r' if crlf_rate == 1.0 else b'')] + chunk
        blob = b'\n'.join(chunk) + b'\n'
        if rng.random() < 0.1:
            blob = blob[:-1]  # last line without newline
        if k > 0 and rng.random() < 0.3:
            blob = b'\xef\xbb\xbf' + blob
        name = 'in%d.%s' % (k, 'csv' if as_csv else 'ndjson')
        files.append((name, blob))
    zst = rng.random() < 0.15
    with open(rdir + '/inputs_desc.txt', 'w') as f:
        f.write('crlf_rate=%s nfiles=%d zst=%s csv=%s\n' % (crlf_rate, nfiles, zst, as_csv))
    return files, zst


def pick_opts(rng, cust, trig):
    o = ['run', '-q']
    o += ['-j', str(rng.randrange(1, 4))]
    if rng.random() < 0.3:
        o += ['-p', str(rng.randrange(1, 3))]
    cs = rng.choice([4096, 8192, 16384, 32768, 65536, 131072, 262144, rng.randrange(4096, 262145)])
    o += ['--chunk-size', size_str(cs)]
    if trig:
        mr = rng.choice([1500, 2000, 3000, 4000, 8000, 65536, None])
    else:
        mr = rng.choice([8000, 12000, 65536, None])
    if mr:
        o += ['--max-record', str(mr)]
    if rng.random() < 0.5:
        o += ['--rules', RULES, '--lexicon', LEX]
    elif rng.random() < 0.3:
        o += ['--lexicon', LEX]
    if cust and rng.random() < 0.8:
        o += ['--customers', 'c.csv']
    if rng.random() < 0.5:
        o += ['--rejects', 'rej.ndjson']
    if rng.random() < 0.3:
        o += ['--fsync', rng.choice(['batch', 'always', 'interval=50', 'never'])]
    if rng.random() < 0.2:
        o += ['--dup-window', rng.choice(['0', '90s', '30m', '2h'])]
    if rng.random() < 0.2:
        o += ['--zstd-level', str(rng.choice([-3, 1, 3]))]
    if rng.random() < 0.25:  # small tables: customers forgotten and met again
        o += ['--max-customers', str(rng.choice([1, 64, 200, 1000]))]
    if rng.random() < 0.15:
        o += ['--no-uring']
    if rng.random() < 0.15:
        if LEX not in o:
            o += ['--lexicon', LEX]
        o += ['--sentiment', rng.choice(['vader', 'both'])]
    o += ['-o', 'out', '--log', 'log']
    return o, (mr or 1 << 20)


def run_full(cmd, d, timeout=300):
    p = subprocess.run(cmd, cwd=d, capture_output=True, timeout=timeout)
    return p.returncode, p.stderr.decode('utf-8', 'replace')


def run_killed(cmd, d, delay, sig):
    p = subprocess.Popen(cmd, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        p.wait(timeout=delay)
        _, err = p.communicate()
        return 'finished', p.returncode, err.decode('utf-8', 'replace')
    except subprocess.TimeoutExpired:
        p.send_signal(sig)
        _, err = p.communicate(timeout=120)
        return 'killed', p.returncode, err.decode('utf-8', 'replace')


def dump_outputs(d, rej_path):
    res = {}
    od = d + '/out'
    if os.path.isdir(od):
        for f in sorted(os.listdir(od)):
            if f.endswith('.ndjson.zst'):
                p = subprocess.run(['zstdcat', od + '/' + f], capture_output=True)
                res[f] = p.stdout if p.returncode == 0 else b'ZSTDCAT_FAIL:' + p.stderr
    rp = d + '/' + rej_path
    res['REJECTS'] = open(rp, 'rb').read() if os.path.exists(rp) else b'<missing>'
    p = subprocess.run([SCRM, 'log', 'dump', 'log'], cwd=d, capture_output=True)
    res['LOGDUMP'] = b'\n'.join(l for l in p.stdout.split(b'\n') if b'"checkpoint"' not in l) + (b'' if p.returncode == 0 else b'\nDUMP_RC=%d' % p.returncode)
    v = subprocess.run([SCRM, 'log', 'verify', 'log'], cwd=d, capture_output=True)
    res['VERIFY_RC'] = str(v.returncode).encode()
    if v.returncode != 0:
        res['VERIFY_OUT'] = v.stdout + v.stderr
    return res


def diff_summary(a, b):
    diffs = []
    for k in sorted(set(a) | set(b)):
        if k == 'VERIFY_OUT':
            continue
        va, vb = a.get(k, b'<absent>'), b.get(k, b'<absent>')
        if va != vb:
            la, lb = va.split(b'\n'), vb.split(b'\n')
            # first differing line
            i = 0
            while i < min(len(la), len(lb)) and la[i] == lb[i]:
                i += 1
            diffs.append('%s: lines A=%d B=%d first diff at line %d\n  A: %s\n  B: %s' % (
                k, len(la), len(lb), i + 1,
                la[i][:300] if i < len(la) else '<eof>', lb[i][:300] if i < len(lb) else '<eof>'))
    if b.get('VERIFY_RC') != b'0' or a.get('VERIFY_RC') != b'0':
        diffs.append('verify: A=%s B=%s %s' % (a.get('VERIFY_RC'), b.get('VERIFY_RC'), b.get('VERIFY_OUT', b'')[:500]))
    return diffs


def one_round(seed):
    rng = random.Random(seed)
    rdir = WORK + '/r%d' % seed
    shutil.rmtree(rdir, ignore_errors=True)
    os.makedirs(rdir)
    data, cust, genargs = gen_input(rng, rdir)
    trig = rng.random() < TRIG_P
    opts, max_record = pick_opts(rng, cust, trig)
    # canonical records as CSV now and then (a CSV file rotated at a record's end: the
    # new file starts with the header, as a rotated export would)
    as_csv = (len(genargs) == 1 and '--format scrm' in genargs[0] and
              (rng.random() < 0.5 or os.environ.get('STRESS_CSV') == '1'))
    files, zst = write_inputs(rng, rdir, data, max_record, trig, as_csv)
    ends_of = {}
    def csv_ends(k):
        if k not in ends_of:
            ends_of[k] = csv_record_ends(files[k][1])
        return ends_of[k]
    def at_end(k, off):
        """Whether files[k] may be cut (rotated) at byte off: a line's end, for CSV a record's."""
        b = files[k][1]
        if off <= 0 or b[off - 1:off] != b'\n':
            return False
        if not as_csv:
            return True
        return off in csv_ends(k) and off > min(csv_ends(k))  # (not inside the header)
    def header_of(k):
        b = files[k][1]
        return b[:min(csv_record_ends(b))] if as_csv else b''

    mode = rng.choice(os.environ['STRESS_MODES'].split(',') if os.environ.get('STRESS_MODES')
                      else ['kill', 'kill', 'kill', 'append', 'append_kill', 'follow'])
    rej_path = 'rej.ndjson' if '--rejects' in opts else 'out/rejects.ndjson'
    names = [n + ('.zst' if zst else '') for n, _ in files]
    cmd = [SCRM] + opts + names
    A, B = rdir + '/A', rdir + '/B'
    for d in (A, B):
        os.makedirs(d)
        if cust:
            shutil.copy(rdir + '/c.csv', d + '/c.csv')
    def put(d, name, blob, append=False):
        path = d + '/' + name
        if zst:
            p = subprocess.run(['zstd', '-q', '-c', '-%d' % rng.choice([1, 3])], input=blob, capture_output=True, check=True)
            blob = p.stdout
            path += '.zst'
        with open(path, 'ab' if append else 'wb') as f:
            f.write(blob)
    for n, b in files:
        put(A, n, b)
    t0 = time.time()
    rc, err = run_full(cmd, A)
    ref_t = time.time() - t0
    desc = {'seed': seed, 'gen': genargs, 'cmd': ' '.join(opts + names), 'mode': mode,
            'inputs': open(rdir + '/inputs_desc.txt').read().strip(), 'ref_t': round(ref_t, 2)}
    if rc != 0:
        desc['note'] = 'reference rc=%d err=%s' % (rc, err[-500:])
        return 'refail', desc, rdir
    events = []
    rotated = False
    if mode == 'kill':
        for n, b in files:
            put(B, n, b)
        nk = rng.randrange(1, 4)
        for _ in range(nk):
            delay = rng.choice([rng.uniform(0.05, 1.5), rng.uniform(0.02, max(0.05, ref_t * 1.1))])
            sig = rng.choice([signal.SIGKILL, signal.SIGKILL, signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
            st, krc, kerr = run_killed(cmd, B, delay, sig)
            events.append('%s %.3f %s rc=%s' % (signal.Signals(sig).name, delay, st, krc))
            if st == 'finished' and krc != 0:
                events.append('ERR ' + kerr[-300:])
    elif mode == 'follow':
        # run -f while the last input grows piece by piece (cut anywhere, also inside a
        # line or a UTF-8 sequence), the follower killed and started again 0-2 times
        # meanwhile and stopped at the end; the final run below reads what it left
        for n, b in files[:-1]:
            put(B, n, b)
        last_n, last_b = files[-1]
        bounds = [0] + sorted(set(rng.randrange(0, len(last_b) + 1) for _ in range(rng.randrange(2, 12)))) + [len(last_b)]
        put(B, last_n, last_b[:bounds[1]])
        fcmd = cmd + ['-f']
        def start():
            return subprocess.Popen(fcmd, cwd=B, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        def stop(p, sig):
            if p.poll() is not None:
                events.append('ERR follower exited rc=%s %s' % (p.returncode, p.stderr.read().decode('utf-8', 'replace')[-300:]))
                return
            p.send_signal(sig)
            p.communicate(timeout=120)
            events.append('follow %s rc=%s' % (signal.Signals(sig).name, p.returncode))
        p = start()
        kill_at = set(rng.sample(range(1, len(bounds) - 1), min(rng.randrange(0, 3), len(bounds) - 2)))
        for k in range(1, len(bounds) - 1):
            time.sleep(rng.uniform(0, 0.3))
            if k in kill_at:
                stop(p, rng.choice([signal.SIGKILL, signal.SIGKILL, signal.SIGINT, signal.SIGTERM]))
                p = start()
            put(B, last_n, last_b[bounds[k]:bounds[k + 1]], append=True)
        time.sleep(rng.uniform(0.05, 1.0))
        stop(p, rng.choice([signal.SIGKILL, signal.SIGINT, signal.SIGTERM]))
        events.append('pieces=%d' % (len(bounds) - 1))
    else:
        # append pattern: split the concatenated stream at a line boundary in file k
        # simple: choose a file index; earlier files whole, that file cut at line K, later files absent...
        # later files absent would change cmd; keep all files present but empty-then-filled
        stages = rng.choice([2, 2, 3])
        # build per-file partial contents at each stage
        total_lines = [(n, b.split(b'\n')) for n, b in files]
        # flatten positions (file idx, line idx)
        flat = []
        for fi, (n, ls) in enumerate(total_lines):
            for li in range(len(ls)):
                flat.append((fi, li))
        cutpts = sorted(rng.sample(range(1, len(flat)), stages - 1))
        written = [0] * len(files)  # bytes written so far per file
        if zst:
            # zstd inputs: append a new frame for the additional bytes
            pass
        for s in range(stages):
            if s < stages - 1:
                fi, li = flat[cutpts[s]]
                targets = []
                for k, (n, ls) in enumerate(total_lines):
                    if k < fi:
                        targets.append(len(files[k][1]))
                    elif k == fi:
                        start = len(b'\n'.join(ls[:li])) + (1 if li > 0 else 0)
                        # half the time, cut inside line li as a writer caught mid-line
                        # would (a clean JSON object: no strict prefix of it is JSON, so
                        # the run with the prefix must leave it unread, README "A file
                        # that is still being written")
                        body = ls[li][:-1] if ls[li].endswith(b'\r') else ls[li]
                        if not zst and len(body) > 2 and rng.random() < 0.5 and clean_object(body):
                            start += rng.randrange(1, len(body) - 1)
                            events.append('mid-line cut in %s line %d' % (n, li + 1))
                        if as_csv and start > 0 and not at_end(fi, start):
                            # a CSV stage ends at a record's end: a file that ends in a line
                            # break is taken as finished (README), so one cut inside a
                            # row's quoted lines is what --follow is for
                            later = [e for e in csv_ends(fi) if e > start]
                            start = min(later) if later else len(files[fi][1])
                        targets.append(start)
                    else:
                        targets.append(0)
            else:
                targets = [len(b) for _, b in files]
            # append_kill: the last file rotated after the killed run, at a line's end it
            # had not reached yet (maybe), the rest of its lines going to the new file
            rot_at = None
            if mode == 'append_kill' and s == stages - 1 and rng.random() < 0.5:
                kl, bl = len(files) - 1, files[-1][1]
                ends = [i + 1 for i in range(written[kl], len(bl)) if bl[i:i + 1] == b'\n' and at_end(kl, i + 1)]
                if ends and (written[kl] == 0 or at_end(kl, written[kl])):
                    rot_at = rng.choice(ends)
                    targets[kl] = rot_at
            for k, (n, b) in enumerate(files):
                t = max(targets[k], written[k])
                # rotated between runs, at a line's end: the run after it must read
                # the rest of the old file (renamed beside it) before the new one
                # (not the file rotated after the kill too: twice with no checkpoint
                # between, which the killed run may not have made, and the file in the
                # middle is one no checkpoint ever named)
                if (s > 0 and t > written[k] and at_end(k, written[k]) and
                        not (rot_at is not None and k == len(files) - 1) and rng.random() < ROTATE_P):
                    path = B + '/' + n + ('.zst' if zst else '')
                    os.rename(path, path + '.%d' % s)
                    rotated = True
                    events.append('rotated %s at byte %d' % (n, written[k]))
                    if as_csv:
                        put(B, n, header_of(k))
                if s == 0 or t > written[k]:
                    put(B, n, b[written[k]:t], append=True)
                written[k] = t
            events.append('stage%d sizes=%s' % (s, written[:]))
            if mode == 'append_kill' and s == stages - 1:
                delay = rng.uniform(0.02, max(0.05, ref_t * 1.1))
                sig = rng.choice([signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
                st, krc, kerr = run_killed(cmd, B, delay, sig)
                events.append('%s %.3f %s rc=%s' % (signal.Signals(sig).name, delay, st, krc))
                if rot_at is not None:
                    n, b = files[-1]
                    path = B + '/' + n + ('.zst' if zst else '')
                    os.rename(path, path + '.old')
                    put(B, n, header_of(len(files) - 1) + b[rot_at:])
                    written[-1] = len(b)
                    rotated = True
                    events.append('rotated %s at byte %d after the kill' % (n, rot_at))
            if s < stages - 1:
                rc, err = run_full(cmd, B)
                events.append('run rc=%d' % rc)
                if rc != 0:
                    events.append('ERR ' + err[-300:])
    rc, err = run_full(cmd + ['--stats-json', 'final_stats.json'], B)
    events.append('final rc=%d' % rc)
    try:
        st = json.load(open(B + '/final_stats.json'))
        events.append('final resume_seq=%s log_rebuilt=%s' % (st.get('resume_seq'), st.get('log_rebuilt')))
    except Exception as e:
        events.append('final stats: %r' % e)
    desc['events'] = events
    if rc != 0:
        desc['note'] = 'final rc=%d err=%s' % (rc, err[-800:])
        return 'finalfail', desc, rdir
    da, db = dump_outputs(A, rej_path), dump_outputs(B, rej_path)
    if rotated:
        # positions count from the new file's start after a rotation: compare without
        for dd in (da, db):
            for k in dd:
                if k.endswith('.ndjson.zst') or k == 'LOGDUMP':
                    dd[k] = re.sub(rb',"input":\{[^}]*\}', b'', dd[k])
                elif k == 'REJECTS':
                    dd[k] = re.sub(rb'"offset":[0-9]+,"line":[0-9]+,', b'', dd[k])
    diffs = diff_summary(da, db)
    desc['trig'] = trig
    if diffs:
        desc['diffs'] = diffs
        return 'DIVERGE', desc, rdir
    return 'ok', desc, rdir


def main():
    budget = float(sys.argv[1]) if len(sys.argv) > 1 else 2100
    base = int(sys.argv[2]) if len(sys.argv) > 2 else int(time.time())
    os.makedirs(WORK, exist_ok=True)
    os.makedirs(FIND, exist_ok=True)
    t_end = time.time() + budget
    stats = {}
    i = 0
    while time.time() < t_end:
        while os.path.exists(ROOT + '/PAUSE'):
            time.sleep(2)
        seed = base + i
        i += 1
        try:
            res, desc, rdir = one_round(seed)
        except Exception as e:
            res, desc, rdir = 'exception', {'seed': seed, 'err': repr(e)}, WORK + '/r%d' % seed
        stats[res] = stats.get(res, 0) + 1
        if res == 'ok':
            shutil.rmtree(rdir, ignore_errors=True)
            log('ok %s' % json.dumps(desc))
        else:
            log('### %s %s' % (res, json.dumps(desc, indent=1)))
            dst = FIND + '/r%d' % seed
            if os.path.exists(rdir):
                shutil.move(rdir, dst)
            with open(dst + '.json', 'w') as f:
                json.dump(desc, f, indent=1)
    log('STATS %s rounds=%d' % (stats, i))


if __name__ == '__main__':
    main()
