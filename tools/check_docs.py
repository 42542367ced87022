"""Open every page of the built docs (`_docs/`) in headless Chromium: fail on a page that is missing or empty,
that has a broken image, or that shows fewer images than its notebook has figures; save screenshots of the index
page and of the colour lesson."""
import sys
from pathlib import Path
import nbformat
sys.path.insert(0, str(Path(__file__).parent))
from build_docs import pages
from nbdev.config import get_config
from playwright.sync_api import sync_playwright

chromium_args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync']
js_imgs = "[...document.images].map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0])"

def check(cfg, shots=('index.html', 'color.html')):
    docs = cfg.config_path/'_docs'
    (docs/'screenshots').mkdir(exist_ok=True)
    problems, n_img = [], 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path='/usr/bin/chromium', args=chromium_args)
        page = browser.new_page(viewport={'width': 1280, 'height': 900})
        for nbp,name in pages(cfg):
            f = docs/name
            if not f.exists(): problems.append(f'{name}: missing'); continue
            page.goto(f.resolve().as_uri(), wait_until='load')
            text = page.inner_text('main') if page.query_selector('main') else ''
            if len(text.strip()) < 200: problems.append(f'{name}: empty ({len(text.strip())} characters of text)')
            imgs = page.evaluate(js_imgs)
            n_img += len(imgs)
            want = sum(any(k in o.get('data', {}) for k in ('image/png', 'image/jpeg')) for c in nbformat.read(nbp, as_version=4).cells for o in c.get('outputs', []))
            if len(imgs) < want: problems.append(f'{name}: {len(imgs)} images on the page, but the notebook has {want} figures')
            problems += [f'{name}: broken image {src}' for src,ok in imgs if not ok]
            print(f'{name}: {len(text)} characters, {len(imgs)} images', flush=True)
            if name in shots: page.screenshot(path=str(docs/'screenshots'/f'{Path(name).stem}.png'), full_page=False)
        browser.close()
    return problems, n_img

if __name__ == '__main__':
    problems, n_img = check(get_config())
    for o in problems: print('FAILED', o)
    print(f"docs check: {len(pages(get_config()))} pages, {n_img} images, {len(problems)} problems; screenshots in _docs/screenshots/")
    sys.exit(1 if problems else 0)
