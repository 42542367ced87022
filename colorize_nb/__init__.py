__version__ = "0.0.1"

_api = ('colorize_batch', 'list_models', 'load_model')
__all__ = ['colorize', *_api]

def colorize(img, model=None, render_size:int=None, device=None, saturation:float=1.):
    "`colorize_nb.inference.colorize`, run without PyTorch where `engine.fast_colorize` can (a CPU, a model whose ONNX graph ships)"
    from .engine import fast_colorize, default_model
    model = model or default_model
    out = fast_colorize(img, model=model, render_size=render_size, device=device, saturation=saturation)
    if out is not None: return out
    from .inference import colorize as full
    return full(img, model=model, render_size=render_size, device=device, saturation=saturation)

def __getattr__(name):
    "The rest of the one-line API, imported on first use: `import colorize_nb.app` or `.cli` alone does not load torch"
    if name in _api:
        from . import inference
        return getattr(inference, name)
    raise AttributeError(f"module 'colorize_nb' has no attribute {name!r}")
