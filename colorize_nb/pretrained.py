import json, time
from pathlib import Path
import numpy as np, torch
from PIL import Image
from torch import Tensor
from fastai.vision.all import (DataBlock, IndexSplitter, RandomResizedCrop, FlipItem, Learner, Adam, Callback, L,
                               get_image_files)
from fastai.callback.fp16 import AMPMode
from .data import GrayBlock, LabBlock, OpenOnce, extract_archive
from .baseline import l1_loss, DeviceMixedPrecision
from .metrics import color_metric_list
from .lite0 import Lite0UNet, lite0_splitter

photo_archives = {'photos256.tar': 'photos_train_256', 'scenes224.tar': 'scenes_224'}

def photo_split(data_dir, valid_pct:float=0.1, seed:int=42)->tuple:
    "(train, valid) image files of the shared photo archives in `data_dir`: a seeded `valid_pct` of each archive held out"
    trn,val = L(),L()
    for arc,sub in photo_archives.items():
        files = sorted(get_image_files(extract_archive(Path(data_dir)/arc)/sub))
        idx = np.random.default_rng(seed).permutation(len(files))
        n = round(len(files)*valid_pct)
        val += [files[i] for i in sorted(idx[:n])]; trn += [files[i] for i in sorted(idx[n:])]
    return trn,val

def photo_dls(train, valid, size:int=128, bs:int=32, min_scale:float=0.25, **kwargs):
    "DataLoaders of (L, ab) pairs: random resized crops of `size` (training), the centre (validation)"
    get = OpenOnce(size*2)
    db = DataBlock(blocks=(GrayBlock('ab'), LabBlock('ab')), getters=[get, get],
                   item_tfms=[RandomResizedCrop(size, min_scale=min_scale), FlipItem(0.5)],
                   splitter=IndexSplitter(range(len(train), len(train) + len(valid))))
    return db.dataloaders(L(train) + L(valid), bs=bs, **kwargs)

def lite0_learner(dls, gen=None, pretrained:bool=True, lr:float=1e-3, bf16:bool=True, channels_last:bool=True,
                  loss_func=l1_loss, metrics=None, cbs=None, **kwargs)->Learner:
    "A fastai `Learner` for `Lite0UNet` (L1 on ab), split into encoder and decoder for `freeze` and discriminative lrs"
    gen = gen if gen is not None else Lite0UNet(n_out=2, pretrained=pretrained)
    cbs = list(cbs or []) + ([DeviceMixedPrecision(AMPMode.BF16)] if bf16 else [])
    learn = Learner(dls, gen, loss_func=loss_func, opt_func=Adam, lr=lr, splitter=lite0_splitter, cbs=cbs,
                    metrics=metrics if metrics is not None else color_metric_list(), **kwargs)
    if channels_last: learn.model.to(memory_format=torch.channels_last)
    learn.colorize_meta = dict(config='lite0', width=1., mode='ab')
    return learn

def mean_ab(files, size:int=64)->tuple:
    "Mean (a, b) over the pixels of `files` (thumbnails of about `size` pixels): the best single tint in the L2 sense"
    from .color import rgb2lab
    acc = []
    for f in files:
        img = Image.open(f); img.draft('RGB', (size, size)); img = img.convert('RGB'); img.thumbnail((size, size))
        acc.append(rgb2lab(torch.from_numpy(np.asarray(img, dtype=np.float32)/255).permute(2,0,1))[1:].mean((1, 2)))
    return tuple(torch.stack(acc).mean(0).tolist())

def tinted(img, ab=(0., 0.))->Image.Image:
    "`img`'s own lightness with one constant colour `ab` everywhere: the trivial baselines (no colour: `ab`=(0, 0))"
    from .inference import L_of, lab_to_rgb8, to_image
    L = L_of(to_image(img))
    return Image.fromarray(lab_to_rgb8(L, torch.tensor(ab, dtype=torch.float32)[:, None, None].expand(2, *L.shape)))

def evaluate_colorizer(files, colorizer, progress:bool=False)->dict:
    "Mean colour metrics of `colorizer` (gray PIL image -> colour PIL image) on `files`, each at its own full size"
    from .metrics import color_metrics
    from fastprogress.fastprogress import progress_bar
    res = []
    for f in progress_bar(files, display=progress):
        truth = Image.open(f).convert('RGB')
        out = colorizer(truth.convert('L'))
        res.append(color_metrics(np.asarray(out.convert('RGB')), np.asarray(truth)))
    return {k: float(np.mean([r[k] for r in res])) for k in res[0]}
