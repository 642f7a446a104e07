"""radhpc from Python. `radhpc.store` reads a store (h5py + pandas; no radhpc build needed):

    import radhpc.store
    s = radhpc.store.open("results/store")
    s.features()
"""
import importlib

__all__ = ["store"]


def __getattr__(name):  # submodules load on first use: `import radhpc` needs no h5py
    if name in __all__:
        return importlib.import_module("." + name, __name__)
    raise AttributeError(f"module 'radhpc' has no attribute {name!r}")
