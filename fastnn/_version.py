"""fastnn's version (the same as pyproject.toml's), where every module can
import it without importing the package first."""
__version__ = "0.1.0"
