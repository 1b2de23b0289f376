"""Package mapping: the top-level folders install under the ``vlaplan`` namespace.

``planner/`` becomes ``vlaplan.planner`` and so on, so that nothing named ``planner``,
``skills`` or ``executor`` lands at the top of site-packages (PyPI has packages with
those names).  Everything else lives in ``pyproject.toml``.
"""
from setuptools import find_packages, setup

FOLDERS = ["planner", "world_model", "skills", "executor", "domains"]

packages = ["vlaplan"]
package_dir = {"vlaplan": "vlaplan"}
for folder in FOLDERS:
    packages.append(f"vlaplan.{folder}")
    package_dir[f"vlaplan.{folder}"] = folder
    packages += [f"vlaplan.{folder}.{sub}" for sub in find_packages(folder)]

setup(packages=packages, package_dir=package_dir)
