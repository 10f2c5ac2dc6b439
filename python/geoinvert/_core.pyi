# Type stubs for the compiled module geoinvert._core.

__version__: str

def hardware_threads() -> int: ...
