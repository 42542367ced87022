"""Re-encode large PNG figures saved in the notebooks as JPEG (quality 85), keeping every notebook under 500 kB.

    python tools/shrink_figures.py [--min-kb 75]

Run after executing a notebook with photo figures, before `nbdev-clean` and the commit."""
import argparse, base64, io
from pathlib import Path
import nbformat
from PIL import Image

def shrink(fn, min_bytes):
    nb, n = nbformat.read(fn, as_version=4), 0
    for c in nb.cells:
        for o in c.get('outputs', []):
            d = o.get('data', {})
            if 'image/png' in d and len(d['image/png']) > min_bytes:
                b = io.BytesIO()
                Image.open(io.BytesIO(base64.b64decode(d['image/png']))).convert('RGB').save(b, 'JPEG', quality=85)
                del d['image/png']; d['image/jpeg'] = base64.b64encode(b.getvalue()).decode(); n += 1
    if n: nbformat.write(nb, fn)
    return n

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--min-kb', type=int, default=75)
    a = ap.parse_args()
    for fn in sorted(Path(__file__).resolve().parent.parent.glob('nbs/*.ipynb')):
        n = shrink(fn, a.min_kb*1024*4//3)
        if n: print(f'{fn.name}: {n} figure(s) re-encoded as JPEG; now {fn.stat().st_size/1e3:.0f} kB')
