"""The optional compiled reader of git's output (regtrack/_gitparse.c).

Everything else is in pyproject.toml.  ``optional=True``: where no C
compiler is at hand, installing goes on without it and regtrack.gitscan
parses in Python (same rows, slower).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("regtrack._gitparse", ["regtrack/_gitparse.c"], optional=True)])
