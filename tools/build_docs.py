"""Build the docs site without Quarto: `nbdev-proc-nbs`, then pandoc renders each processed notebook to HTML.

Real users with Quarto run `nbdev-docs` instead; this is the check that runs on machines without a Quarto binary.
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

_layout = """body{max-width:none;margin:0;padding:0;display:flex;font-family:system-ui,sans-serif}
nav#sidebar{width:15rem;min-height:100vh;padding:1.5rem 1rem;background:#f7f7f9;border-right:1px solid #ddd;flex:none}
nav#sidebar a{display:block;padding:.25rem 0;color:#2c3e50;text-decoration:none}
nav#sidebar a.active{font-weight:bold;color:#2780e3}
main{padding:1.5rem 2.5rem;max-width:60rem;min-width:0}
img{max-width:100%} pre{overflow-x:auto;background:#f6f8fa;padding:.6rem} code{font-size:90%}
header#title-block-header p.subtitle{font-style:italic;opacity:.7;font-size:120%}
"""

def render(cfg):
    "Render every page of the sidebar to `_docs/<name>.html`, with a sidebar linking all pages"
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
    for nbp,name in ps:
        meta = json.loads((tmp/f'{name}.json').read_text())
        links = ''.join(f'<a href="{n}"{" class=active" if n==name else ""}>{_title_html(titles[n])}</a>' for _,n in ps)
        side = tmp/f'{name}.side.html'
        side.write_text(f'<nav id="sidebar"><b>{html.escape(cfg.title)}</b>{links}</nav><main>')
        after = tmp/'after.html'; after.write_text('</main>')
        args = [tmp/nbp.name, '-f', 'ipynb+link_attributes', '-t', 'html5', '-s', '-o', name, '--extract-media', Path(name).stem+'_files',
                '--mathml', '--css', 'styles.css', '--css', 'layout.css', '--include-before-body', side, '--include-after-body', after,
                '--metadata', f'title={titles[name]}', '--metadata', f'pagetitle={titles[name]} - {cfg.title}']
        if meta.get('description'): args += ['--metadata', f'subtitle={meta["description"]}']
        _pandoc(*args, cwd=out)
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
