"""Sphinx configuration of fastnn's documentation site.

Build: pip install -e ".[docs]" && python -m sphinx -W -b html docs docs/_build/html
"""
import fastnn

project = "fastnn"
release = version = fastnn.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.json", "auto_examples/*.md5"]
autosummary_generate = True
templates_path = ["_templates"]
autodoc_default_options = {"inherited-members": False}
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
myst_heading_anchors = 3
suppress_warnings = ["myst.xref_missing"]  # links to the repository's files
html_theme = "pydata_sphinx_theme"
html_title = "fastnn"
html_theme_options = {"navigation_with_keys": False}
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"\.py$",
    "download_all_examples": False,
    "remove_config_comments": True,
    "capture_repr": (),  # show what an example prints, not its last value
}


def _skip_metadata_requests(app, what, name, obj, skip, options):
    # scikit-learn's generated set_*_request methods cite its own docs
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_requests)
