"""Open every page of the built docs (`_docs/`) in headless Chromium and fail on a page that
- is missing or empty, has a broken image, or shows fewer images than its notebook has figures;
- is wider than the window, or has a table wider than the text column that cannot be scrolled sideways to its last
  column inside that column (the baseline page's metric tables);
- loses its sidebar when scrolled down, or its contents list ("On this page") when it has headings;
- has a contents list that misses one of its headings, or with a link that goes nowhere or does not scroll its
  heading into view when clicked.
Saves a screenshot of every page, scrolled to its first figure (the top where it has none), to `_docs/screenshots/`."""
import sys
from pathlib import Path
from urllib.parse import unquote
import nbformat
sys.path.insert(0, str(Path(__file__).parent))
from build_docs import pages
from nbdev.config import get_config
from playwright.sync_api import sync_playwright

chromium_args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync']
viewport = {'width': 1280, 'height': 900}
js_imgs = "[...document.images].map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0])"

# Every table that is wider than the room the text column leaves it must sit in a box (or be one) that scrolls
# sideways, that box must end inside the text column, and scrolled to its end it must show the table's last column.
js_tables = """() => {
  const main = document.querySelector('main'), ms = getComputedStyle(main);
  const right = main.getBoundingClientRect().right - parseFloat(ms.paddingRight) + 1;
  const res = {wide: 0, bad: []};
  for (const t of main.querySelectorAll('table')) {
    const tr = t.getBoundingClientRect();
    if (tr.width === 0) continue;
    let box = t;
    while (box !== main && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) box = box.parentElement;
    const fits = box === main ? tr.right <= right : tr.width <= box.clientWidth + 1;
    if (fits && tr.right <= right) continue;
    res.wide++;
    const cells = t.rows.length ? [...t.rows[0].cells] : [], name = cells.map(c => c.innerText.trim()).join(' ').slice(0, 60);
    if (box === main) { res.bad.push(`table "${name}" is ${Math.round(tr.width)} px wide, runs past the text column and does not scroll`); continue; }
    const br = box.getBoundingClientRect();
    if (br.right > right + 1) { res.bad.push(`the scrolling box of table "${name}" runs past the text column`); continue; }
    box.scrollLeft = box.scrollWidth;
    const last = cells.length ? cells[cells.length-1] : t;
    const lr = last.getBoundingClientRect(), br2 = box.getBoundingClientRect();
    if (box.scrollLeft <= 0 || lr.right > br2.right + 1 || lr.left < br2.left - 1)
      res.bad.push(`table "${name}": scrolling its box sideways does not bring its last column into view`);
    box.scrollLeft = 0;
  }
  res.page = [document.scrollingElement.scrollWidth, innerWidth];
  return res;
}"""

# after scrolling to the end of the page: is the element still in the window, from its top?
js_in_view = """sel => {
  const e = document.querySelector(sel);
  if (!e) return null;
  const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
  const reach = e.scrollHeight <= e.clientHeight + 1 || ['auto', 'scroll'].includes(cs.overflowY);
  return {top: r.top, bottom: r.bottom, h: innerHeight, shown: r.top >= -1 && r.top <= 1 && r.bottom >= Math.min(innerHeight, e.scrollHeight) - 1,
          reach, scrolled: scrollY, tall: document.scrollingElement.scrollHeight > innerHeight + 100};
}"""

# the page's headings (levels 2 and 3, as Quarto's `toc-depth`) and the contents list's links
js_toc = """() => {
  const heads = [...document.querySelectorAll('main h2[id], main h3[id]')].map(h => h.id);
  const nav = document.querySelector('nav#TOC');
  const links = nav ? [...nav.querySelectorAll('a')].map(a => a.getAttribute('href')) : [];
  const dead = links.filter(l => !l || !l.startsWith('#') || !document.getElementById(decodeURIComponent(l.slice(1))));
  const linked = new Set(links.map(l => l && decodeURIComponent(l.slice(1))));
  return {heads: heads.length, nav: !!nav, links: links.length, dead, missing: heads.filter(h => !linked.has(h))};
}"""

def check_layout(page, name):
    "The checks of the docstring that need the page scrolled; the page is left scrolled"
    problems = []
    tables = page.evaluate(js_tables)
    problems += [f'{name}: {o}' for o in tables['bad']]
    if tables['page'][0] > tables['page'][1] + 1:
        problems.append(f'{name}: the page is {tables["page"][0]} px wide in a {tables["page"][1]} px window (something is cut off)')
    toc = page.evaluate(js_toc)
    if toc['heads'] and not (toc['nav'] and toc['links']): problems.append(f'{name}: {toc["heads"]} headings but no contents list')
    problems += [f'{name}: contents list link {l!r} goes nowhere' for l in toc['dead']]
    if toc['nav']: problems += [f'{name}: heading #{h} is not in the contents list' for h in toc['missing']]
    page.evaluate('window.scrollTo(0, document.scrollingElement.scrollHeight)')
    sticky = {}
    for sel,what in (('nav#sidebar', 'sidebar'), ('nav#TOC', 'contents list')):
        r = page.evaluate(js_in_view, sel)
        if r is None:
            if what == 'sidebar': problems.append(f'{name}: no sidebar')
            continue
        sticky[what] = r['shown']
        if r['tall'] and not r['shown']: problems.append(f'{name}: the {what} scrolls out of view (top at {r["top"]:.0f} px after scrolling {r["scrolled"]:.0f} px)')
        if not r['reach']: problems.append(f'{name}: the {what} is taller than the window and cannot be scrolled')
    # click the first, a middle and the last entry of the contents list: its heading must come into view
    n = toc['links'] if toc['nav'] else 0
    for i in sorted({0, n//2, n-1} if n else ()):
        a = page.locator('nav#TOC a').nth(i)
        href = unquote(a.get_attribute('href'))
        a.click()
        page.wait_for_timeout(50)
        r = page.evaluate('''id => { const e = document.getElementById(id); if (!e) return null;
            const r = e.getBoundingClientRect(); return [r.top, r.bottom, innerHeight, decodeURIComponent(location.hash)]; }''', href[1:])
        if not r or r[0] < -1 or r[1] > r[2] + 1 or r[3] != href:
            problems.append(f'{name}: clicking contents entry {href} does not show its heading ({r})')
    return problems, tables['wide'], n, sticky

def figure_shot(page, path):
    "Screenshot the window scrolled to the page's first figure (with a little of what leads to it), else its top"
    found = page.evaluate("""() => { const i = document.querySelector('main img'); window.scrollTo(0, 0);
        if (!i) return false; window.scrollTo(0, Math.max(0, i.getBoundingClientRect().top + scrollY - 120)); return true; }""")
    page.screenshot(path=str(path), full_page=False)
    return found

def check(cfg):
    docs = cfg.config_path/'_docs'
    shots = docs/'screenshots'
    if shots.exists():
        for f in shots.glob('*.png'): f.unlink()
    shots.mkdir(exist_ok=True)
    problems, n_img = [], 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path='/usr/bin/chromium', args=chromium_args)
        page = browser.new_page(viewport=viewport)
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
            fig = figure_shot(page, shots/f'{Path(name).stem}.png')
            lp, wide, n_toc, sticky = check_layout(page, name)
            problems += lp
            print(f'{name}: {len(text)} characters, {len(imgs)} images, {wide} wide tables, {n_toc} contents entries, '
                  f'in view after scrolling: {", ".join(k for k,v in sticky.items() if v) or "nothing"}; '
                  f'screenshot at {"its first figure" if fig else "the top (no figure)"}', flush=True)
        browser.close()
    return problems, n_img

if __name__ == '__main__':
    cfg = get_config()
    problems, n_img = check(cfg)
    for o in problems: print('FAILED', o)
    print(f"docs check: {len(pages(cfg))} pages, {n_img} images, {len(problems)} problems; screenshots in _docs/screenshots/")
    sys.exit(1 if problems else 0)
