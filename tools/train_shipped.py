"""Train the models that ship inside colorize_nb (colorize_nb/weights/<name>.safetensors + .json).

    python tools/train_shipped.py cifar10-unet cifar10-gan photos-gan [--scale 1.0]
    python tools/train_shipped.py cifar10-gan --finish --run .cache/runs/cifar10-gan-ab-ema   # ship a long run stopped early

Data: ../shared/data (CIFAR-10 training archive, seeded 90/10 split; the photo set, seeded 90/10 split).
Each recipe is a `colorize-nb-train` command (lesson 07c: checkpoints every epoch, `--resume`, the best epoch
exported); GANs pretrain the generator with L1, then a GAN phase, keeping the GAN epoch with the best
validation MAE. The CIFAR-10 GAN's recipe is tutorial 10's long run (ab mode, the repository's 2 G steps and
D lr / 10, the generator's weight average, spectral norm in D; 200 epochs planned), shipped with `--finish` from
where it stopped. The exported fp16 weights are then evaluated with running and with batch BN statistics, and the
better MAE sets `bn_eval` for inference (`--evaluate` redoes only this step).
`--scale` multiplies every epoch count and `--n-items` takes a subset (smoke tests)."""
import argparse, csv, hashlib, json, subprocess, sys
from pathlib import Path
from colorize_nb.data import cifar10_dls, colorize_dls, extract_archive
from colorize_nb.baseline import baseline_learner
from colorize_nb.models import use_batch_stats, load_generator
from fastai.callback.core import Callback

root = Path(__file__).resolve().parent.parent
data = root.parent/'shared'/'data'
out_dir = root/'colorize_nb'/'weights'
work = root/'.cache'/'train'

recipes = {   # arguments of `colorize-nb-train` (lesson 07c) for each shipped model
    'cifar10-unet': ['cifar10', '--model', 'unet', '--width', '0.5', '--epochs', '6', '--monitor', 'valid_loss'],
    'cifar10-gan':  ['cifar10', '--model', 'gan', '--mode', 'ab', '--width', '0.5', '--pretrain', '3', '--epochs', '200', '--plateau', '5',
                     '--g-steps', '2', '--crit-lr-mult', '0.1', '--ema', '0.999', '--spectral', '--channels-last', '--monitor', 'mae'],
    'photos-gan':   ['photos256', '--model', 'gan', '--mode', 'ab', '--config', 'places', '--width', '0.5', '--size', '128',
                     '--bs', '16', '--pretrain', '10', '--epochs', '6', '--monitor', 'mae'],
}
kinds = {'unet': 'U-Net (L2, equation 9)', 'gan': 'conditional GAN (L1 pretraining, then equations 5-8)'}
data_desc = {'cifar10': 'CIFAR-10 training split (shared JPEG archive), seeded 90/10 split, validation = the 10%',
             'photos256': 'photos256 (2,372 natural photos), random 128x128 crops, seeded 90/10 split, validation = the 10%'}

def _arg(args, k, default=None): return args[args.index(k) + 1] if k in args else default

def dls_for(name, n_items=None):
    "The validation DataLoaders of the recipe `name` (the command's own split)"
    args = recipes[name]
    mode,bs = _arg(args, '--mode', 'paper'),int(_arg(args, '--bs', 128))
    if args[0] == 'cifar10': return cifar10_dls(data/'cifar10_train.tgz', bs=bs, mode=mode, n_items=n_items)
    return colorize_dls(extract_archive(data/'photos256.tar')/'photos_train_256', size=int(_arg(args, '--size')), bs=bs, mode=mode, n_items=n_items)

class BatchStats(Callback):
    "Validate with BN batch statistics (after fastai has put the model in eval mode, which would undo it)"
    order = 70
    def before_validate(self): use_batch_stats(self.learn.model, True)
    def after_validate(self): use_batch_stats(self.learn.model, False)

def evaluate(name, dls=None):
    "Validation metrics of the exported (fp16) weights with running and with batch BN statistics; the better MAE wins"
    fn = out_dir/f'{name}.safetensors'
    js = fn.with_suffix('.json')
    gen,meta = load_generator(fn)
    learn = baseline_learner(dls or dls_for(name), gen=gen, mode=meta['mode'], bf16=False, plateau=None)
    names = [m.name for m in learn.metrics]
    res = {'running': dict(zip(names, map(float, learn.validate()[1:])))}
    # colorize() runs one image at a time: batch statistics need more than one value per channel at the bottleneck
    # ... and colorize() normalises each image by its own statistics, so validate one image at a time
    if meta['size'] // gen.stride >= 2:
        res['batch'] = dict(zip(names, map(float, learn.validate(dl=learn.dls.valid.new(bs=1), cbs=[BatchStats()])[1:])))
    bn = min(res, key=lambda k: res[k]['mae'])
    meta.update(bn_eval=bn, metrics=res[bn], metrics_by_bn=res, metrics_of='the exported fp16 weights, fp32 inference')
    meta['sha256'] = hashlib.sha256(fn.read_bytes()).hexdigest()
    js.write_text(json.dumps(meta, indent=1))
    print(f"{name}: {fn.stat().st_size/1e6:.1f} MB, bn={bn}, metrics {meta['metrics']}", flush=True)

def baselines(name):
    "The trivial baselines (no colour; the training set's mean tint) on the model's own validation split, into its JSON"
    from colorize_nb.metrics import trivial_baselines
    js = out_dir/f'{name}.json'
    meta = json.loads(js.read_text())
    b = trivial_baselines(dls_for(name))
    meta['baselines'] = dict(zip(('gray', 'tint'), b.values()))
    js.write_text(json.dumps(meta, indent=1))
    print(name, {k: {m: round(v, 2) for m,v in r.items()} for k,r in meta['baselines'].items()}, flush=True)

def _kind(args)->str:
    "The model's description: the recipe's model, with the switches beyond the paper that it uses"
    extras = [t for k,t in [('--g-steps', f"{_arg(args, '--g-steps')} G steps per D step"), ('--crit-lr-mult', f"D lr x {_arg(args, '--crit-lr-mult')}"),
                            ('--ema', f"generator weight average {_arg(args, '--ema')}"), ('--spectral', 'spectral norm in D')] if k in args]
    k = kinds[_arg(args, '--model')]
    return k[:-1] + '; ' + ', '.join(extras) + ')' if extras else k

def train(name, scale=1., n_items=None, resume=False, finish=False, run=None):
    "Run `colorize-nb-train` with the recipe `name` in `run` (default .cache/train/<name>), then ship its export with the run's history"
    args = list(recipes[name])
    run = Path(run) if run else work/name
    for k in ('--epochs', '--pretrain'):
        if k in args: args[args.index(k) + 1] = str(max(1, round(int(_arg(args, k))*scale)))
    if args[0] == 'photos256': args[0] = str(extract_archive(data/'photos256.tar')/'photos_train_256')
    cmd = [sys.executable, '-m', 'colorize_nb.train', *args, str(run), '--export', str(out_dir/name)] + \
          (['--n-items', str(n_items)] if n_items else []) + (['--resume'] if resume else []) + (['--finish'] if finish else [])
    print(' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=root)   # the shared data is found from the repository root
    log = list(csv.DictReader(open(run/'log.csv')))
    hist = {}
    for r in log: hist.setdefault(r['phase'], []).append({k: float(v) for k,v in r.items() if k != 'phase'})
    js = (out_dir/name).with_suffix('.json')
    meta = json.loads(js.read_text())
    meta.update(name=name, kind=_kind(args), training_data=data_desc[recipes[name][0]], history=hist,
                epochs_by_phase={ph: len(v) for ph,v in hist.items()}, train_minutes=max(float(r['minutes']) for r in log))
    js.write_text(json.dumps(meta, indent=1))
    evaluate(name)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('names', nargs='+', choices=list(recipes)); ap.add_argument('--scale', type=float, default=1.)
    ap.add_argument('--n-items', type=int, default=None, help='a seeded subset of the data (smoke tests)')
    ap.add_argument('--out', default=str(out_dir))
    ap.add_argument('--resume', action='store_true', help="continue the recipe's stopped run from its last checkpoint")
    ap.add_argument('--finish', action='store_true', help="ship the best epoch of the recipe's stopped run, without training more")
    ap.add_argument('--run', default=None, help='the run folder (default: .cache/train/<name>)')
    ap.add_argument('--evaluate', action='store_true', help='only (re)evaluate the exported weights and update their JSON')
    ap.add_argument('--baselines', action='store_true', help='only compute the trivial baselines on the split and add them to the JSON')
    a = ap.parse_args()
    out_dir = Path(a.out)
    for n in a.names: baselines(n) if a.baselines else evaluate(n) if a.evaluate else train(n, a.scale, a.n_items, a.resume, a.finish, a.run)
