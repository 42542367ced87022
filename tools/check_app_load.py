"""Several users of `colorize-nb-app` at once: start it on a free loopback port with `--max-sessions`, open that many
pages together in headless Chromium, and have each upload a photo and hostile files (a 3x4000 strip, a decompression
bomb, a 25 MB file, a truncated JPEG) while the others work; then one page more than the app takes, which must get
the one-line busy message. Every page must show its result or a one-line message, never a traceback; the server must
stay up; and when the pages close (one of them vanishing without closing, as a crashed browser does, so that its
kernel is culled as idle) the server's memory must return near its start. Prints what each upload returned, the
sessions held and the memory, and ends with `app load check: ok` or `app load check: FAILED`.

    python tools/check_app_load.py [--sessions 4] [--cull-idle 10]"""
import argparse, asyncio, os, struct, sys, tempfile, threading, time, zlib
from pathlib import Path
import numpy as np, psutil
from PIL import Image
from playwright.async_api import async_playwright
sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_app import root, chromium_args, free_port, start, stop, wait_listening

def tree_mb(pid:int)->float:
    "Resident memory of process `pid` and all its descendants, in MB"
    try: ps = [psutil.Process(pid)]; ps += ps[0].children(recursive=True)
    except psutil.Error: return 0.
    tot = 0
    for p in ps:
        try: tot += p.memory_info().rss
        except psutil.Error: pass
    return tot/1e6

def tree_detail(pid:int)->str:
    "Each process under `pid` with its resident memory"
    try: ps = [psutil.Process(pid)]; ps += ps[0].children(recursive=True)
    except psutil.Error: return ''
    out = []
    for p in ps:
        try: out.append(f"{' '.join(p.cmdline()[1:3])[:60]} {p.memory_info().rss/1e6:.0f} MB")
        except psutil.Error: pass
    return '; '.join(out)

def kernels(pid:int)->int:
    "Jupyter kernels running under process `pid` (a child that exits while it is read is not counted; the server gone counts none)"
    try: ps = psutil.Process(pid).children(recursive=True)
    except psutil.Error: return 0
    n = 0
    for p in ps:
        try: n += 'ipykernel' in ' '.join(p.cmdline())
        except psutil.Error: pass
    return n

def wait_no_kernels(pid:int, limit:float, settle:int=3)->float:
    "Seconds until no kernel runs under `pid` in `settle` readings in a row, a second apart (at most `limit` s)"
    t0, zero = time.time(), 0
    while time.time() - t0 < limit:
        zero = zero + 1 if kernels(pid) == 0 else 0
        if zero >= settle: break
        time.sleep(1)
    return time.time() - t0

def gray_png(fn, w, h):
    "A valid black 8-bit gray PNG of w x h, written row by row (a decompression bomb: tiny file, huge image)"
    chunk = lambda t, b: struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b) & 0xffffffff)
    z,row = zlib.compressobj(9), b'\0'*(w + 1)
    with open(fn, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0)))
        data = b''.join(z.compress(row) for _ in range(h)) + z.flush()
        f.write(chunk(b'IDAT', data) + chunk(b'IEND', b''))

def make_files(d:Path)->dict:
    "name -> (file, the text its message must contain)"
    src = Image.open(root/'colorize_nb'/'samples'/'coffee.png').convert('RGB')
    src.crop((50, 0, 550, 400)).save(d/'photo.jpg', quality=90)
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (3, 4000), dtype=np.uint8)).save(d/'strip.png')
    gray_png(d/'bomb.png', 30000, 30000)
    (d/'huge.jpg').write_bytes(os.urandom(25_000_000))
    (d/'cut.jpg').write_bytes((d/'photo.jpg').read_bytes()[:4000])
    return {'photo.jpg': 'upload: photo.jpg: ', 'strip.png': 'upload: strip.png: ', 'bomb.png': 'bomb.png: 30000x30000 is 900 megapixels',
            'huge.jpg': 'huge.jpg: 25.0 MB is too large', 'cut.jpg': 'cut.jpg: truncated or corrupt image'}

async def wait_text(page, sel, part, timeout_ms=240_000):
    js = "([s, p]) => { const e = document.querySelector(s); return e && e.innerText.includes(p) }"
    await page.wait_for_function(js, arg=[sel, part], timeout=timeout_ms)

async def session(browser, url, files, k, log):
    "One user: open the page, upload each file in turn, record the message each gets"
    ctx = await browser.new_context(viewport={'width': 1200, 'height': 900})
    page = await ctx.new_page()
    t0 = time.time()
    await page.goto(url, wait_until='load', timeout=240_000)
    await wait_text(page, '.cnb-detail-cap', 'MAE')
    log.append(f'session {k}: ready in {time.time()-t0:.0f} s')
    order = list(files)[k % len(files):] + list(files)[:k % len(files)]   # each session meets the files in another order
    for name in order:
        fn,want = files[name]
        async with page.expect_file_chooser() as fc: await page.click('.cnb-upload')
        await (await fc.value).set_files(str(fn))
        await wait_text(page, '.cnb-msg', want)
        msg = (await page.locator('.cnb-msg').inner_text()).strip()
        assert '\n' not in msg and 'Traceback' not in await page.inner_text('body'), f'session {k}, {name}: {msg!r}'
        log.append(f'session {k}: {name} -> {msg}')
    return ctx, page

async def drive(url, files, n, pid, cull_idle, out):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path='/usr/bin/chromium', args=chromium_args)
        try:
            log = []
            t0 = time.time()
            opened = await asyncio.gather(*[session(browser, url, files, k, log) for k in range(n)])
            out['sessions_s'] = time.time() - t0
            out['log'] = log
            test_kernels = kernels(pid)
            assert test_kernels == n, f'{test_kernels} kernels for {n} sessions'
            out['mb_sessions'] = tree_mb(pid)
            # one page more than the app takes: the busy line, and nothing loaded
            ctx = await browser.new_context(); page = await ctx.new_page()
            await page.goto(url, wait_until='load', timeout=120_000)
            await wait_text(page, '.cnb-busy', 'colorize_nb is busy', 120_000)
            out['busy'] = (await page.locator('.cnb-busy').inner_text()).strip()
            await page.close(run_before_unload=True); await ctx.close()
            # close the pages: all but one as a user does (the page shuts its kernel down), the last one vanishing
            for ctx,page in opened[:-1]: await page.close(run_before_unload=True); await ctx.close()
            await opened[-1][0].close()
        finally: await browser.close()

def check(n:int, cull_idle:int)->bool:
    t0, port = time.time(), free_port()
    url = f'http://127.0.0.1:{port}/'
    out, peak, ok, msg = {}, [0.], False, ''
    with tempfile.TemporaryDirectory() as d, open(Path(d)/'app.log', 'w+') as log:
        d = Path(d)
        want = make_files(d)
        files = {k: (d/k, v) for k,v in want.items()}
        proc = start(port, log, '--max-sessions', n, '--cull-idle', cull_idle)
        done = threading.Event()
        def watch():
            while not done.is_set(): peak[0] = max(peak[0], tree_mb(proc.pid)); time.sleep(0.5)
        threading.Thread(target=watch, daemon=True).start()
        try:
            wait_listening(port, proc, t0 + 60)
            out['mb_start'] = tree_mb(proc.pid)
            asyncio.run(drive(url, files, n, proc.pid, cull_idle, out))
            out['culled_s'] = wait_no_kernels(proc.pid, cull_idle + 120)
            assert kernels(proc.pid) == 0, f'{kernels(proc.pid)} kernels still run {out["culled_s"]:.0f} s after the pages closed'
            assert proc.poll() is None, f'the server exited with status {proc.returncode}'
            t2 = time.time()   # a kernel that has just been shut down may take a moment to go
            while (out.setdefault('mb_end', tree_mb(proc.pid)) >= out['mb_start'] + 200) and time.time() - t2 < 30:
                time.sleep(1); out['mb_end'] = tree_mb(proc.pid)
            out['end_detail'] = tree_detail(proc.pid)
            log.flush(); log.seek(0); text = log.read()
            out['culled'], out['shut'] = text.count("Culling 'idle' kernel"), text.count('Kernel shutdown')
            assert out['mb_end'] < out['mb_start'] + 200, f"memory did not return: {out['mb_start']:.0f} MB at start, {out['mb_end']:.0f} MB after"
            ok = True
        except Exception as e: msg = f'{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}'
        finally:
            done.set(); stop(proc)
        if not ok:
            log.seek(0); print('app log (end):\n' + ''.join(log.readlines()[-20:]))
    for o in out.get('log', []): print('  ' + o)
    if 'busy' in out: print(f"  session {n+1}: {out['busy']}")
    if 'mb_sessions' in out:
        print(f"  {n} sessions held at once, all ready and through their uploads in {out['sessions_s']:.0f} s; server memory: "
              f"{out['mb_start']:.0f} MB at start, {out['mb_sessions']:.0f} MB with {n} sessions "
              f"({(out['mb_sessions'] - out['mb_start'])/n:.0f} MB a session), peak {peak[0]:.0f} MB")
    if 'end_detail' in out: print(f"  after: {out['end_detail']}")
    if 'mb_end' in out: print(f"  all kernels gone {out['culled_s']:.0f} s after the pages closed ({out['shut']} shut down, {out['culled']} of them "
                              f"culled as idle); {out['mb_end']:.0f} MB after")
    if msg: print('FAILED ' + msg)
    print(f"app load check: {'ok' if ok else 'FAILED'} ({time.time()-t0:.0f} s, server on {url} stopped)")
    return ok

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--sessions', type=int, default=4); ap.add_argument('--cull-idle', type=int, default=10)
    a = ap.parse_args()
    sys.exit(0 if check(a.sessions, a.cull_idle) else 1)
