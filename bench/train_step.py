"""Training speed of the GAN callback (fastai `Learner` + `GANTrainer`) against a bare PyTorch loop of the same
networks and losses, in the same process: the paper's full-width CIFAR-10 networks, batch 128, fp32 and bf16 autocast.

    python bench/train_step.py [--batches 6] [--width 1.0] [--channels-last] [--compile]

The fastai path reads real batches from the shared CIFAR-10 archive (decoding in 2 workers, Lab conversion as a
batch transform); the bare loop trains on a fixed batch already in Lab, so the ratio includes all of fastai's and
the data pipeline's overhead. Ends with one line: `fastai/bare fp32 R bf16 R; bf16/fp32 R; bf16 img/s N`."""
import argparse, time
from pathlib import Path
import torch
import torch.nn.functional as F
from fastai.callback.core import Callback, CancelFitException
from colorize_nb.data import cifar10_dls
from colorize_nb.models import generator, discriminator
from colorize_nb.gan import gan_learner, bce, gen_adv_loss

data = Path(__file__).resolve().parent.parent.parent/'shared'/'data'

class Timer(Callback):
    "Time `n` training batches after `warm` warm-up batches, then stop"
    order = 99
    def __init__(self, warm, n): self.warm,self.n,self.ts = warm,n,[]
    def before_batch(self):
        if self.training and self.iter >= self.warm: self.ts.append(time.perf_counter())
    def after_batch(self):
        if self.training and self.iter == self.warm + self.n - 1:
            self.ts.append(time.perf_counter()); raise CancelFitException()

def fastai_rate(dls, bf16, warm, n, width, cl):
    learn = gan_learner(dls, width=width, bf16=bf16, metrics=[], decay=None, channels_last=cl, cbs=[Timer(warm, n)])
    with learn.no_bar(), learn.no_logging(): learn.fit(1)
    ts = learn.timer.ts
    return n*dls.bs/(ts[-1] - ts[0])

def bare_rate(x, y, bf16, warm, n, width, cl, compile_):
    G,D = generator(width=width), discriminator(width=width)
    if cl: G,D,x,y = [o.to(memory_format=torch.channels_last) for o in (G, D, x, y)]
    g,d = (torch.compile(G), torch.compile(D)) if compile_ else (G, D)
    og = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999)); od = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
    G.train(); D.train()
    def step():
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            fake = g(x)
            dl = bce(d(x, y), 0.9) + bce(d(x, fake.detach()), 0.)
        od.zero_grad(set_to_none=True); dl.backward(); od.step()
        for p in D.parameters(): p.requires_grad_(False)
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            gl = gen_adv_loss(d(x, fake)) + 100*F.l1_loss(fake.float(), y)
        og.zero_grad(set_to_none=True); gl.backward(); og.step()
        for p in D.parameters(): p.requires_grad_(True)
    for _ in range(warm): step()
    t0 = time.perf_counter()
    for _ in range(n): step()
    return n*len(x)/(time.perf_counter() - t0)

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--batches', type=int, default=6); ap.add_argument('--warm', type=int, default=2)
    ap.add_argument('--width', type=float, default=1.); ap.add_argument('--channels-last', action='store_true')
    ap.add_argument('--compile', action='store_true')
    a = ap.parse_args()
    torch.manual_seed(0)
    dls = cifar10_dls(data/'cifar10_train.tgz', bs=128)
    x,y = [o.as_subclass(torch.Tensor).contiguous() for o in dls.one_batch()]
    res = {}
    for bf16 in (False, True):
        k = 'bf16' if bf16 else 'fp32'
        bare = bare_rate(x, y, bf16, a.warm, a.batches, a.width, a.channels_last, a.compile)
        fa = fastai_rate(dls, bf16, a.warm, a.batches, a.width, a.channels_last)
        res[k] = (fa, bare)
        print(f'{k}: fastai {fa:.1f} img/s, bare {bare:.1f} img/s, fastai/bare {fa/bare:.2f}', flush=True)
    (f32,b32),(f16,b16) = res['fp32'],res['bf16']
    print(f'threads {torch.get_num_threads()}, width {a.width}, channels_last {a.channels_last}, compile {a.compile}')
    print(f'fastai/bare fp32 {f32/b32:.2f} bf16 {f16/b16:.2f}; bf16/fp32 {f16/f32:.2f}; bf16 img/s {f16:.0f}')
