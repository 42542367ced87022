"""Browser test of `colorize-nb-app`: start it on a free loopback port, drive it in headless Chromium with Playwright
(upload a photo, a file that is not one and one too large, switch the model, answer one round of the Turing test), save screenshots to
`_docs/screenshots/app_*.png`, and stop the server it started, also when a check fails. Ends with `app check: ok` or
`app check: FAILED`."""
import os, signal, socket, subprocess, sys, tempfile, time
from pathlib import Path
from PIL import Image
from playwright.sync_api import sync_playwright

root = Path(__file__).resolve().parent.parent
shots = root/'_docs'/'screenshots'
chromium_args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync']

def free_port()->int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

def start(port:int, log, *extra):
    "Start `colorize-nb-app` on 127.0.0.1:`port` in its own process group, with `extra` options"
    exe = Path(sys.executable).parent/'colorize-nb-app'
    cmd = [str(exe), '--port', str(port), '--host', '127.0.0.1', '--no-browser', '--seed', '0', *map(str, extra)]
    return subprocess.Popen(cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

def stop(proc):
    "SIGTERM the app's process group (the app passes it to Voila, which shuts its kernel down), then SIGKILL what is left"
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try: proc.wait(20)
        except subprocess.TimeoutExpired: pass
    try: os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError: pass
    proc.wait()

def wait_listening(port:int, proc, deadline:float):
    "Wait until the server accepts connections (a page request would start a kernel of its own)"
    while time.time() < deadline:
        if proc.poll() is not None: raise RuntimeError(f"the app exited with status {proc.returncode} before serving")
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=2): return
        except OSError: time.sleep(0.5)
    raise RuntimeError(f"nothing listens on port {port}")

def text(page, sel:str)->str: return page.locator(sel).inner_text()

def wait_text(page, sel:str, part:str, timeout_ms:int=60_000):
    "Wait until the element `sel` contains `part`"
    js = "([s, p]) => { const e = document.querySelector(s); return e && e.innerText.includes(p) }"
    page.wait_for_function(js, arg=[sel, part], timeout=timeout_ms)

def upload(page, fn):
    "Upload `fn` through the upload button, as a user does (the button opens the file chooser)"
    with page.expect_file_chooser() as fc: page.click('.cnb-upload')
    fc.value.set_files(str(fn))

def drive(url:str, photo:Path, notes:Path, big:Path)->list:
    "Drive the app in Chromium; return what was checked, raising AssertionError on a failure"
    done = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path='/usr/bin/chromium', args=chromium_args)
        try:
            page = browser.new_page(viewport={'width': 1400, 'height': 1000})
            try:
                page.goto(url, wait_until='load', timeout=90_000)
                wait_text(page, '.cnb-detail-cap', 'MAE', 90_000)
                n = page.locator('.cnb-gallery img').count()
                loaded = page.evaluate("[...document.querySelectorAll('.cnb-gallery img, img.cnb-detail')]"
                                       ".every(i => i.complete && i.naturalWidth > 0)")
                assert n >= 4 and loaded, f"the gallery shows {n} images (loaded: {loaded})"
                n_static = page.locator('img[src^="data:image/jpeg"]').count()
                assert n_static == 0, f"the page shows {n_static} static pictures: the live widget should replace them"
                page.screenshot(path=str(shots/'app_start.png'))
                done.append(f'page ready with {n} gallery images')

                gallery0, detail0 = page.locator('.cnb-gallery').screenshot(), page.locator('img.cnb-detail').screenshot()
                upload(page, photo)
                wait_text(page, '.cnb-msg', f'upload: {photo.name}: ')
                assert page.locator('.cnb-pick select').input_value() == f'upload: {photo.name}'
                assert page.locator('.cnb-gallery').screenshot() != gallery0, "the gallery did not change after the upload"
                detail1 = page.locator('img.cnb-detail').screenshot()
                assert detail1 != detail0, "the detail view did not change after the upload"
                done.append('upload changed the gallery and the detail view')

                upload(page, notes)
                wait_text(page, '.cnb-msg', f'{notes.name}: not an image file')
                upload(page, big)
                wait_text(page, '.cnb-msg', f'{big.name}: 25.0 MB is too large')
                assert 'Traceback' not in page.inner_text('body'), "a traceback is shown"
                done.append('a file that is not an image and a 25 MB file each show one line')

                sel = page.locator('.cnb-model select')
                m = 'cifar10-gan' if sel.input_value() == 'cifar10-unet' else 'cifar10-unet'   # both work at 32 pixels
                sel.select_option(m)
                wait_text(page, '.cnb-detail-cap', f'{m} (')
                assert page.locator('img.cnb-detail').screenshot() != detail1, "the detail image did not change with the model"
                assert '32' in page.locator('.cnb-size .widget-readout').inner_text(), "the working size did not follow the model"
                page.screenshot(path=str(shots/'app_compare.png'), full_page=True)
                done.append('switching the model changed the detail image and the working size')

                page.locator('.lm-TabBar-tab', has_text='Turing test').click()
                wait_text(page, '.cnb-score', '0 answered')
                page.locator('.cnb-pick-left').click()
                wait_text(page, '.cnb-score', '1 answered')
                msg = text(page, '.cnb-turing-msg')
                assert msg.startswith(('Right: the left one', 'Fooled! The left one')), f"unexpected feedback {msg!r}"
                labels = sorted(text(page, f'.cnb-label-{s}') for s in ('left', 'right'))
                assert labels[1] == 'real' and labels[0].startswith('colorized by '), f"the answered pair is not labelled: {labels}"
                page.wait_for_function("getComputedStyle(document.querySelector('.cnb-next-pair')).visibility == 'visible'")
                page.screenshot(path=str(shots/'app_turing.png'), full_page=True)
                page.locator('.cnb-next-pair').click()   # the verdict stays with its pair until the player asks for the next
                page.wait_for_function("getComputedStyle(document.querySelector('.cnb-pick-left')).visibility == 'visible'"
                                       " && !document.querySelector('.cnb-pick-left').disabled")
                assert text(page, '.cnb-turing-msg') == '' and text(page, '.cnb-label-left') == '', "the next pair still shows the verdict"
                done.append(f'the Turing test counted the click ({msg.split(".")[0]}), labelled the pair, then showed the next pair')
            except Exception:
                try: page.screenshot(path=str(shots/'app_failed.png'), full_page=True)
                except Exception: pass   # the failure itself is what gets reported
                raise
        finally: browser.close()
    return done

def check()->bool:
    if not (Path(sys.executable).parent/'colorize-nb-app').exists():
        print("app check: FAILED (colorize-nb-app is not installed here: pip install -e '.[dev]')")
        return False
    shots.mkdir(parents=True, exist_ok=True)
    t0, port = time.time(), free_port()
    url = f'http://127.0.0.1:{port}/'
    with tempfile.TemporaryDirectory() as d, open(Path(d)/'app.log', 'w+') as log:
        photo, notes, big = Path(d)/'my_photo.jpg', Path(d)/'notes.txt', Path(d)/'huge.jpg'
        im = Image.open(root/'colorize_nb'/'samples'/'coffee.png').convert('RGB')
        im.crop((50, 0, 550, 400)).save(photo, quality=90)
        notes.write_text('not an image\n')
        big.write_bytes(os.urandom(25_000_000))
        proc = start(port, log)
        try:
            wait_listening(port, proc, t0 + 60)
            done = drive(url, photo, notes, big)
            ok = True
        except Exception as e:
            ok, done = False, [f'{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}']
        finally: stop(proc)
        if not ok:
            log.seek(0); print('app log (end):\n' + ''.join(log.readlines()[-15:]))
    for o in done: print(('  ' if ok else 'FAILED ') + o)
    print(f"app check: {'ok' if ok else 'FAILED'} ({time.time()-t0:.0f} s, server on {url} stopped); "
          "screenshots in _docs/screenshots/app_*.png")
    return ok

if __name__ == '__main__': sys.exit(0 if check() else 1)
