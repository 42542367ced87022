"""What a chroma gain (`colorize(..., saturation=g)`) does to the metrics on held-out photos, beside the trivial baselines.

    python bench/saturation.py [--model photos-lite0] [--n 100] [--gains 0.8 1 1.2 1.4 1.6 2] [--out colorize_nb/runs/saturation-photos-lite0.json]

The held-out photos are lesson 07a's split (`photo_split`: a seeded 10% of photos256 and of scenes224), every k-th of
each set so that `--n` photos of each are scored, each at its full size through `colorize`. The baselines: no colour,
and the training photos' mean tint (`mean_ab_files` of every 10th training photo). Data: `find_data` (an argument,
`$COLORIZE_NB_DATA`, or a download). Prints one line per set and gain and writes the table as JSON."""
import argparse, json
from pathlib import Path
from systems import main as systems   # the same scoring, each gain a system `MODEL*G`

def main(model='photos-lite0', n=100, gains=(0.8, 1., 1.2, 1.4, 1.6, 2.), out=None, data=None):
    spec = lambda g: model if g == 1 else f'{model}*{g}'
    r = systems([spec(g) for g in gains], n, data=data)
    res = dict(model=model, photos=r['photos'], tint_ab=r['tint_ab'], gains={}, baselines={}, seconds=r['seconds']['all'])
    for s in r['photos']:
        res['baselines'][s] = {b: r['results'][b][s] for b in ('no colour', 'constant tint')}
        res['gains'][s] = {str(float(g)): r['results'][spec(g)][s] for g in gains}
    if out: Path(out).write_text(json.dumps(res, indent=1)); print(f'wrote {out}')
    return res

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--model', default='photos-lite0')
    ap.add_argument('--n', type=int, default=100, help='held-out photos of each set')
    ap.add_argument('--gains', type=float, nargs='+', default=[0.8, 1., 1.2, 1.4, 1.6, 2.])
    ap.add_argument('--out', default=None)
    ap.add_argument('--data', default=None, help='a folder holding the archives (default: $COLORIZE_NB_DATA, else a download)')
    a = ap.parse_args()
    main(a.model, a.n, a.gains, a.out, a.data)
