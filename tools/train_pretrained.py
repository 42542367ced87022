"""Train the pretrained-encoder colorizer (`photos-lite0`): EfficientNet-Lite0 U-Net, L1 on ab, then a short GAN phase.

    python tools/train_pretrained.py [--phases frozen:1 unfrozen:6 r224:1 gan:3] [--lam 30] [--resume] [--work .cache/lite0]
    python tools/train_pretrained.py --select unfrozen_5 r224_0 gan_0 gan_1 gan_2 [--record]
    python tools/train_pretrained.py --export r224_0
    python tools/train_pretrained.py --phases classes:4 --init .cache/lite0/r224_0.pth --work .cache/lite0_cls   # lesson 07b
    python tools/train_pretrained.py --work .cache/lite0_cls --select classes_0@0.38 classes_3@0.7   # epoch@temperature
    python tools/train_pretrained.py --phases feat:8 --feat 1 --init colorize_nb/weights/photos-lite0.safetensors --work .cache/lite0_feat   # issue 21

Phases run in order; each epoch ends with a checkpoint (model, optimizer, phase, epoch; `weights_only=True`) in
`--work`, the generator's weights of that epoch, and a line in `--work`/log.jsonl. `--resume` continues from the last
checkpoint. `--select` scores epochs through `colorize` on held-out photos; `--export` ships one.
Data: ../shared/data/photos256.tar + scenes224.tar, a seeded 10% of each held out (`photo_split`)."""
import argparse, json, time
from pathlib import Path
import numpy as np, torch
from fastai.callback.core import Callback
from colorize_nb.pretrained_train import photo_split, photo_dls, lite0_learner, photo_archives
from colorize_nb.classes import class_learner
from colorize_nb.train import _plain, kept_epochs   # _plain: L and NumPy scalars as plain Python, for weights_only checkpoints
from colorize_nb.gan import gan_learner
from colorize_nb.models import discriminator
from colorize_nb.data import extract_archive

root = Path(__file__).resolve().parent.parent
phase_cfg = {  # size, batch size, lr (decoder; the encoder gets lr/10 once unfrozen)
    'frozen':   dict(size=128, bs=32, lr=1e-3),
    'unfrozen': dict(size=128, bs=32, lr=1e-3),
    'r224':     dict(size=224, bs=16, lr=3e-4),
    'gan':      dict(size=128, bs=32, lr=5e-5),
    'classes':  dict(size=128, bs=32, lr=5e-4),
    'feat':     dict(size=224, bs=16, lr=3e-4),   # L1 + the feature loss of lesson 07a (--feat), at the working size
}

def photo_folders(data): return [extract_archive(Path(data)/n) for n in photo_archives]

class Checkpoint(Callback):
    "Save model, optimizer and position at the end of every epoch; the generator's weights of each epoch; a log line"
    order = 90
    def __init__(self, work:Path, phase:str, t0:float, start:int=0): self.work,self.phase,self.t0,self.start = work,phase,t0,start
    def after_epoch(self):
        learn,ep = self.learn,self.learn.epoch
        if ep < self.start: return   # skipped while resuming
        gen = getattr(learn.model, 'gen', learn.model)
        names = learn.recorder.metric_names[1:-1]
        vals = dict(zip(names, map(float, learn.recorder.values[-1])))
        torch.save({k: v.float() if v.is_floating_point() else v for k,v in gen.state_dict().items()}, self.work/f'{self.phase}_{ep}.pth')
        torch.save(dict(phase=self.phase, epoch=ep, model=learn.model.state_dict(), opt=_plain(learn.opt.state_dict()),
                        metrics=vals), self.work/'ckpt.tmp')
        (self.work/'ckpt.tmp').replace(self.work/'ckpt.pth')
        with open(self.work/'log.jsonl', 'a') as f:
            f.write(json.dumps(dict(phase=self.phase, epoch=ep, minutes=round((time.time()-self.t0)/60, 2), **vals)) + '\n')

def _lite0_lazy():
    from colorize_nb.pretrained_train import mean_ab_files, tinted, evaluate_colorizer
    from colorize_nb.inference import colorize, sha256_file
    from colorize_nb.models import save_generator
    from colorize_nb.pretrained import Lite0UNet
    return mean_ab_files, tinted, evaluate_colorizer, colorize, sha256_file, save_generator, Lite0UNet

def save_epoch(work:Path, name:str, out:Path, meta:dict, render_size:int=256)->Path:
    "Epoch `name`'s generator as fp16 safetensors + JSON at `out`, loadable by `colorize`; 'classes_3@0.5' sets the temperature"
    *_, save_generator, Lite0UNet = _lite0_lazy()
    name,_,T = name.partition('@')
    sd = torch.load(work/f'{name}.pth', weights_only=True)
    if 'bins' in sd:   # the classification model of lesson 07b
        from colorize_nb.classes import Lite0ClassUNet
        g = Lite0ClassUNet(temperature=float(T or 0.38)); cfg = dict(config='lite0-classes', temperature=g.temperature)
    else: g = Lite0UNet(); cfg = dict(config='lite0')
    g.load_state_dict(sd)
    return save_generator(g, out, dict(**cfg, width=1., mode='ab', size=128, render_size=render_size, keep_aspect=True, **meta),
                          dtype=torch.float16)

def init_generator(fn):
    "A `Lite0UNet` with the weights of `fn`: a shipped model (.safetensors) or an epoch's .pth"
    fn = Path(fn)
    if fn.suffix == '.safetensors':
        from colorize_nb.models import load_generator
        return load_generator(fn)[0].train()
    *_, Lite0UNet = _lite0_lazy()
    g = Lite0UNet(); g.load_state_dict(torch.load(fn, weights_only=True)); return g

def baselines(trn, photos, ab=None)->tuple:
    "The trivial baselines on `photos` (no colour; `ab`, default the mean tint of every 10th training photo) and that tint"
    mean_ab_files, tinted, evaluate_colorizer, *_ = _lite0_lazy()
    ab = ab or mean_ab_files(trn[::10])
    return {'gray': evaluate_colorizer(photos, tinted), 'tint': evaluate_colorizer(photos, lambda im: tinted(im, ab))}, ab

def _phase_epoch(name:str)->tuple:
    "'r224_0' -> ('r224', 0)"
    ph,_,i = name.rpartition('_'); return ph, int(i)

def _r(d): return {k: round(v, 2) for k,v in d.items()}

def select(work:Path, data, names, render_size:int=256, n_select:int=200, record:bool=False)->dict:
    "Score the epochs `names` through `colorize` on `n_select` held-out photos, beside the baselines; `record` keeps them in the JSON"
    _, _, evaluate_colorizer, colorize, *_ = _lite0_lazy()
    trn,val = photo_split(photo_folders(data))
    sel = val[::max(1, len(val)//n_select)]
    scores = {}
    sets = {'all': sel, **{d: [f for f in sel if f.parent.name == d] for d in sorted({f.parent.name for f in sel})}}
    for nm in names:
        fn = save_epoch(work, nm, work/'export'/nm.replace('@', '_T').replace('.', 'p'), {}, render_size) if nm != 'shipped' else 'photos-lite0'
        scores[nm] = {k: evaluate_colorizer(fs, lambda im: colorize(im, model=fn, device='cpu')) for k,fs in sets.items()}
        for k in sets: print(nm, k, len(sets[k]), _r(scores[nm][k]), flush=True)
    base,ab = baselines(trn, sel)
    for k,fs in sets.items():
        if k != 'all': print('baselines', k, {b: _r(r) for b,r in baselines(trn, fs, ab)[0].items()}, flush=True)
    print('baselines all', {k: _r(r) for k,r in base.items()}, flush=True)
    js = root/'colorize_nb'/'weights'/f'{record}.json' if record else None
    if record and js.exists():   # keep the selection's figures with the shipped model
        meta = json.loads(js.read_text())
        meta['selection'] = dict(photos=len(sel), render_size=render_size, epochs=scores, baselines=base,
                                 command='python tools/train_pretrained.py --select ' + ' '.join(names) + ' --record')
        js.write_text(json.dumps(meta, indent=1))
    return scores

def _minutes(log)->float:
    "Training minutes of the logged epochs: `minutes` restarts at 0 in each resumed process, so add up the segments"
    total,prev = 0.,0.
    for r in log:
        if r['minutes'] < prev: total += prev
        prev = r['minutes']
    return round(total + prev, 1)

def write_model(work:Path, data, name:str, out:Path, render_size:int=256, compare=('photos-gan',), n_eval:int=None):
    "Export epoch `name` as the shipped model `out` (fp16 safetensors + JSON), scored on the whole held-out split"
    _, _, evaluate_colorizer, colorize, sha256_file, *_ = _lite0_lazy()
    trn,val = photo_split(photo_folders(data))
    if n_eval: val = val[::len(val)//n_eval][:n_eval]
    log = [json.loads(l) for l in (work/'log.jsonl').read_text().splitlines()]
    hist = {}
    for r in log: hist.setdefault(r['phase'], []).append({k: v for k,v in r.items() if k != 'phase'})
    phases = {ph: len(v) for ph,v in hist.items()}
    fn = save_epoch(work, name, out, dict(name=out.stem,
        kind='U-Net with an ImageNet-pretrained EfficientNet-Lite0 encoder (L1 on ab' + (', then equations 5-8)' if 'gan' in name else ')'),
        training_data='photos256 + scenes224 (8,001 photos), a seeded 10% of each held out (photo_split); random resized 128 px crops, then 224 px',
        kept_epoch=name, epochs_by_phase=phases, epochs=kept_epochs(list(phases.items()), *_phase_epoch(name)),
        epochs_run=sum(phases.values()), history=hist, bn_eval='running',
        train_minutes=_minutes(log), torch=torch.__version__), render_size)
    m = evaluate_colorizer(val, lambda im: colorize(im, model=fn, device='cpu'))
    base,ab = baselines(trn, val)
    compared = {o: evaluate_colorizer(val, lambda im: colorize(im, model=o, device='cpu')) for o in compare}
    meta = json.loads(fn.with_suffix('.json').read_text())
    meta.update(metrics=m, baselines=base, compared=compared, tint_ab=list(ab), sha256=sha256_file(fn),
                metrics_of=f'the exported fp16 weights through colorize(render_size={render_size}) on the {len(val)} held-out photos at full size')
    fn.with_suffix('.json').write_text(json.dumps(meta, indent=1))
    print(out.stem, _r(m), '\ncompared', {k: _r(r) for k,r in compared.items()}, '\nbaselines', {k: _r(r) for k,r in base.items()}, flush=True)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--phases', nargs='+', default=['frozen:1', 'unfrozen:6', 'r224:1', 'gan:3'])
    ap.add_argument('--data', default=str(root.parent/'shared'/'data'))
    ap.add_argument('--work', default=str(root/'.cache'/'lite0'))
    ap.add_argument('--resume', action='store_true')
    ap.add_argument('--n-items', type=int, default=None, help='use only this many training images (smoke test)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--select', nargs='+', help='score these epochs (e.g. unfrozen_9 gan_2 classes_3@0.5) on held-out photos and stop')
    ap.add_argument('--record', nargs='?', const='photos-lite0', default=None, help="with --select: store the scores in this shipped model's JSON (default photos-lite0)")
    ap.add_argument('--export', help='export this epoch (e.g. gan_2) as colorize_nb/weights/photos-lite0 and stop')
    ap.add_argument('--render-size', type=int, default=256)
    ap.add_argument('--lam', type=float, default=100., help="weight of the L1 term in the GAN phase (equation 7; the paper's 100)")
    ap.add_argument('--out', default=str(root/'colorize_nb'/'weights'/'photos-lite0'), help='where --export writes the model')
    ap.add_argument('--init', help="start from this generator weights file (e.g. .cache/lite0/r224_0.pth); the classes head is new")
    ap.add_argument('--feat', type=float, default=1., help="weight of the feature loss in the 'feat' phase (lesson 07a's FeatureLoss)")
    ap.add_argument('--size', type=int, default=None, help="training crop size of every phase (default: each phase's own)")
    ap.add_argument('--bs', type=int, default=None, help="batch size of every phase (default: each phase's own)")
    ap.add_argument('--n-select', type=int, default=200, help='--select scores this many held-out photos')
    ap.add_argument('--n-eval', type=int, default=None, help='score the export on this many held-out photos (default: all)')
    a = ap.parse_args()
    work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
    if a.select: return select(work, a.data, a.select, a.render_size, n_select=a.n_select, record=a.record)
    if a.export: return write_model(work, a.data, a.export, Path(a.out), a.render_size, n_eval=a.n_eval)
    torch.manual_seed(a.seed); np.random.seed(a.seed)
    trn,val = photo_split(photo_folders(a.data))
    if a.n_items: trn,val = trn[:a.n_items],val[:max(8, a.n_items//8)]
    ck = torch.load(work/'ckpt.pth', weights_only=True) if a.resume and (work/'ckpt.pth').exists() else None
    phases = [(p.split(':')[0], int(p.split(':')[1])) for p in a.phases]
    at = [p for p,_ in phases].index(ck['phase']) if ck else -1
    t0,gen = time.time(),None
    for i,(ph,n) in enumerate(phases):
        if i < at: continue
        c = {**phase_cfg[ph], **{k: v for k,v in dict(size=a.size, bs=a.bs).items() if v}}
        if gen is None and a.init and ph != 'classes' and i != at: gen = init_generator(a.init)
        dls = photo_dls(trn, val, size=c['size'], bs=c['bs'], num_workers=1)
        cb = Checkpoint(work, ph, t0)
        if ph == 'classes':
            learn = class_learner(dls, trn, gen=gen, init=torch.load(a.init, weights_only=True) if gen is None else None, cbs=[cb])
        elif ph == 'gan':
            g = gen if gen is not None else lite0_learner(dls).model
            learn = gan_learner(dls, gen=g, crit=discriminator('places', n_out=2, width=0.5), mode='ab', config='lite0',
                                decay=None, channels_last=True, crit_lr_mult=4., lam=a.lam, cbs=[cb])
        elif ph == 'feat':
            from colorize_nb.pretrained_train import FeatureLoss
            fl = FeatureLoss(a.feat)
            learn = lite0_learner(dls, gen=gen, loss_func=fl, cbs=[cb, fl.cb])
        else: learn = lite0_learner(dls, gen=gen, cbs=[cb])
        learn.create_opt()
        learn.freeze() if ph == 'frozen' else learn.unfreeze()
        start = 0
        if i == at:   # resume inside this phase
            learn.model.load_state_dict(ck['model'])
            start = ck['epoch'] + 1
            if start < n: learn.opt.load_state_dict(ck['opt'])
            cb.start = start
        lr = c['lr'] if ph in ('frozen', 'gan') else slice(c['lr']/10, c['lr'])
        print(f'phase {ph}: epochs {start}..{n-1}, size {c["size"]}, bs {c["bs"]}, lr {lr}', flush=True)
        if start < n:
            if ph == 'gan': learn.fit(n, lr=lr, start_epoch=start)
            else: learn.fit_one_cycle(n, lr, start_epoch=start)
        gen = getattr(learn.model, 'gen', learn.model)
    print(f'done in {(time.time()-t0)/60:.1f} min', flush=True)

if __name__ == '__main__': main()
