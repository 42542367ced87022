"""Train the models that ship inside colorize_nb (colorize_nb/weights/<name>.safetensors + .json).

    python tools/train_shipped.py cifar10-unet cifar10-gan photos-gan [--scale 1.0]

Data: ../shared/data (CIFAR-10 training archive, seeded 90/10 split; the photo set, seeded 90/10 split).
GANs follow the recipe that works with little compute: pretrain the generator with L1, then a short GAN phase,
keeping the GAN epoch with the best validation MAE. The exported fp16 weights are then evaluated with running and
with batch BN statistics, and the better MAE sets `bn_eval` for inference (`--evaluate` redoes only this step).
`--scale` multiplies every epoch count and `--n-items` takes a subset (smoke tests)."""
import argparse, hashlib, json, time
from pathlib import Path
import numpy as np, torch
from fastai.callback.tracker import SaveModelCallback
from colorize_nb.data import cifar10_dls, colorize_dls, extract_archive
from colorize_nb.baseline import baseline_learner, l1_loss, export_generator, valid_metrics
from colorize_nb.gan import gan_learner
from colorize_nb.models import use_batch_stats, load_generator
from fastai.callback.core import Callback

root = Path(__file__).resolve().parent.parent
data = root.parent/'shared'/'data'
out_dir = root/'colorize_nb'/'weights'
work = root/'.cache'/'train'

recipes = {
    'cifar10-unet': dict(data='cifar', mode='paper', config='cifar', width=0.5, size=32, bs=128, l2=6, l1=0, gan=0),
    'cifar10-gan':  dict(data='cifar', mode='paper', config='cifar', width=0.5, size=32, bs=128, l2=0, l1=3, gan=4),
    'photos-gan':   dict(data='photos', mode='ab', config='places', width=0.5, size=128, bs=16, l2=0, l1=10, gan=6),
}
data_desc = {'cifar': 'CIFAR-10 training split (shared JPEG archive), seeded 90/10 split, validation = the 10%',
             'photos': 'photos256 (2,372 natural photos), random 128x128 crops, seeded 90/10 split, validation = the 10%'}

def dls_for(r, n_items=None):
    if r['data'] == 'cifar': return cifar10_dls(data/'cifar10_train.tgz', bs=r['bs'], mode=r['mode'], n_items=n_items)
    return colorize_dls(extract_archive(data/'photos256.tar')/'photos_train_256', size=r['size'], bs=r['bs'], mode=r['mode'], n_items=n_items)

class BatchStats(Callback):
    "Validate with BN batch statistics (after fastai has put the model in eval mode, which would undo it)"
    order = 70
    def before_validate(self): use_batch_stats(self.learn.model, True)
    def after_validate(self): use_batch_stats(self.learn.model, False)

def evaluate(name, dls=None):
    "Validation metrics of the exported (fp16) weights with running and with batch BN statistics; the better MAE wins"
    r,fn = recipes[name],out_dir/f'{name}.safetensors'
    js = fn.with_suffix('.json')
    gen,meta = load_generator(fn)
    learn = baseline_learner(dls or dls_for(r), gen=gen, mode=r['mode'], bf16=False, plateau=None)
    names = [m.name for m in learn.metrics]
    res = {'running': dict(zip(names, map(float, learn.validate()[1:])))}
    # colorize() runs one image at a time: batch statistics need more than one value per channel at the bottleneck
    # ... and colorize() normalises each image by its own statistics, so validate one image at a time
    if r['size'] // gen.stride >= 2:
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
    b = trivial_baselines(dls_for(recipes[name]))
    meta['baselines'] = dict(zip(('gray', 'tint'), b.values()))
    js.write_text(json.dumps(meta, indent=1))
    print(name, {k: {m: round(v, 2) for m,v in r.items()} for k,r in meta['baselines'].items()}, flush=True)

def history(learn): return [dict(zip(learn.recorder.metric_names[1:-1], map(float, v))) for v in learn.recorder.values]

def train(name, scale=1., n_items=None):
    r = recipes[name]
    ep = {k: max(1, round(r[k]*scale)) if r[k] else 0 for k in ('l2', 'l1', 'gan')}
    dls = dls_for(r, n_items)
    t0, hist = time.time(), {}
    kw = dict(mode=r['mode'], config=r['config'], width=r['width'], path=work)
    if ep['l2']:
        learn = baseline_learner(dls, **kw, cbs=[SaveModelCallback(monitor='valid_loss', fname=name)])
        learn.fit(ep['l2']); hist['l2'] = history(learn)
        learn.load(name)
        kind, epochs = 'U-Net (L2, equation 9)', ep['l2']
    else:
        learn = baseline_learner(dls, **kw, loss_func=l1_loss)
        learn.fit(ep['l1']); hist['l1'] = history(learn)
        learn = gan_learner(dls, gen=learn.model, **kw, cbs=[SaveModelCallback(monitor='mae', comp=np.less, fname=name)])
        learn.fit(ep['gan']); hist['gan'] = history(learn)
        learn.load(name)
        kind, epochs = 'conditional GAN (L1 pretraining, then equations 5-8)', ep['l1'] + ep['gan']
    meta = dict(name=name, kind=kind, size=r['size'], training_data=data_desc[r['data']], epochs=epochs, epochs_by_phase=ep,
                history=hist, train_minutes=round((time.time()-t0)/60, 1), torch=torch.__version__)
    export_generator(learn, out_dir/name, dtype=torch.float16, **{**learn.colorize_meta, **meta})
    evaluate(name, dls)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('names', nargs='+', choices=list(recipes)); ap.add_argument('--scale', type=float, default=1.)
    ap.add_argument('--n-items', type=int, default=None, help='a seeded subset of the data (smoke tests)')
    ap.add_argument('--out', default=str(out_dir))
    ap.add_argument('--evaluate', action='store_true', help='only (re)evaluate the exported weights and update their JSON')
    ap.add_argument('--baselines', action='store_true', help='only compute the trivial baselines on the split and add them to the JSON')
    a = ap.parse_args()
    out_dir = Path(a.out)
    torch.manual_seed(0)
    for n in a.names: baselines(n) if a.baselines else evaluate(n) if a.evaluate else train(n, a.scale, a.n_items)
