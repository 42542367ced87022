"""Build the docs site without Quarto: `nbdev-proc-nbs`, then pandoc renders each processed notebook to HTML.

Real users with Quarto run `nbdev-docs` instead; this is the check that runs on machines without a Quarto binary.
Each page gets what Quarto's site gives (`toc: true` in `nbs/_quarto.yml`): a sidebar of all pages and a contents
list of the page, both kept in view while the page scrolls, and wide tables that scroll sideways.
Also regenerates README.md from `nbs/index.ipynb` (what `nbdev-readme` does with Quarto)."""
import html, json, os, re, shutil, subprocess, sys, tempfile
from pathlib import Path
import nbformat, yaml
import nbdev.quarto as nq
from nbdev.config import get_config, nbpath2html

def proc_nbs():
    "Run `nbdev-proc-nbs` (all its steps; Quarto itself is not needed for processing, so its installer is skipped)"
    nq._ensure_quarto = lambda: None
    nq.nbdev_proc_nbs.__wrapped__(force=True)

def _cell_opts(src):
    "Quarto cell options (`#| key: value` lines at the top of a code cell) and the source without them"
    lines, opts = src.split('\n'), {}
    while lines and lines[0].startswith('#|'):
        k,_,v = lines.pop(0)[2:].partition(':')
        opts[k.strip()] = v.strip()
    return opts, '\n'.join(lines)

def _quarto_cells(cells):
    "Apply what Quarto does with `echo: false` and `output: asis` (nbdev's `show_doc` cells use both)"
    res = []
    for c in cells:
        if c.cell_type != 'code': res.append(c); continue
        opts,c.source = _cell_opts(c.source)
        if opts.get('echo') == 'false' and opts.get('output') == 'asis':
            md = [''.join(o['data']['text/markdown']) if isinstance(o['data']['text/markdown'], list) else o['data']['text/markdown']
                  for o in c.get('outputs', []) if 'text/markdown' in o.get('data', {})]
            res.append(nbformat.v4.new_markdown_cell('\n\n'.join(md)))
        else: res.append(c)
    return res

def _front(nb):
    "Title and description from the front matter nbdev puts in the first raw cell, and the notebook without it"
    meta, cells = {}, []
    for c in nb.cells:
        if not meta and c.cell_type == 'raw' and c.source.startswith('---'):
            meta = yaml.safe_load(c.source.strip().strip('-')) or {}
        else: cells.append(c)
    for c in cells:  # pandoc's ipynb reader wants a number where nbdev-clean leaves null
        for o in c.get('outputs', []):
            if o.get('output_type') == 'execute_result' and o.get('execution_count') is None: o['execution_count'] = 0
    nb.cells = _quarto_cells(cells)
    return meta, nb

def _title_html(t): return re.sub(r'`([^`]*)`', r'<code>\1</code>', html.escape(t))

def pages(cfg):
    "(notebook in `_proc`, output html name) in the order of `sidebar.yml`"
    side = yaml.safe_load((cfg.nbs_path/'sidebar.yml').read_text())['website']['sidebar']['contents']
    flat = [o for o in side if isinstance(o, str)]
    proc = cfg.config_path/'_proc'
    return [(proc/f, nbpath2html(Path(f)).name) for f in flat if f.endswith('.ipynb')]

def _pandoc(*args, cwd=None): subprocess.run(['pandoc', *map(str, args)], check=True, cwd=cwd)

# The page layout (pandoc build only; Quarto has its own): the sidebar and the page's contents list stay in view while
# the page scrolls, wide tables scroll sideways inside the text column, and narrow windows stack the three columns.
_layout = """html{scroll-padding-top:1rem}
body{max-width:none;margin:0;padding:0;display:flex;align-items:flex-start;font-family:system-ui,sans-serif}
nav#sidebar{position:sticky;top:0;box-sizing:border-box;width:15rem;height:100vh;overflow-y:auto;padding:1.5rem 1rem;
  background:#f7f7f9;border-right:1px solid #ddd;flex:none}
nav#sidebar a{display:block;padding:.25rem 0;color:#2c3e50;text-decoration:none}
nav#sidebar a.active{font-weight:bold;color:#2780e3}
main{flex:1 1 auto;box-sizing:border-box;padding:1.5rem 2.5rem;max-width:60rem;min-width:0}
nav#TOC{position:sticky;top:0;box-sizing:border-box;width:14rem;max-height:100vh;overflow-y:auto;padding:1.5rem 1rem;
  flex:none;font-size:.85rem}
nav#TOC h2{font-size:.95rem;margin:0 0 .5rem}
nav#TOC ul{list-style:none;margin:0;padding:0} nav#TOC ul ul{padding-left:.8rem}
nav#TOC a{display:block;padding:.15rem 0 .15rem .5rem;border-left:2px solid #e5e5e5;color:#555;text-decoration:none;overflow-wrap:anywhere}
nav#TOC a.active{border-left-color:#2780e3;color:#2780e3}
.table-scroll{overflow-x:auto;max-width:100%}
img{max-width:100%} pre{overflow-x:auto;background:#f6f8fa;padding:.6rem} code{font-size:90%}
header#title-block-header p.subtitle{font-style:italic;opacity:.7;font-size:120%}
@media (max-width:60rem){body{display:block} nav#sidebar,nav#TOC{position:static;width:auto;height:auto;max-height:none}}
"""

# marks the contents-list entry of the section being read (what Quarto's scrollspy does)
_toc_js = """<script>
(() => {
  const links = [...document.querySelectorAll('nav#TOC a[href^="#"]')];
  const heads = links.map(a => document.getElementById(decodeURIComponent(a.hash.slice(1))));
  function mark() {
    let cur = 0;
    heads.forEach((h, i) => { if (h && h.getBoundingClientRect().top < 80) cur = i; });
    links.forEach((a, i) => a.classList.toggle('active', i === cur));
    const nav = document.getElementById('TOC'), a = links[cur];  // a long list follows the reader
    if (nav && a) { const r = a.getBoundingClientRect(), n = nav.getBoundingClientRect();
      if (r.top < n.top || r.bottom > n.bottom) nav.scrollTop += r.top - n.top - n.height/2; }
  }
  addEventListener('scroll', mark, {passive: true}); mark();
})();
</script>"""

# pandoc keeps each markdown cell in a Div, and its contents list skips headings inside a Div unless they open it (so
# every `show_doc` heading would be missing): unwrap markdown cells so their headings nest as in Quarto's list
_unwrap_lua = """function Div(d)
  if d.classes:includes('cell') and d.classes:includes('markdown') then return d.content end
end
"""

def _post(h):
    "Wrap every table in a box that scrolls sideways, and move pandoc's contents list out of `main` to its own column"
    parts = re.split(r'(<script\b.*?</script>)', h, flags=re.S|re.I)  # leave scripts alone
    h = ''.join(p if i%2 else re.sub(r'</table\s*>', '</table></div>', re.sub(r'<table\b', '<div class="table-scroll"><table', p))
                for i,p in enumerate(parts))
    toc = re.search(r'<nav id="TOC".*?</nav>\n?', h, flags=re.S)
    if toc: h = h[:toc.start()] + h[toc.end():]
    return h.replace('</main><!--toc-->', '</main>' + (toc.group(0) if toc and '<a ' in toc.group(0) else ''), 1)

def render(cfg):
    "Render every page of the sidebar to `_docs/<name>.html`, with a sidebar linking all pages and a contents list"
    out = cfg.config_path/'_docs'
    if out.exists(): shutil.rmtree(out)
    out.mkdir()
    shutil.copy(cfg.nbs_path/'styles.css', out/'styles.css')
    (out/'layout.css').write_text(_layout)
    ps = pages(cfg)
    titles = {}
    tmp = Path(tempfile.mkdtemp())
    for nbp,name in ps:
        meta,nb = _front(nbformat.read(nbp, as_version=4))
        titles[name] = meta.get('title', name)
        nbformat.write(nb, tmp/nbp.name)
        (tmp/f'{name}.json').write_text(json.dumps(meta))
    after = tmp/'after.html'; after.write_text('</main><!--toc-->\n' + _toc_js)
    lua = tmp/'unwrap.lua'; lua.write_text(_unwrap_lua)
    for nbp,name in ps:
        meta = json.loads((tmp/f'{name}.json').read_text())
        links = ''.join(f'<a href="{n}"{" class=active" if n==name else ""}>{_title_html(titles[n])}</a>' for _,n in ps)
        side = tmp/f'{name}.side.html'
        side.write_text(f'<nav id="sidebar"><b>{html.escape(cfg.title)}</b>{links}</nav><main>')
        # title and description are markdown, as in Quarto's front matter (a description may hold `code`)
        md = {'title': titles[name], 'pagetitle': f'{titles[name]} - {cfg.title}', 'toc-title': 'On this page'}
        if meta.get('description'): md['subtitle'] = meta['description']
        mdf = tmp/f'{name}.yml'; mdf.write_text(yaml.safe_dump(md, allow_unicode=True))
        args = [tmp/nbp.name, '-f', 'ipynb+link_attributes', '-t', 'html5', '-s', '-o', name, '--extract-media', Path(name).stem+'_files',
                '--mathml', '--toc', '--toc-depth=3', '--lua-filter', lua, '--css', 'styles.css', '--css', 'layout.css',
                '--include-before-body', side, '--include-after-body', after, '--metadata-file', mdf]
        _pandoc(*args, cwd=out)
        (out/name).write_text(_post((out/name).read_text()))
    shutil.rmtree(tmp)
    return [n for _,n in ps]

def readme(cfg):
    "README.md from the processed index notebook, as `nbdev-readme` makes it with Quarto"
    idx = cfg.config_path/'_proc'/cfg.readme_nb
    meta,nb = _front(nbformat.read(idx, as_version=4))
    tmp = Path(tempfile.mkdtemp())/'index.ipynb'
    nbformat.write(nb, tmp)
    body = subprocess.run(['pandoc', str(tmp), '-f', 'ipynb', '-t', 'gfm', '--wrap=preserve'], check=True,
                          capture_output=True, text=True).stdout
    body = re.sub(r'<div [^>]*class="(?:cell|output)[^"]*"[^>]*>\n+|</div>\n+', '', body)
    head = f"# {meta.get('title', cfg.title)}\n\n"
    if meta.get('description'): head += f"> {meta['description']}\n\n"
    (cfg.config_path/'README.md').write_text(head + body)

if __name__ == '__main__':
    cfg = get_config()
    os.chdir(cfg.config_path)
    proc_nbs()
    readme(cfg)
    if '--readme-only' not in sys.argv: print(f'docs: rendered {len(render(cfg))} pages into _docs/')
