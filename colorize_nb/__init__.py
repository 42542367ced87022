__version__ = "0.0.1"

from .inference import colorize, colorize_batch, list_models, load_model
