__version__ = "0.0.1"

_api = ('colorize', 'colorize_batch', 'list_models', 'load_model')
__all__ = list(_api)

def __getattr__(name):
    "The one-line API, imported on first use: `import colorize_nb.app` or `.cli` alone does not load torch"
    if name in _api:
        from . import inference
        return getattr(inference, name)
    raise AttributeError(f"module 'colorize_nb' has no attribute {name!r}")
